using System.Threading.Channels;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Relay.Gadget;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Relay;

/// <summary>
/// The running relay: an <see cref="EvdevReader"/> feeding a <see cref="HidRelay"/>, optional hot-plug watching, and the
/// LED path back from the gadget to every keyboard. This is what <c>edgecapture relay</c> runs.
/// </summary>
public sealed class RelayService : IDisposable
{
    private readonly RelayConfiguration _configuration;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private EvdevDirectoryWatcher? _watcher;
    private bool _started;
    private bool _stopped;

    /// <summary>Opens the gadget endpoints; devices are opened by <see cref="Start"/>. Input comes only from the evdev nodes
    /// the configuration names (or that appear in its input directory): there is no way to hand this relay anything else.</summary>
    /// <param name="configuration">Paths and options.</param>
    /// <param name="timeProvider">Clock.</param>
    /// <param name="tap">Recording tap, or null.</param>
    /// <param name="loggerFactory">Loggers, or null.</param>
    /// <exception cref="IOException">A gadget endpoint cannot be opened.</exception>
    public RelayService(RelayConfiguration configuration, TimeProvider timeProvider, InputTap? tap = null, ILoggerFactory? loggerFactory = null)
        : this(configuration, timeProvider, tap, loggerFactory, openNode: null, openEndpoint: null)
    {
    }

    /// <summary>The same, with the kernel seams replaceable; internal so that only this assembly's tests can feed it
    /// stand-in input nodes (Nothing remote types: nothing but physical input reaches the gadget).</summary>
    /// <param name="configuration">Paths and options.</param>
    /// <param name="timeProvider">Clock.</param>
    /// <param name="tap">Recording tap, or null.</param>
    /// <param name="loggerFactory">Loggers, or null.</param>
    /// <param name="openNode">Seam for opening input nodes (tests); default <see cref="EvdevFileNode.Open"/>.</param>
    /// <param name="openEndpoint">Seam for opening gadget endpoints (tests); default <see cref="HidGadgetFile.Open"/>.</param>
    /// <exception cref="IOException">A gadget endpoint cannot be opened.</exception>
    internal RelayService(
        RelayConfiguration configuration,
        TimeProvider timeProvider,
        InputTap? tap,
        ILoggerFactory? loggerFactory,
        Func<EvdevDeviceOptions, IEvdevNode>? openNode,
        Func<string, string?, IHidGadgetEndpoint>? openEndpoint)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _configuration = configuration;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        openEndpoint ??= static (path, outputPath) => HidGadgetFile.Open(path, outputPath);
        IHidGadgetEndpoint? keyboard = null;
        IHidGadgetEndpoint? mouse = null;
        IHidGadgetEndpoint? consumer = null;
        ConfigFsGadget? gadget = configuration.Gadget;
        Func<string, string?, IHidGadgetEndpoint> open = openEndpoint;
        ConfigFsEndpointSource? source = gadget is null ? null : new ConfigFsEndpointSource(gadget, path => open(path, null));
        try
        {
            keyboard = configuration.KeyboardGadgetPath is not null ? openEndpoint(configuration.KeyboardGadgetPath, configuration.KeyboardOutputReportPath)
                : source?.Open(GadgetEndpointKind.Keyboard);
            mouse = configuration.MouseGadgetPath is not null ? openEndpoint(configuration.MouseGadgetPath, null)
                : source?.Open(GadgetEndpointKind.Mouse);
            consumer = configuration.ConsumerControlGadgetPath is not null ? openEndpoint(configuration.ConsumerControlGadgetPath, null)
                : source?.Open(GadgetEndpointKind.ConsumerControl);
        }
        catch
        {
            keyboard?.Dispose();
            mouse?.Dispose();
            throw;
        }

