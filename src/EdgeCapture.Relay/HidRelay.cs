using EdgeCapture.Hid;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Linux;
using EdgeCapture.Relay.Gadget;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Relay;

/// <summary>
/// Merges every physical keyboard, mouse and consumer-control node into one gadget keyboard, one gadget mouse and one
/// consumer control, and writes their HID reports on its own writer thread.
/// <list type="bullet">
/// <item>Reader side (<see cref="IEvdevEventSink"/>, on the evdev reader thread): translates each event, updates the merged
/// state under a short lock, queues reports, offers the event to the recording tap, and never waits for anything.
/// A key held on two keyboards stays down until both release it (per-usage holder counts).</item>
/// <item>Writer side: one report in flight per endpoint. On EAGAIN key transitions stay queued in order (each its own
/// report) and mouse motion is coalesced (the emitted deltas add up exactly to the input, split into in-range steps;
/// button transitions are never merged away). On ESHUTDOWN the state is kept and re-sent once the UDC reads
/// <c>configured</c> again. On stop, all-released reports.</item>
/// <item>Keyboard LED output reports from the host are handed to <see cref="AttachKeyboardLedOutput"/> (the reader writes
/// them as EV_LED to every keyboard).</item>
/// </list>
/// Nothing here accepts input other than the physical devices: there is no API to inject a key.
/// </summary>
internal sealed unsafe partial class HidRelay : IEvdevEventSink, IDisposable
{
    private const int ButtonCount = 8;

    private readonly HidRelayOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly InputTap? _tap;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    // Merged state, guarded by _gate.
    private readonly KeyboardReportBuilder _keyboard = new();
    private readonly ConsumerControlReportBuilder _consumer = new();
    private readonly byte[] _keyboardHolders = new byte[256];
    private readonly byte[] _consumerHolders = new byte[LinuxKeyUsageTable.ConsumerUsageBound];
    private readonly byte[] _buttonHolders = new byte[ButtonCount];
    private readonly ReportQueue _keyboardQueue;
    private readonly ReportQueue _consumerQueue;
    private readonly MouseQueue _mouseQueue;
    private byte _buttons;

    // Absolute pointer mode only: the box's pointer (reader thread) and its newest position as sent (guarded by _gate).
    private readonly AbsolutePointerTracker? _pointer;
    private ushort _pointerX;
    private ushort _pointerY;

    // Reader thread only.
    private readonly Dictionary<int, DeviceState> _devices = [];
    private readonly byte[] _readerReport = new byte[KeyboardReportBuilder.ReportLength];
    private bool _wakeAtFrameEnd;

    private readonly WakeablePoll _writerPoll = new(capacity: 4);
    private int _wakePending;
    private int _disposed;

