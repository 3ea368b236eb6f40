using System.Device.Gpio;
using System.Threading.Channels;
using EdgeCapture.Privacy.Gpio;
using EdgeCapture.Privacy.Pinout;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Privacy;

/// <summary>
/// The privacy hardware wired together from a pinout: one GPIO controller on the pinout's chip, the switch monitor,
/// the recording indicator, the forget button, and the <see cref="PrivacyTimeline"/> they feed.
/// </summary>
/// <remarks>
/// <see cref="Start(string, PrivacyOptions, MonotonicClock, ILoggerFactory?, Func{PinoutDocument, GpioDriver}?)"/>
/// never throws for a bad pinout or missing hardware: it returns an instance whose timeline is private with the
/// reason (<see cref="PrivacyReason.PinoutInvalid"/>, <see cref="PrivacyReason.GpioUnavailable"/>, ...), so the relay
/// keeps working and nothing is recorded.
/// </remarks>
public sealed partial class PrivacyHardware : IDisposable
{
    /// <summary>How many forget requests wait in <see cref="ForgetRequests"/> before further presses are dropped and counted.</summary>
    public const int ForgetRequestCapacity = 64;

    private readonly GpioController? _controller;
    private readonly Channel<ForgetRequest> _forgetRequests;
    private bool _disposed;

    private PrivacyHardware(
        PrivacyTimeline timeline,
        PinoutDocument? pinout,
        GpioController? controller,
        PrivacySwitchMonitor? monitor,
        RecordingIndicator? indicator,
        ForgetButton? forgetButton,
        Channel<ForgetRequest> forgetRequests)
    {
        Timeline = timeline;
        Pinout = pinout;
        _controller = controller;
        SwitchMonitor = monitor;
        Indicator = indicator;
        ForgetButton = forgetButton;
        _forgetRequests = forgetRequests;
    }

    /// <summary>The gate's source of truth; the recorder asks it about every item.</summary>
    public PrivacyTimeline Timeline { get; }

    /// <summary>The current status.</summary>
    public PrivacyStatus Status => Timeline.Status;

    /// <summary>The pinout in use, or null when it was invalid.</summary>
    public PinoutDocument? Pinout { get; }

    /// <summary>The switch monitor, or null when the pinout was invalid.</summary>
    public PrivacySwitchMonitor? SwitchMonitor { get; }

    /// <summary>The recording indicator, or null when the pinout was invalid.</summary>
    public RecordingIndicator? Indicator { get; }

    /// <summary>The forget button, or null when the pinout was invalid.</summary>
    public ForgetButton? ForgetButton { get; }

    /// <summary>Forget requests from the button, in press order. The recorder and outbox consume them.</summary>
    public ChannelReader<ForgetRequest> ForgetRequests => _forgetRequests.Reader;

    /// <summary>
    /// Loads the installed pinout from <paramref name="pinoutPath"/> (<see cref="PinoutLoader.LoadInstalled"/>: refused when anyone
    /// but root could change it) and starts the hardware; see the remarks for failures.
    /// </summary>
    /// <param name="pinoutPath">Usually <see cref="PinoutLoader.InstalledPath"/>.</param>
    /// <param name="options">Timing options (validated; invalid options throw, they are the caller's bug).</param>
    /// <param name="clock">The clock all stages stamp with.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="driverFactory">Creates the GPIO driver; <see cref="GpioDriverFactory.Create"/> when null.</param>
    /// <returns>The running hardware.</returns>
    public static PrivacyHardware Start(
        string pinoutPath,
        PrivacyOptions options,
        MonotonicClock clock,
        ILoggerFactory? loggerFactory = null,
        Func<PinoutDocument, GpioDriver>? driverFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        PinoutDocument pinout;
        try
        {
            pinout = PinoutLoader.LoadInstalled(pinoutPath);
        }
        catch (PinoutException exception)
        {
            loggerFactory ??= NullLoggerFactory.Instance;
            var timeline = new PrivacyTimeline(clock, options, loggerFactory.CreateLogger<PrivacyTimeline>());
            timeline.EnterPrivate(PrivacyReason.PinoutInvalid, exception.Message);
            LogPinoutInvalid(loggerFactory.CreateLogger<PrivacyHardware>(), exception.Message, exception);
            return new PrivacyHardware(timeline, null, null, null, null, null, CreateChannel());
        }

        return Start(pinout, options, clock, loggerFactory, driverFactory);
    }