        // Endpoints named explicitly are stand-ins or pinned: only a relay whose endpoints all come from configfs follows a rebuild.
        bool allFromGadget = configuration.KeyboardGadgetPath is null && configuration.MouseGadgetPath is null && configuration.ConsumerControlGadgetPath is null;
        IUdcMonitor? udc = configuration.Relay.UdcStatePath is null ? gadget : null;
        HidRelayOptions options = configuration.Relay;
        if (gadget is not null && configuration.MouseGadgetPath is null && mouse is not null)
        {
            // The pointer mode follows the descriptor the gadget presents (EDGECAPTURE_POINTER), so they cannot disagree.
            options = options with { PointerMode = gadget.ReadPointerMode() };
        }

        Relay = new HidRelay(
            new HidGadgetEndpoints(keyboard, mouse, consumer),
            options,
            timeProvider,
            tap,
            _loggerFactory.CreateLogger<HidRelay>(),
            udc,
            allFromGadget ? source : null);
        Reader = openNode is null
            ? new EvdevReader(Relay, timeProvider, _loggerFactory.CreateLogger<EvdevReader>())
            : new EvdevReader(Relay, timeProvider, _loggerFactory.CreateLogger<EvdevReader>(), openNode);
        Relay.AttachKeyboardLedOutput(Reader.WriteKeyboardLeds);

        // Invariant: only physical input reaches a real gadget. Stand-in input (FIFOs, files) is for stand-in gadgets.
        Reader.RequireDeviceNodes = keyboard is HidGadgetFile { IsCharacterDevice: true }
            || mouse is HidGadgetFile { IsCharacterDevice: true }
            || consumer is HidGadgetFile { IsCharacterDevice: true };
    }

    /// <summary>Number of input devices currently open.</summary>
    public int DeviceCount => Reader.DeviceCount;

    /// <summary>What the evdev side read and skipped.</summary>
    public EvdevReaderCounters ReaderCounters => Reader.Counters;

    /// <summary>What the gadget side wrote, queued and coalesced.</summary>
    public HidRelayCounters RelayCounters => Relay.Counters;

    /// <summary>
    /// The USB host's transitions: away, back, resumed from suspend, re-enumerated. For the composition root (lock-screen
    /// suppression starts on a resume or a re-enumeration); bounded, newest kept, never holds up the relay. Output only:
    /// nothing read here reaches the gadget.
    /// </summary>
    public ChannelReader<HostTransition> HostTransitions => Relay.HostTransitions;

    /// <summary>
    /// The relay's two loops, each counted per pass (the evdev reader's and the gadget writer's). Together with
    /// <see cref="RequestHeartbeat"/> this is what the systemd watchdog is fed from: both must come round after a wake.
    /// </summary>
    public RelayHeartbeat Heartbeat => new(Reader.LoopPasses, Relay.WriterLoopPasses);

    /// <summary>Wakes both relay threads once (never blocks, never touches what is relayed), so that <see cref="Heartbeat"/> moves if they are alive.</summary>
    public void RequestHeartbeat()
    {
        Reader.RequestHeartbeat();
        Relay.RequestHeartbeat();
    }

    /// <summary>The evdev side (internal: whoever holds it could switch off the physical-input check).</summary>
    internal EvdevReader Reader { get; }

    /// <summary>The gadget side (internal: whoever holds it could feed it events).</summary>
    internal HidRelay Relay { get; }

    /// <summary>Opens the configured devices, starts watching the input directory, and starts both threads.</summary>
    /// <exception cref="IOException">A configured device cannot be opened.</exception>
    public void Start()
    {
        if (_started)
        {
            throw new InvalidOperationException("The relay is already started.");
        }

        _started = true;
        Relay.Start();
        Reader.Start();
        foreach (EvdevDeviceOptions device in _configuration.Devices)
        {
            Reader.AddDevice(device);
        }

        if (_configuration.InputDirectory is not null)
        {
            _watcher = new EvdevDirectoryWatcher(_configuration.InputDirectory, Reader, null, _timeProvider, null, _loggerFactory.CreateLogger<EvdevDirectoryWatcher>());
            _watcher.Start();
        }
    }

    /// <summary>Stops watching, releases every device's keys, flushes the gadget and sends all-released reports.</summary>
    public void Stop()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        _watcher?.Dispose();
        Reader.Stop();
        Relay.Stop();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Stop();
        Reader.Dispose();
        Relay.Dispose();
    }
}
