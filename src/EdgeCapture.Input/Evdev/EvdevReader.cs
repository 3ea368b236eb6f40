using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Input.Evdev;

/// <summary>
/// Reads every open input device on one dedicated thread (poll(2) over all descriptors plus an eventfd to wake it),
/// decodes <c>input_event</c> structs, assembles SYN_REPORT frames, drops autorepeat, resynchronises after
/// SYN_DROPPED (EVIOCGKEY; on a stand-in without ioctls every held key is released instead), releases a device's held
/// keys when it goes away (ENODEV or end of file), and hands the result to an <see cref="IEvdevEventSink"/>.
/// Bad bytes are counted and skipped; nothing escapes the loop. Steady state allocates nothing.
/// </summary>
public sealed unsafe partial class EvdevReader : IDisposable
{
    /// <summary>Most devices open at once.</summary>
    public const int MaximumDevices = 64;

    private const int EventsPerRead = 64;

    private readonly IEvdevEventSink _sink;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;
    private readonly Func<EvdevDeviceOptions, IEvdevNode> _openNode;
    private readonly ConcurrentQueue<EvdevDevice> _pendingAdds = new();
    private readonly Lock _devicesLock = new();
    private readonly EvdevDevice[] _devices = new EvdevDevice[MaximumDevices];
    private readonly HashSet<string> _openPaths = new(StringComparer.Ordinal);
    private readonly WakeablePoll _poll = new(MaximumDevices);
    private long _loopPasses;
    private readonly byte[] _readBuffer = GC.AllocateArray<byte>((EventsPerRead + 1) * InputEventCodec.EventSize, pinned: true);
    private int _deviceCount;
    private int _nextDeviceId;
    private Thread? _thread;
    private volatile bool _stopping;
    private int _disposed;

    /// <summary>Creates a reader that opens nodes with <see cref="EvdevFileNode.Open"/>.</summary>
    /// <param name="sink">Receives events on the reader thread.</param>
    /// <param name="timeProvider">Clock for events from nodes without kernel monotonic time.</param>
    /// <param name="logger">Logger.</param>
    public EvdevReader(IEvdevEventSink sink, TimeProvider timeProvider, ILogger<EvdevReader>? logger = null)
        : this(sink, timeProvider, logger, static options => EvdevFileNode.Open(options.Path, options.LedOutputPath))
    {
    }