    /// <summary>Creates the relay; call <see cref="Start"/> to start writing.</summary>
    /// <param name="endpoints">Gadget endpoints; the relay owns and disposes them.</param>
    /// <param name="options">Options.</param>
    /// <param name="timeProvider">Clock for the UDC state poll.</param>
    /// <param name="tap">Recording tap offered every relayed event, or null.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="udc">The UDC's state and remote wakeup (on the box <see cref="ConfigFsGadget"/>); null: <see cref="HidRelayOptions.UdcStatePath"/> if set, else retries with backoff.</param>
    /// <param name="endpointSource">Where endpoints are reopened from when the gadget is rebuilt, or null.</param>
    public HidRelay(
        HidGadgetEndpoints endpoints,
        HidRelayOptions options,
        TimeProvider timeProvider,
        InputTap? tap = null,
        ILogger<HidRelay>? logger = null,
        IUdcMonitor? udc = null,
        IGadgetEndpointSource? endpointSource = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.KeyboardQueueCapacity, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConsumerQueueCapacity, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MouseQueueCapacity, 2);
        _options = options;
        _timeProvider = timeProvider;
        _tap = tap;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _keyboardQueue = new ReportQueue(KeyboardReportBuilder.ReportLength, options.KeyboardQueueCapacity);
        _consumerQueue = new ReportQueue(ConsumerControlReportBuilder.ReportLength, options.ConsumerQueueCapacity);
        _mouseQueue = new MouseQueue(options.MouseQueueCapacity);
        _keyboardEndpoint = new Endpoint("keyboard", endpoints.Keyboard, KeyboardReportBuilder.ReportLength);
        _mouseEndpoint = new Endpoint("mouse", endpoints.Mouse, MouseReport.ReportLength);
        _consumerEndpoint = new Endpoint("consumer control", endpoints.ConsumerControl, ConsumerControlReportBuilder.ReportLength);
        _udc = udc ?? (options.UdcStatePath is string statePath ? new UdcStateFile(statePath) : null);
        _endpointSource = endpointSource;
        _clock = MonotonicClock.For(timeProvider);
        if (options.PointerMode == PointerMode.Absolute)
        {
            _pointer = new AbsolutePointerTracker(options.ScreenWidth, options.ScreenHeight, options.Acceleration);
            _pointerX = _pointer.LogicalX;
            _pointerY = _pointer.LogicalY;
        }
    }

    /// <summary>What the relay did.</summary>
    public HidRelayCounters Counters { get; } = new();

    /// <summary>Events offered to the tap but dropped for recording because it was full (never dropped for relaying).</summary>
    public long DroppedForRecording => _tap?.DroppedEventCount ?? 0;

    /// <inheritdoc/>
    public void DeviceAdded(EvdevDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        // High-resolution wheels are learned from the events themselves: the kernel sends REL_WHEEL_HI_RES in the same
        // frame as REL_WHEEL, so the first frame is already counted once.
        _devices[device.Id] = new DeviceState();
    }

    /// <inheritdoc/>
    public void DeviceRemoved(EvdevDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _devices.Remove(device.Id);
    }

    /// <inheritdoc/>
    public void EventReceived(EvdevDevice device, in EvdevEvent inputEvent)
    {
        ArgumentNullException.ThrowIfNull(device);
        Counters.EventsRelayedField++;
        _tap?.TryOffer(new InputTapEvent(inputEvent.TimestampNanoseconds, device.Id, device.Kind, inputEvent.Type, inputEvent.Code, inputEvent.Value));
        if (!_devices.TryGetValue(device.Id, out DeviceState? state))
        {
            DeviceAdded(device);
            state = _devices[device.Id];
        }

        if (inputEvent.Type == EventTypes.Key)
        {
            ApplyKey(state, inputEvent.Code, inputEvent.Value == KeyValues.Pressed);
            return;
        }

        switch (inputEvent.Code)
        {
            case RelativeAxes.X:
                state.DeltaX += inputEvent.Value;
                break;
            case RelativeAxes.Y:
                state.DeltaY += inputEvent.Value;
                break;
            case RelativeAxes.Wheel:
                state.Wheel += inputEvent.Value;
                break;
            case RelativeAxes.HorizontalWheel:
                state.Pan += inputEvent.Value;
                break;
            case RelativeAxes.WheelHighResolution:
                state.WheelHighResolution += inputEvent.Value;
                state.UsesHighResolutionWheel = true;
                break;
            case RelativeAxes.HorizontalWheelHighResolution:
                state.PanHighResolution += inputEvent.Value;
                state.UsesHighResolutionPan = true;
                break;
            default:
                // REL_Z, REL_DIAL, REL_MISC ...: nothing on the boot mouse carries them.
                break;
        }

        state.HasFrameData = true;
    }

    /// <inheritdoc/>
    public void FrameCompleted(EvdevDevice device, long timestampNanoseconds)
    {
        ArgumentNullException.ThrowIfNull(device);
        Counters.EventsRelayedField++;
        if (_devices.TryGetValue(device.Id, out DeviceState? state) && (state.HasFrameData || state.ButtonsChanged))
        {
            CommitMouseFrame(state, device, timestampNanoseconds);
        }

        _tap?.TryOffer(new InputTapEvent(timestampNanoseconds, device.Id, device.Kind, EventTypes.Synchronization, SynchronizationCodes.Report, 0));

        if (_wakeAtFrameEnd)
        {
            _wakeAtFrameEnd = false;
            Wake();
        }
    }

    private void ApplyKey(DeviceState state, ushort code, bool press)
    {
        if (code >= ButtonCodes.Left && code < ButtonCodes.Left + ButtonCount)
        {
            int button = code - ButtonCodes.Left;
            lock (_gate)
            {
                if (UpdateHolders(ref _buttonHolders[button], press))
                {
                    _buttons = press ? (byte)(_buttons | (1 << button)) : (byte)(_buttons & ~(1 << button));
                    state.ButtonsChanged = true;
                }
            }

            return;
        }

        if (!LinuxKeyUsageTable.TryGetUsage(code, out HidUsage usage) || (usage.Page != HidUsagePage.KeyboardKeypad && usage.Page != HidUsagePage.Consumer))
        {
            Counters.UnmappedKeysField++;
            RelayLog.UnmappedKey(_logger, code);
            return;
        }

        lock (_gate)
        {
            if (usage.Page == HidUsagePage.KeyboardKeypad)
            {
                byte keyboardUsage = (byte)usage.Id;
                if (UpdateHolders(ref _keyboardHolders[keyboardUsage], press)
                    && (press ? _keyboard.Press(keyboardUsage) : _keyboard.Release(keyboardUsage)))
                {
                    _keyboard.Write(_readerReport);
                    SubmitLocked(_keyboardEndpoint, _keyboardQueue, _readerReport, press, ref Counters.KeyboardReportsField);
                }
            }
            else if (UpdateHolders(ref _consumerHolders[usage.Id], press)
                && (press ? _consumer.Press(usage.Id) : _consumer.Release(usage.Id)))
            {
                _consumer.Write(_readerReport);
                SubmitLocked(_consumerEndpoint, _consumerQueue, _readerReport.AsSpan(0, ConsumerControlReportBuilder.ReportLength), press, ref Counters.ConsumerReportsField);
            }
        }
    }

    /// <summary>Counts holders of one usage; true when it went from nobody to somebody or back.</summary>
    private static bool UpdateHolders(ref byte holders, bool press)
    {
        if (press)
        {
            return holders++ == 0;
        }

        if (holders == 0)
        {
            return false;
        }

        return --holders == 0;
    }

    /// <summary>
    /// Fast path (under <see cref="_gate"/>): when nothing is queued or in flight and the writer is not busy with this
    /// endpoint, write the report right here with one non-blocking write(2), saving a thread hop. The writer's lock is only
    /// tried, never waited for. Anything but a complete write hands the report to the writer as the one in flight; it
    /// retries it and handles EAGAIN or ESHUTDOWN. Otherwise the report is queued in order.
    /// </summary>
    private void SubmitLocked(Endpoint endpoint, ReportQueue queue, ReadOnlySpan<byte> report, bool press, ref long written)
    {
        if (_hostAway)
        {
            // Typed at an absent host: never typed later. The builders keep the state; it is re-sent on return.
            NoteTransitionWhileAway(press);
            return;
        }

        if (queue.Count == 0 && endpoint.Device is not null && endpoint.WriteLock.TryEnter())
        {
            try
            {
                if (endpoint.State == EndpointState.Ready && !endpoint.HasReport)
                {
                    if (endpoint.Device.Write(report) == report.Length)
                    {
                        endpoint.IsStalled = false;
                        Interlocked.Increment(ref written);
                        return;
                    }

                    report.CopyTo(endpoint.Report);
                    endpoint.HasReport = true;
                    _wakeAtFrameEnd = true;
                    return;
                }
            }
            finally
            {
                endpoint.WriteLock.Exit();
            }
        }

        EnqueueLocked(queue, report, endpoint);
        _wakeAtFrameEnd = true;
    }

    private void EnqueueLocked(ReportQueue queue, ReadOnlySpan<byte> report, Endpoint endpoint)
    {
        if (queue.TryEnqueue(report))
        {
            return;
        }

        // Never lose a transition silently: replace the backlog by all-released then the true current state.
        Interlocked.Increment(ref Counters.QueueOverflowsField);
        RelayLog.QueueOverflow(_logger, endpoint.Name, queue.Capacity);
        queue.Clear();
        Span<byte> released = stackalloc byte[KeyboardReportBuilder.ReportLength];
        released.Clear();
        queue.TryEnqueue(released);
        queue.TryEnqueue(report);
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _writerPoll.Wake();
        }
    }
}
