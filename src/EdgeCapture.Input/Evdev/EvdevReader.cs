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
public sealed unsafe class EvdevReader : IDisposable
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

    private long MonotonicNow() => _clock.NowNanoseconds;

    private void ForgetPath(string path)
    {
        lock (_devicesLock)
        {
            _openPaths.Remove(path);
        }
    }

    private void Run()
    {
        while (true)
        {
            try
            {
                if (_stopping)
                {
                    AcceptPendingDevices();
                    while (_deviceCount > 0)
                    {
                        RemoveDevice(_devices[_deviceCount - 1], "reader stopped");
                    }

                    return;
                }

                AcceptPendingDevices();
                PollOnce();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // A sink or device fault must not end relaying for every other device.
                EvdevLog.LoopFailed(_logger, exception);
            }
        }
    }

    private void AcceptPendingDevices()
    {
        while (_pendingAdds.TryDequeue(out EvdevDevice? device))
        {
            bool full;
            lock (_devicesLock)
            {
                full = _deviceCount == MaximumDevices;
                if (!full)
                {
                    _devices[_deviceCount++] = device;
                }
            }

            if (full)
            {
                EvdevLog.DeviceNotRelayed(_logger, device.Path, $"more than {MaximumDevices} devices");
                ForgetPath(device.Path);
                device.Node.Dispose();
                continue;
            }

            Interlocked.Increment(ref Counters.DevicesAddedField);
            EvdevLog.DeviceAdded(_logger, device.Id, device.Path, device.Kind, device.SupportsIoctls, device.IsGrabbed, device.HasKernelMonotonicTime);
            _sink.DeviceAdded(device);
        }
    }

    private void PollOnce()
    {
        int count = _deviceCount;
        _poll.Reset();
        for (int index = 0; index < count; index++)
        {
            _poll.Add(_devices[index].Node.FileDescriptor, Interop.POLLIN);
        }

        if (_poll.Wait(-1) < 0)
        {
            return;
        }

        // Walk backwards: removing a device moves the last one into its place. Entries were added in device order.
        for (int index = count - 1; index >= 0; index--)
        {
            short events = _poll.ReadyEventsAt(index);
            if (events == 0)
            {
                continue;
            }

            EvdevDevice device = _devices[index];
            if ((events & Interop.POLLNVAL) != 0)
            {
                RemoveDevice(device, "descriptor closed");
                continue;
            }

            ReadDevice(device);
        }
    }

    private void ReadDevice(EvdevDevice device)
    {
        int size = InputEventCodec.EventSize;
        Span<byte> buffer = _readBuffer;
        device.Carry.AsSpan(0, device.CarryLength).CopyTo(buffer);
        int carry = device.CarryLength;
        int result = device.Node.Read(buffer[carry..]);
        if (result == -Errno.EAGAIN || result == -Errno.EINTR)
        {
            return;
        }

        if (result == 0)
        {
            if (carry > 0)
            {
                Interlocked.Add(ref Counters.TruncatedBytesField, carry);
                EvdevLog.BadInput(_logger, device.Id, device.Path, $"{carry} bytes of a truncated event at end of input");
            }

            RemoveDevice(device, "end of input");
            return;
        }

        if (result < 0)
        {
            if (result != -Errno.ENODEV)
            {
                Interlocked.Increment(ref Counters.ReadErrorsField);
                EvdevLog.ReadFailed(_logger, device.Id, device.Path, -result);
            }

            RemoveDevice(device, result == -Errno.ENODEV ? "unplugged" : "read error");
            return;
        }

        int total = carry + result;
        int whole = total / size * size;
        long readTime = device.HasKernelMonotonicTime ? 0 : MonotonicNow();
        for (int offset = 0; offset < whole; offset += size)
        {
            ProcessEvent(device, buffer.Slice(offset, size), readTime);
        }

        // Key events read after a resynchronisation are older than its EVIOCGKEY snapshot (which also flushed the
        // kernel's queue of them); those were skipped. The next read brings events newer than the snapshot.
        device.SkippingReadKeys = false;

        device.CarryLength = total - whole;
        buffer[whole..total].CopyTo(device.Carry);
    }

    private void ProcessEvent(EvdevDevice device, ReadOnlySpan<byte> bytes, long readTime)
    {
        Interlocked.Increment(ref Counters.EventsDecodedField);
        if (!InputEventCodec.TryDecode(bytes, out EvdevEvent decoded))
        {
            CountBad(device, ref Counters.MalformedEventsField, "malformed timeval");
            return;
        }

        EvdevEvent inputEvent = device.HasKernelMonotonicTime ? decoded : decoded with { TimestampNanoseconds = readTime };
        switch (inputEvent.Type)
        {
            case EventTypes.Synchronization:
                if (inputEvent.Code == SynchronizationCodes.Report)
                {
                    if (device.DiscardingUntilReport)
                    {
                        device.DiscardingUntilReport = false;
                        Resynchronise(device, inputEvent.TimestampNanoseconds);
                    }
                    else
                    {
                        CompleteFrame(device, inputEvent.TimestampNanoseconds);
                    }
                }
                else if (inputEvent.Code == SynchronizationCodes.Dropped)
                {
                    Interlocked.Increment(ref Counters.SynDroppedField);
                    Interlocked.Add(ref Counters.EventsDiscardedAfterDropField, device.FrameCount);
                    device.FrameCount = 0;
                    device.DiscardingUntilReport = true;
                }
                else if (inputEvent.Code > 3)
                {
                    CountBad(device, ref Counters.UnknownCodesField, "unknown SYN code");
                }

                return;
            case EventTypes.Key:
            case EventTypes.Relative:
                break;
            case > EventTypes.Maximum:
                CountBad(device, ref Counters.UnknownTypesField, "unknown event type");
                return;
            default:
                Interlocked.Increment(ref Counters.IgnoredEventsField);
                return;
        }

        if (inputEvent.Type == EventTypes.Key)
        {
            if (inputEvent.Code > KeyCodes.Maximum)
            {
                CountBad(device, ref Counters.UnknownCodesField, "unknown key code");
                return;
            }

            if (inputEvent.Value == KeyValues.Repeated)
            {
                Interlocked.Increment(ref Counters.AutorepeatsDroppedField);
                return;
            }

            if (inputEvent.Value is not (KeyValues.Pressed or KeyValues.Released))
            {
                CountBad(device, ref Counters.MalformedEventsField, "key value other than 0, 1 or 2");
                return;
            }
        }
        else if (inputEvent.Code > RelativeAxes.Maximum)
        {
            CountBad(device, ref Counters.UnknownCodesField, "unknown relative axis");
            return;
        }

        if (device.DiscardingUntilReport || (device.SkippingReadKeys && inputEvent.Type == EventTypes.Key))
        {
            Interlocked.Increment(ref Counters.EventsDiscardedAfterDropField);
            return;
        }

        if (device.FrameCount == EvdevDevice.FrameCapacity)
        {
            Interlocked.Increment(ref Counters.FrameOverflowsField);
            CompleteFrame(device, inputEvent.TimestampNanoseconds);
        }

        device.Frame[device.FrameCount++] = inputEvent;
    }

    private void CompleteFrame(EvdevDevice device, long timestampNanoseconds)
    {
        int delivered = 0;
        for (int index = 0; index < device.FrameCount; index++)
        {
            ref readonly EvdevEvent inputEvent = ref device.Frame[index];
            if (inputEvent.Type == EventTypes.Key)
            {
                bool press = inputEvent.Value == KeyValues.Pressed;
                if (device.IsHeld(inputEvent.Code) == press)
                {
                    // A press of a held key or a release of a key not held (after a resync): nothing changes.
                    continue;
                }

                device.SetHeld(inputEvent.Code, press);
            }

            _sink.EventReceived(device, inputEvent);
            delivered++;
        }

        device.FrameCount = 0;
        if (delivered > 0)
        {
            _sink.FrameCompleted(device, timestampNanoseconds);
        }
    }

    private void Resynchronise(EvdevDevice device, long timestampNanoseconds)
    {
        Span<byte> state = stackalloc byte[KeyCodes.Count / 8];
        state.Clear();
        // Asked even of a stand-in: its node may answer (a test seam) or say -ENOTTY.
        bool fromKernel = device.Node.IoControl(EvdevIoctl.GetKeyState(state.Length), state) >= 0;
        if (!fromKernel)
        {
            // No way to know what is still held: releasing is safe, a stuck key is not.
            state.Clear();
        }

        EvdevLog.Resynchronised(_logger, device.Id, device.Path, fromKernel ? "EVIOCGKEY" : "nothing (all keys released)");

        // The snapshot is newer than every key event still in this read's buffer: applying those on top would undo it.
        // Without a snapshot (a stand-in answering no EVIOCGKEY) the released state is a guess; later events are kept.
        device.SkippingReadKeys = fromKernel;
        int delivered = 0;
        byte[] held = device.HeldKeys;

        // Releases first, then presses, each in code order.
        for (int pass = 0; pass < 2; pass++)
        {
            bool pressing = pass == 1;
            for (int index = 0; index < held.Length; index++)
            {
                int changed = (held[index] ^ state[index]) & (pressing ? state[index] : held[index]);
                while (changed != 0)
                {
                    int bit = System.Numerics.BitOperations.TrailingZeroCount(changed);
                    changed &= changed - 1;
                    ushort code = (ushort)(index * 8 + bit);
                    device.SetHeld(code, pressing);
                    _sink.EventReceived(device, new EvdevEvent(timestampNanoseconds, EventTypes.Key, code, pressing ? KeyValues.Pressed : KeyValues.Released));
                    delivered++;
                }
            }
        }

        if (delivered > 0)
        {
            _sink.FrameCompleted(device, timestampNanoseconds);
        }
    }

    private void RemoveDevice(EvdevDevice device, string reason)
    {
        long now = MonotonicNow();
        device.FrameCount = 0;
        int released = 0;
        byte[] held = device.HeldKeys;
        for (int index = 0; index < held.Length; index++)
        {
            int bits = held[index];
            while (bits != 0)
            {
                int bit = System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                ushort code = (ushort)(index * 8 + bit);
                device.SetHeld(code, false);
                _sink.EventReceived(device, new EvdevEvent(now, EventTypes.Key, code, KeyValues.Released));
                released++;
            }
        }

        if (released > 0)
        {
            _sink.FrameCompleted(device, now);
        }

        lock (_devicesLock)
        {
            int index = Array.IndexOf(_devices, device, 0, _deviceCount);
            if (index >= 0)
            {
                _devices[index] = _devices[_deviceCount - 1];
                _devices[--_deviceCount] = null!;
            }

            _openPaths.Remove(device.Path);
            device.Node.Dispose();
        }

        Interlocked.Increment(ref Counters.DevicesRemovedField);
        EvdevLog.DeviceRemoved(_logger, device.Id, device.Path, reason, released);
        _sink.DeviceRemoved(device);
    }

    private void CountBad(EvdevDevice device, ref long counter, string what)
    {
        // Log the first of each kind per device only: random bytes must not flood the log.
        if (Interlocked.Increment(ref counter) == 1 || !device.BadInputLogged)
        {
            device.BadInputLogged = true;
            EvdevLog.BadInput(_logger, device.Id, device.Path, what);
        }
    }
}