    /// <summary>Creates a reader with a custom way to open nodes (a seam for tests wrapping <see cref="EvdevFileNode"/>).</summary>
    /// <param name="sink">Receives events on the reader thread.</param>
    /// <param name="timeProvider">Clock for events from nodes without kernel monotonic time.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="openNode">Opens a node for the given options; may throw <see cref="IOException"/>.</param>
    public EvdevReader(IEvdevEventSink sink, TimeProvider timeProvider, ILogger<EvdevReader>? logger, Func<EvdevDeviceOptions, IEvdevNode> openNode)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(openNode);
        _sink = sink;
        _clock = MonotonicClock.For(timeProvider);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _openNode = openNode;
    }

    /// <summary>
    /// When true, only real evdev nodes are accepted: a FIFO or file stand-in is refused. The relay sets this whenever
    /// it writes to a real USB gadget, so nothing but physical input can ever type into the host.
    /// </summary>
    public bool RequireDeviceNodes { get; set; }

    /// <summary>
    /// The sysfs input class directory, where <c>eventN</c> links to its device; a node whose device is under
    /// <c>/devices/virtual</c> is refused. Default <c>/sys/class/input</c>; tests point it at a temporary tree.
    /// </summary>
    public string SysfsInputClass { get; init; } = PhysicalInputPolicy.SysfsInputClass;

    /// <summary>What was read and skipped.</summary>
    public EvdevReaderCounters Counters { get; } = new();

    /// <summary>Number of devices currently open.</summary>
    public int DeviceCount
    {
        get
        {
            lock (_devicesLock)
            {
                return _deviceCount + _pendingAdds.Count;
            }
        }
    }

    /// <summary>Whether a device with this path is open (or about to be).</summary>
    /// <param name="path">Node path.</param>
    /// <returns>True when open.</returns>
    public bool IsOpen(string path)
    {
        lock (_devicesLock)
        {
            return _openPaths.Contains(path);
        }
    }

    /// <summary>
    /// Opens, classifies, grabs and switches a device to CLOCK_MONOTONIC, then hands it to the reader thread.
    /// Returns null (and logs why) when the node is not a keyboard, mouse or consumer-control node, is already open,
    /// or is a stand-in without a configured <see cref="EvdevDeviceOptions.Kind"/>.
    /// </summary>
    /// <param name="options">The device.</param>
    /// <returns>The device, or null when it is not relayed.</returns>
    /// <exception cref="IOException">The node cannot be opened.</exception>
    public EvdevDevice? AddDevice(EvdevDeviceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_devicesLock)
        {
            if (!_openPaths.Add(options.Path))
            {
                return null;
            }
        }

        IEvdevNode? node = null;
        try
        {
            node = _openNode(options);
            bool supportsIoctls = EvdevClassifier.TryClassify(node, out InputDeviceKind? classified, out bool highResolutionWheel);
            InputDeviceKind? kind = options.Kind ?? classified;
            if (!supportsIoctls && RequireDeviceNodes)
            {
                EvdevLog.DeviceNotRelayed(_logger, options.Path, "not an evdev node, and only physical input may reach a real USB gadget");
                ForgetPath(options.Path);
                node.Dispose();
                return null;
            }

            if (supportsIoctls && PhysicalInputPolicy.RefusalReason(node, SysfsInputClass) is { } refusal)
            {
                // Before the kind: a configured kind never lets a virtual or CEC node through.
                Interlocked.Increment(ref Counters.NodesRefusedField);
                EvdevLog.NodeRefused(_logger, options.Path, refusal);
                ForgetPath(options.Path);
                node.Dispose();
                return null;
            }

            if (kind is null)
            {
                EvdevLog.DeviceNotRelayed(_logger, options.Path, supportsIoctls ? "neither keyboard, mouse nor consumer control" : "not an evdev node and no kind configured");
                ForgetPath(options.Path);
                node.Dispose();
                return null;
            }

            bool grabbed = false;
            bool kernelTime = false;
            if (supportsIoctls)
            {
                grabbed = options.Grab && node.IoControl(EvdevIoctl.Grab, 1) >= 0;
                Span<byte> clock = stackalloc byte[sizeof(int)];
                MemoryMarshal.Write(clock, EvdevIoctl.ClockMonotonic);
                kernelTime = node.IoControl(EvdevIoctl.SetClockId, clock) >= 0;
            }

            var device = new EvdevDevice(Interlocked.Increment(ref _nextDeviceId), node, kind.Value, supportsIoctls, kernelTime, grabbed, highResolutionWheel);
            _pendingAdds.Enqueue(device);
            Wake();
            return device;
        }
        catch
        {
            ForgetPath(options.Path);
            node?.Dispose();
            throw;
        }
    }

    /// <summary>Starts the reader thread.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_thread is not null)
        {
            throw new InvalidOperationException("The reader is already started.");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "evdev reader", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>
    /// Writes the host's keyboard LED state (HID LED report: Num 0x01, Caps 0x02, Scroll 0x04, Compose 0x08, Kana 0x10)
    /// as EV_LED events and SYN_REPORT to every keyboard. Safe from any thread; never blocks on a device.
    /// </summary>
    /// <param name="hidLedReport">The LED output report byte.</param>
    /// <returns>Number of keyboards written.</returns>
    public int WriteKeyboardLeds(byte hidLedReport)
    {
        // HID LED bit n is Linux LED code n for Num, Caps, Scroll, Compose and Kana.
        const int LedCount = 5;
        int size = InputEventCodec.EventSize;
        Span<byte> events = stackalloc byte[(LedCount + 1) * size];
        long now = MonotonicNow();
        for (int led = 0; led < LedCount; led++)
        {
            InputEventCodec.Encode(new EvdevEvent(now, EventTypes.Led, (ushort)led, (hidLedReport >> led) & 1), events[(led * size)..]);
        }

        InputEventCodec.Encode(new EvdevEvent(now, EventTypes.Synchronization, SynchronizationCodes.Report, 0), events[(LedCount * size)..]);
        int written = 0;
        lock (_devicesLock)
        {
            for (int index = 0; index < _deviceCount; index++)
            {
                EvdevDevice device = _devices[index];
                if (device.Kind != InputDeviceKind.Keyboard)
                {
                    continue;
                }

                if (device.Node.Write(events) == events.Length)
                {
                    written++;
                }
                else
                {
                    Interlocked.Increment(ref Counters.LedWriteFailuresField);
                }
            }
        }

        return written;
    }

    /// <summary>Stops the thread; every device is closed after its held keys are released to the sink.</summary>
    public void Stop()
    {
        _stopping = true;
        Wake();
        Thread? thread = _thread;
        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Stop();
        if (_thread is null)
        {
            // Never started: close what was opened.
            while (_pendingAdds.TryDequeue(out EvdevDevice? device))
            {
                device.Node.Dispose();
            }
        }

        _poll.Dispose();
    }

    private void Wake() => _poll.Wake();

    /// <summary>
    /// Passes the reader thread has made round its loop. A watchdog wakes the thread (<see cref="RequestHeartbeat"/>)
    /// and later checks that this moved: a thread stuck in a device call never moves it.
    /// </summary>
    public long LoopPasses => Interlocked.Read(ref _loopPasses);

    /// <summary>Wakes the reader thread once, so that it comes round its loop (see <see cref="LoopPasses"/>); never blocks.</summary>
    public void RequestHeartbeat() => Wake();

    private long MonotonicNow() => _clock.NowNanoseconds;

    private void ForgetPath(string path)
    {
        lock (_devicesLock)
        {
            _openPaths.Remove(path);
        }
    }
}