    /// <summary>Starts the hardware described by a validated pinout; see the remarks for failures.</summary>
    /// <param name="pinout">The pinout.</param>
    /// <param name="options">Timing options.</param>
    /// <param name="clock">The clock all stages stamp with.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="driverFactory">Creates the GPIO driver; <see cref="GpioDriverFactory.Create"/> when null.</param>
    /// <returns>The running hardware.</returns>
    public static PrivacyHardware Start(
        PinoutDocument pinout,
        PrivacyOptions options,
        MonotonicClock clock,
        ILoggerFactory? loggerFactory = null,
        Func<PinoutDocument, GpioDriver>? driverFactory = null)
    {
        ArgumentNullException.ThrowIfNull(pinout);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        driverFactory ??= GpioDriverFactory.Create;

        // The pinout's hash is logged at every start, so a change to the file is visible.
        ILogger hardwareLogger = loggerFactory.CreateLogger<PrivacyHardware>();
        LogPinoutInUse(hardwareLogger, pinout.Board, pinout.Sha256 ?? "(not read from a file)");
        var timeline = new PrivacyTimeline(clock, options, loggerFactory.CreateLogger<PrivacyTimeline>());
        GpioController? controller = null;
        string? controllerError = null;
        try
        {
            controller = new GpioController(driverFactory(pinout));
        }
#pragma warning disable CA1031 // No driver, no chip, no library: private with the reason, the process keeps relaying.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            controllerError = $"cannot open GPIO chip {pinout.Chip} ({pinout.Driver}): {exception.GetType().Name}: {exception.Message}";
        }

        Channel<ForgetRequest> channel = CreateChannel();
        var indicator = new RecordingIndicator(controller, pinout.RecordingIndicator, timeline, loggerFactory.CreateLogger<RecordingIndicator>());
        var monitor = new PrivacySwitchMonitor(controller, controllerError, pinout.PrivacySwitch, indicator, timeline, options, loggerFactory.CreateLogger<PrivacySwitchMonitor>());
        var button = new ForgetButton(controller, pinout.ForgetButton, channel.Writer, clock, options, loggerFactory.CreateLogger<ForgetButton>());
        monitor.Start();
        button.Start();
        return new PrivacyHardware(timeline, pinout, controller, monitor, indicator, button, channel);
    }

    /// <summary>Reads the switch now (see <see cref="PrivacySwitchMonitor.Refresh"/>).</summary>
    public void Refresh() => SwitchMonitor?.Refresh();

    /// <summary>Shuts the gate, darkens the LED after it, releases the lines and completes <see cref="ForgetRequests"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (SwitchMonitor is null)
        {
            Timeline.EnterPrivate(PrivacyReason.Stopped, null);
        }

        SwitchMonitor?.Dispose();
        ForgetButton?.Dispose();
        Indicator?.Dispose();
        _controller?.Dispose();
        _forgetRequests.Writer.TryComplete();
    }

    private static Channel<ForgetRequest> CreateChannel() => Channel.CreateBounded<ForgetRequest>(new BoundedChannelOptions(ForgetRequestCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the press is counted as dropped, never blocks the GPIO thread.
        SingleReader = false,
        SingleWriter = true,
    });

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Pinout invalid, privacy stays private: {Problem}")]
    private static partial void LogPinoutInvalid(ILogger logger, string problem, Exception exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Pinout for {Board} in use, SHA-256 {Sha256}")]
    private static partial void LogPinoutInUse(ILogger logger, string board, string sha256);
}
