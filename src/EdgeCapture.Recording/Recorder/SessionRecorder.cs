using System.Security.Cryptography;
using EdgeCapture.Hid;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Video;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// The recorder's state machine, single-threaded (the <see cref="Recorder"/> serialises every call).
/// Order of work for every item: privacy gate first (held while pending, discarded when not recordable), then
/// forget/cut horizons, then lock-screen suppression, then the segment buffer. Nothing private is ever buffered.
/// </summary>
internal sealed partial class SessionRecorder : IDisposable
{
    private const ushort ButtonLeft = 0x110;
    private const ushort ButtonExtra = 0x114;
    private const ushort ButtonRangeStart = 0x100;
    private const ushort ButtonRangeEnd = 0x160;
    private const int SealReserveBytes = 4 * SegmentEncoder.MaximumSmallRecordLength + SegmentEncoder.MaximumTrailerLength;
    private const int HeaderReserveBytes = 64 * 1024;
    private const int MaximumDeviceNameLength = 64;

    private readonly RecorderOptions _options;
    private readonly IPrivacyGate _gate;
    private readonly ISegmentSink _sink;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;
    private readonly Action<SegmentSealedInfo>? _onSegmentSealed;
    private readonly CborSegmentWriter _writer;
    private readonly SegmentEncoder _encoder;
    private readonly long _segmentMaximumNanoseconds;
    private readonly long _idleTimeoutNanoseconds;
    private readonly long _maximumSessionNanoseconds;
    private readonly long _storageRetryNanoseconds;

    // Held before the gate has an answer. Nothing here is in a segment yet.
    private readonly InputTapEvent[] _pendingEvents;
    private int _pendingHead;
    private int _pendingCount;
    private readonly Queue<CaptureRecord> _pendingCaptures = new();

    // Session and segment.
    private bool _sessionOpen;
    private Guid _sessionId;
    private int _segmentIndex;
    private readonly byte[] _previousManifestHash = new byte[32];
    private long _sessionStart;
    private long _segmentMaximumTime;
    private long _lastRecordTime;

    // Things to say at the start of the next session.
    private long? _gateOpenedAt;
    private (long WindowStart, long Count)? _forgetMarker;
    private (long Since, long Lost)? _storageFullMarker;

    // Items stamped before these are not recorded any more: their segment was cut, or they were forgotten.
    private long _cutHorizon = long.MinValue;
    private long _forgetHorizon = long.MinValue;

    private MouseAccumulator[] _mice = new MouseAccumulator[4];
    private int _mouseCount;

    // Lock-screen suppression; keys whose press was recorded (Keyboard/Keypad page usages < 256) so their release is too.
    private readonly LockScreenSuppression _lockScreen;
    private readonly bool[] _heldKeys = new bool[256];

    private readonly List<InputDeviceDescription> _devices;
    private long _tapDropsTotal;
    private long _tapDropsReported;
    private long _recorderDropsReported;
    private long _storageCheckDue;

    private long _eventsReceived;
    private long _eventsAccepted;
    private long _eventsGated;
    private long _eventsDroppedByRecorder;
    private long _keyEventsSuppressed;
    private long _eventsForgotten;
    private long _eventsLostToStorage;
    private long _keyRecords;
    private long _mouseRecords;
    private long _framesRecorded;
    private long _framesGated;
    private long _framesDropped;
    private long _sessionsStarted;
    private long _segmentsSealed;
    private long _ciphertextBytes;
    private long _plaintextBytes;
    private long _segmentsLost;
    private long _forgetRequests;
    private bool _forgetIncomplete;
    private RecorderState _state = RecorderState.Idle;
    private string? _lastFault;

    public SessionRecorder(RecorderOptions options, IPrivacyGate gate, ISegmentSink sink, MonotonicClock clock, ILogger logger, Action<SegmentSealedInfo>? onSegmentSealed)
    {
        options.Validate();
        _options = options;
        _gate = gate;
        _sink = sink;
        _clock = clock;
        _logger = logger;
        _onSegmentSealed = onSegmentSealed;
        _writer = new CborSegmentWriter(options.SegmentMaximumBytes + HeaderReserveBytes);
        _encoder = new SegmentEncoder(_writer);
        _segmentMaximumNanoseconds = MonotonicClock.ToNanoseconds(options.SegmentMaximumDuration);
        _idleTimeoutNanoseconds = MonotonicClock.ToNanoseconds(options.IdleTimeout);
        _maximumSessionNanoseconds = MonotonicClock.ToNanoseconds(options.MaximumSessionLength);
        _lockScreen = new LockScreenSuppression(options.LockScreen);
        _storageRetryNanoseconds = MonotonicClock.ToNanoseconds(options.StorageFullRetryInterval);
        _pendingEvents = new InputTapEvent[options.PendingEventCapacity];
        _devices = [.. options.InputDevices];
    }

    public RecorderState State => _state;

    public int PendingEventCount => _pendingCount;

    public RecorderStatistics GetStatistics() => new()
    {
        EventsReceived = _eventsReceived,
        EventsAccepted = _eventsAccepted,
        EventsGated = _eventsGated,
        EventsDroppedByTap = _tapDropsTotal,
        EventsDroppedByRecorder = _eventsDroppedByRecorder,
        KeyEventsSuppressed = _keyEventsSuppressed,
        EventsForgotten = _eventsForgotten,
        EventsLostToStorage = _eventsLostToStorage,
        KeyRecords = _keyRecords,
        MouseRecords = _mouseRecords,
        FramesRecorded = _framesRecorded,
        FramesGated = _framesGated,
        FramesDropped = _framesDropped,
        SessionsStarted = _sessionsStarted,
        SegmentsSealed = _segmentsSealed,
        CiphertextBytesSealed = _ciphertextBytes,
        PlaintextBytesSealed = _plaintextBytes,
        SegmentsLost = _segmentsLost,
        ForgetRequests = _forgetRequests,
        State = _state,
        LastFault = _lastFault,
    };

    /// <summary>The tap's running total of refused events; the difference is reported in a marker at the next seal.</summary>
    public void ReportTapDrops(long total) => _tapDropsTotal = total;

    public void OnInput(in InputTapEvent inputEvent)
    {
        _eventsReceived++;
        if (_state == RecorderState.Stopped)
        {
            return;
        }

        // The chord detector sees every relayed key before any gate, horizon or storage check can drop it.
        if (inputEvent.Type == EventTypes.Key)
        {
            _lockScreen.ObserveKey(inputEvent.MonotonicNanoseconds, inputEvent.Code, inputEvent.Value);
        }

        if (_pendingCount > 0)
        {
            HoldEvent(inputEvent);
            DrainPendingEvents();
            return;
        }

        switch (_gate.Decide(inputEvent.MonotonicNanoseconds))
        {
            case GateDecision.Recordable:
                AcceptEvent(inputEvent);
                break;
            case GateDecision.Pending:
                HoldEvent(inputEvent);
                break;
            default:
                _eventsGated++;
                break;
        }
    }

    public void OnCapture(CaptureRecord record)
    {
        if (_state == RecorderState.Stopped)
        {
            Release(record);
            return;
        }

        // Like keys, the suppression stage sees every frame and signal change before the gate.
        if (record is CapturedFrame observed)
        {
            _lockScreen.ObserveFrame(record.MonotonicNanoseconds, observed);
        }
        else if (record is CaptureMarker { Kind: CaptureMarkerKind.SignalRestored })
        {
            _lockScreen.Trigger(record.MonotonicNanoseconds, LockScreenTrigger.SignalRestored);
        }

        if (_pendingCaptures.Count > 0)
        {
            HoldCapture(record);
            DrainPendingCaptures();
            return;
        }

        switch (_gate.Decide(record.MonotonicNanoseconds))
        {
            case GateDecision.Recordable:
                AcceptCapture(record);
                break;
            case GateDecision.Pending:
                HoldCapture(record);
                break;
            default:
                GateOut(record);
                break;
        }
    }

    public void OnTransition(PrivacyTransition transition)
    {
        if (_state == RecorderState.Stopped)
        {
            return;
        }

        if (transition.GateClosed)
        {
            // Held items stamped before the boundary are recordable (inside the closed interval); the rest not.
            DrainPendingEvents();
            DrainPendingCaptures();
            Cut(transition.BoundaryNanoseconds);
            if (_state is RecorderState.Idle or RecorderState.Recording or RecorderState.Faulted)
            {
                _state = RecorderState.Private;
            }

            LogGateClosed(_logger, transition.BoundaryNanoseconds, transition.Current.Reason);
        }
        else if (transition.GateOpened)
        {
            _gateOpenedAt = transition.BoundaryNanoseconds;
            if (_state == RecorderState.Private)
            {
                _state = RecorderState.Idle;
            }

            LogGateOpened(_logger, transition.BoundaryNanoseconds);
        }
    }

    public void Tick()
    {
        if (_state == RecorderState.Stopped)
        {
            return;
        }

        DrainPendingEvents();
        DrainPendingCaptures();
        long now = _clock.NowNanoseconds;
        if (_state == RecorderState.StorageFull)
        {
            if (now >= _storageCheckDue)
            {
                _storageCheckDue = now + _storageRetryNanoseconds;
                if (!_sink.IsStorageFull)
                {
                    _state = RecorderState.Idle;
                    LogStorageAvailable(_logger);
                }
            }

            return;
        }

        _lockScreen.Advance(now);
        if (_forgetIncomplete)
        {
            _forgetIncomplete = !_sink.RetryIncompleteForget();
        }
        if (!_sessionOpen)
        {
            return;
        }

        if (now - _lastRecordTime >= _idleTimeoutNanoseconds)
        {
            EndSession(SessionEndReason.IdleTimeout, Math.Max(_lastRecordTime, _segmentMaximumTime));
        }
        else if (now - _sessionStart >= _maximumSessionNanoseconds)
        {
            EndSession(SessionEndReason.MaximumLength, Math.Max(_lastRecordTime, _segmentMaximumTime));
        }
        else if (_encoder.IsOpen && now - _encoder.AnchorNanoseconds >= _segmentMaximumNanoseconds)
        {
            SealSegment(SessionEndReason.None, SegmentEnd());
        }
    }

    /// <summary>Discards the last <paramref name="window"/> of recording, ending now.</summary>
    public ForgetOutcome Forget(TimeSpan window) => Forget(_clock.NowNanoseconds, window);

    /// <summary>
    /// Discards <paramref name="window"/> of recording measured back from <paramref name="pressedAtNanoseconds"/> (the button edge's
    /// timestamp, however late the request is carried out): held items, the open segment, and stored segments, which are matched by
    /// their monotonic ranges within this boot (a wall-clock step changes nothing).
    /// </summary>
    public ForgetOutcome Forget(long pressedAtNanoseconds, TimeSpan window)
    {
        long now = Math.Max(_clock.NowNanoseconds, pressedAtNanoseconds);
        long windowStart = pressedAtNanoseconds - MonotonicClock.ToNanoseconds(window);
        _forgetRequests++;

        // Everything held or open is recent (segments are sealed every few seconds): drop all of it, which is
        // at least the requested window. Zeroed, never sealed.
        _eventsForgotten += _pendingCount;
        _pendingCount = 0;
        _pendingHead = 0;
        while (_pendingCaptures.TryDequeue(out CaptureRecord? held))
        {
            _framesDropped += held is CapturedFrame ? 1 : 0;
            Release(held);
        }

        for (int index = 0; index < _mouseCount; index++)
        {
            _mice[index].ClearMotion();
        }

        if (_encoder.IsOpen)
        {
            _eventsForgotten += _encoder.RecordCount;
            _encoder.Discard();
        }

        _sessionOpen = false;
        _forgetHorizon = Math.Max(_forgetHorizon, now);

        ForgetOutcome outcome = default;
        try
        {
            outcome = _sink.Forget(new ForgetWindowRequest(windowStart, now, WallClockAt(windowStart), WallClockAt(now)));
            _forgetIncomplete = !outcome.IsComplete;
        }
#pragma warning disable CA1031 // A store failure is reported, never thrown into the relay's process.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Fault("forget", exception);
        }

        _forgetMarker = (windowStart, outcome.Deleted + outcome.Retracted);
        LogForget(_logger, window, outcome.Deleted, outcome.Retracted);
        return outcome;
    }

    /// <summary>Ends the open session (shutdown) and stops for good.</summary>
    public void Stop()
    {
        if (_state == RecorderState.Stopped)
        {
            return;
        }

        DrainPendingEvents();
        DrainPendingCaptures();

        // Whatever is still held could not be confirmed public: it is not recorded.
        _eventsGated += _pendingCount;
        _pendingCount = 0;
        while (_pendingCaptures.TryDequeue(out CaptureRecord? held))
        {
            GateOut(held);
        }

        if (_sessionOpen && _state == RecorderState.Recording)
        {
            FlushMice(long.MaxValue);
            EndSession(SessionEndReason.Shutdown, SegmentEnd());
        }

        _state = RecorderState.Stopped;
    }

    public void Dispose()
    {
        while (_pendingCaptures.TryDequeue(out CaptureRecord? held))
        {
            Release(held);
        }

        _writer.Dispose();
        _lockScreen.Dispose();
        Array.Clear(_pendingEvents);
        Array.Clear(_heldKeys);
    }

    /// <summary>A lock-screen trigger from outside (host resume, gadget re-enumeration, appliance start), stamped now.</summary>
    public void TriggerLockScreen(LockScreenTrigger trigger)
    {
        if (_state != RecorderState.Stopped)
        {
            _lockScreen.Trigger(_clock.NowNanoseconds, trigger);
        }
    }

    private void HoldEvent(in InputTapEvent inputEvent)
    {
        if (_pendingCount == _pendingEvents.Length)
        {
            _eventsDroppedByRecorder++;
            return;
        }

        _pendingEvents[(_pendingHead + _pendingCount) % _pendingEvents.Length] = inputEvent;
        _pendingCount++;
    }

    private void DrainPendingEvents()
    {
        while (_pendingCount > 0)
        {
            ref InputTapEvent head = ref _pendingEvents[_pendingHead];
            GateDecision decision = _gate.Decide(head.MonotonicNanoseconds);
            if (decision == GateDecision.Pending)
            {
                return;
            }

            InputTapEvent item = head;
            head = default;
            _pendingHead = (_pendingHead + 1) % _pendingEvents.Length;
            _pendingCount--;
            if (decision == GateDecision.Recordable)
            {
                AcceptEvent(item);
            }
            else
            {
                _eventsGated++;
            }
        }
    }

    private void HoldCapture(CaptureRecord record)
    {
        if (_pendingCaptures.Count >= _options.PendingFrameCapacity)
        {
            _framesDropped += record is CapturedFrame ? 1 : 0;
            Release(record);
            return;
        }

        _pendingCaptures.Enqueue(record);
    }

    private void DrainPendingCaptures()
    {
        while (_pendingCaptures.TryPeek(out CaptureRecord? head))
        {
            GateDecision decision = _gate.Decide(head.MonotonicNanoseconds);
            if (decision == GateDecision.Pending)
            {
                return;
            }

            _pendingCaptures.Dequeue();
            if (decision == GateDecision.Recordable)
            {
                AcceptCapture(head);
            }
            else
            {
                GateOut(head);
            }
        }
    }

    private void GateOut(CaptureRecord record)
    {
        if (record is CapturedFrame)
        {
            _framesGated++;
        }

        Release(record);
    }

    private static void Release(CaptureRecord record)
    {
        if (record is CapturedFrame frame)
        {
            frame.Dispose();
        }
    }

    private bool IsBehindHorizon(long monotonicNanoseconds, bool isFrame)
    {
        if (monotonicNanoseconds < _forgetHorizon)
        {
            if (isFrame)
            {
                _framesDropped++;
            }
            else
            {
                _eventsForgotten++;
            }

            return true;
        }

        if (monotonicNanoseconds < _cutHorizon)
        {
            // Arrived after its segment was cut and sealed: counted, never appended to a later segment.
            if (isFrame)
            {
                _framesDropped++;
            }
            else
            {
                _eventsDroppedByRecorder++;
            }

            return true;
        }

        if (_state is RecorderState.StorageFull)
        {
            if (isFrame)
            {
                _framesDropped++;
            }
            else
            {
                _eventsLostToStorage++;
            }

            return true;
        }

        return false;
    }

    private void AcceptEvent(in InputTapEvent inputEvent)
    {
        long time = inputEvent.MonotonicNanoseconds;
        if (IsBehindHorizon(time, isFrame: false))
        {
            return;
        }

        _eventsAccepted++;
        switch (inputEvent.Type)
        {
            case EventTypes.Key:
                if (inputEvent.Value == KeyValues.Repeated)
                {
                    return;
                }

                if (inputEvent.Code is >= ButtonLeft and <= ButtonExtra)
                {
                    ref MouseAccumulator mouse = ref Mouse(inputEvent.SourceDeviceId, inputEvent.DeviceKind);
                    var button = (MouseButtons)(1 << (inputEvent.Code - ButtonLeft));
                    mouse.Buttons = inputEvent.Value != 0 ? mouse.Buttons | button : mouse.Buttons & ~button;
                    mouse.Touch(time);
                }
                else if (inputEvent.Code is < ButtonRangeStart or >= ButtonRangeEnd
                    && LinuxKeyUsageTable.TryGetUsage(inputEvent.Code, out HidUsage usage))
                {
                    NoteDevice(inputEvent.SourceDeviceId, inputEvent.DeviceKind);
                    OnKey(time, usage, inputEvent.Value != 0);
                }

                break;
            case EventTypes.Relative:
            {
                ref MouseAccumulator mouse = ref Mouse(inputEvent.SourceDeviceId, inputEvent.DeviceKind);
                switch (inputEvent.Code)
                {
                    case RelativeAxes.X:
                        mouse.DeltaX += inputEvent.Value;
                        break;
                    case RelativeAxes.Y:
                        mouse.DeltaY += inputEvent.Value;
                        break;
                    case RelativeAxes.Wheel:
                        mouse.Wheel += inputEvent.Value;
                        break;
                    case RelativeAxes.HorizontalWheel:
                        mouse.Pan += inputEvent.Value;
                        break;
                    default:
                        // High-resolution wheel events duplicate the detent events: the detents are recorded.
                        return;
                }

                mouse.Touch(time);
                break;
            }

            case EventTypes.Synchronization:
                if (inputEvent.Code == SynchronizationCodes.Report)
                {
                    for (int index = 0; index < _mouseCount; index++)
                    {
                        if (_mice[index].DeviceId == inputEvent.SourceDeviceId && _mice[index].Dirty)
                        {
                            WriteMouse(ref _mice[index], time);
                        }
                    }
                }
                else if (inputEvent.Code == SynchronizationCodes.Dropped)
                {
                    for (int index = 0; index < _mouseCount; index++)
                    {
                        if (_mice[index].DeviceId == inputEvent.SourceDeviceId)
                        {
                            _mice[index].ClearMotion();
                        }
                    }
                }

                break;
            default:
                break;
        }
    }

    private void AcceptCapture(CaptureRecord record)
    {
        try
        {
            long time = record.MonotonicNanoseconds;
            if (IsBehindHorizon(time, record is CapturedFrame))
            {
                return;
            }

            switch (record)
            {
                case CapturedFrame frame:
                    if (frame.Length > _options.MaximumFrameBytes)
                    {
                        _framesDropped++;
                        return;
                    }

                    string format = frame.Format == CapturedFrameFormat.Mjpeg ? "mjpeg" : "jpeg";
                    if (Prepare(time, SegmentEncoder.MaximumFrameRecordLength(frame.Length, format)))
                    {
                        _encoder.WriteFrame(time, frame.Width, frame.Height, format, (int)frame.Reasons, frame.EncodedBytes.Span);
                        Recorded(time);
                        _framesRecorded++;
                    }
                    else
                    {
                        _framesDropped++;
                    }

                    break;
                case CaptureMarker marker:
                    (MarkerKind kind, long value, long detail) = marker.Kind switch
                    {
                        CaptureMarkerKind.SignalLost => (MarkerKind.SignalLost, 0L, 0L),
                        CaptureMarkerKind.NoSync => (MarkerKind.SignalLost, 1L, 0L),
                        CaptureMarkerKind.DeviceError => (MarkerKind.SignalLost, 2L, 0L),
                        CaptureMarkerKind.SignalRestored => (MarkerKind.SignalRestored, (long)marker.Width, (long)marker.Height),
                        _ => (MarkerKind.ResolutionChanged, (long)marker.Width, (long)marker.Height),
                    };
                    WriteMarker(time, kind, value, detail);
                    break;
                default:
                    break;
            }
        }
        finally
        {
            Release(record);
        }
    }

    private void OnKey(long time, HidUsage usage, bool isDown)
    {
        bool keyboardPage = usage.Page == HidUsagePage.KeyboardKeypad && usage.Id < 256;
        WriteLockScreenMarkers(time);
        if (_lockScreen.IsSuppressed(time) && !(keyboardPage && !isDown && _heldKeys[usage.Id]))
        {
            // Not recorded: typed on a lock screen. The release of a key whose press was recorded (the chord) still is.
            _keyEventsSuppressed++;
            return;
        }

        if (keyboardPage)
        {
            _heldKeys[usage.Id] = isDown;
        }

        WriteKey(time, usage, isDown);
    }

    /// <summary>Says in the open session where suppression started and ended, stamped at a recorded instant (never inside a private interval).</summary>
    private void WriteLockScreenMarkers(long time)
    {
        bool finished = false;
        foreach (SuppressionInterval interval in _lockScreen.Intervals)
        {
            if (!interval.StartWritten && interval.Start < time && time <= interval.End)
            {
                // Prepare may start a session, whose start already says so; write it only if it has not been said.
                if (Prepare(time, SegmentEncoder.MaximumSmallRecordLength) && !interval.StartWritten)
                {
                    _encoder.WriteMarker(time, MarkerKind.LockScreenSuppressionStarted, interval.Cause, 0);
                    _segmentMaximumTime = Math.Max(_segmentMaximumTime, time);
                    interval.StartWritten = true;
                }

                LogSuppressionStarted(_logger, interval.Cause);
            }
            else if (interval.End < time && !interval.Done)
            {
                if (interval.StartWritten && !interval.EndWritten)
                {
                    interval.EndWritten = WriteMarker(time, MarkerKind.LockScreenSuppressionEnded, (long)interval.EndReason, 0);
                    LogSuppressionEnded(_logger, interval.EndReason);
                }

                interval.Done = true;
                finished = true;
            }
        }

        if (finished)
        {
            _lockScreen.Prune();
        }
    }

    private void WriteKey(long time, HidUsage usage, bool isDown)
    {
        if (Prepare(time, SegmentEncoder.MaximumSmallRecordLength))
        {
            _encoder.WriteKey(time, usage, isDown);
            Recorded(time);
            _keyRecords++;
        }
        else
        {
            _eventsLostToStorage++;
        }
    }

    private void WriteMouse(ref MouseAccumulator mouse, long time)
    {
        if (Prepare(time, SegmentEncoder.MaximumSmallRecordLength))
        {
            _encoder.WriteMouse(time, mouse.Buttons, mouse.DeltaX, mouse.DeltaY, mouse.Wheel, mouse.Pan);
            Recorded(time);
            _mouseRecords++;
        }
        else
        {
            _eventsLostToStorage++;
        }

        mouse.ClearMotion();
    }

    private bool WriteMarker(long time, MarkerKind kind, long value, long detail)
    {
        if (!Prepare(time, SegmentEncoder.MaximumSmallRecordLength))
        {
            return false;
        }

        _encoder.WriteMarker(time, kind, value, detail);
        _segmentMaximumTime = Math.Max(_segmentMaximumTime, time);
        return true;
    }

    private void Recorded(long time)
    {
        _segmentMaximumTime = Math.Max(_segmentMaximumTime, time);
        _lastRecordTime = Math.Max(_lastRecordTime, time);
    }

    /// <summary>Makes room for one record stamped <paramref name="time"/>: opens a session or segment, or seals a full one.</summary>
    /// <returns>False when nothing can be recorded (storage full or a fault while sealing).</returns>
    private bool Prepare(long time, int recordLength)
    {
        if (_state is RecorderState.StorageFull or RecorderState.Stopped)
        {
            return false;
        }

        if (_sessionOpen && time - _sessionStart >= _maximumSessionNanoseconds)
        {
            EndSession(SessionEndReason.MaximumLength, SegmentEnd());
        }

        if (!_sessionOpen)
        {
            return StartSession(time, recordLength);
        }

        if (_encoder.IsOpen && (_encoder.Length + recordLength + SealReserveBytes > _options.SegmentMaximumBytes
            || time - _encoder.AnchorNanoseconds >= _segmentMaximumNanoseconds
            || _encoder.IsRecordIndexFull))
        {
            if (_encoder.RecordCount > 0 && !SealSegment(SessionEndReason.None, SegmentEnd()))
            {
                return false;
            }
        }

        if (!_encoder.IsOpen)
        {
            OpenSegment(time);
        }

        _writer.EnsureCapacity(_encoder.Length + recordLength + SealReserveBytes);
        return true;
    }

    private bool StartSession(long time, int recordLength)
    {
        _sessionOpen = true;
        _sessionId = Guid.CreateVersion7(_clock.TimeProvider.GetUtcNow());
        _segmentIndex = 0;
        Array.Clear(_previousManifestHash);
        _sessionStart = time;
        _lastRecordTime = time;
        _sessionsStarted++;
        _state = RecorderState.Recording;
        OpenSegment(time);
        _writer.EnsureCapacity(_encoder.Length + recordLength + (4 * SealReserveBytes));

        // What happened before this session began, said once at its start.
        if (_gateOpenedAt is { } openedAt)
        {
            _encoder.WriteMarker(openedAt, MarkerKind.PrivacyReleased, 0, 0);
            _gateOpenedAt = null;
        }

        if (_forgetMarker is { } forget)
        {
            _encoder.WriteMarker(time, MarkerKind.Forget, forget.WindowStart, forget.Count);
            _forgetMarker = null;
        }

        if (_storageFullMarker is { } storage)
        {
            _encoder.WriteMarker(time, MarkerKind.StorageFull, storage.Since, storage.Lost);
            _storageFullMarker = null;
        }

        foreach (SuppressionInterval interval in _lockScreen.Intervals)
        {
            if (interval.Start < time && time <= interval.End)
            {
                _encoder.WriteMarker(time, MarkerKind.LockScreenSuppressionStarted, interval.Cause, 0);
                interval.StartWritten = true;
            }
        }

        LogSessionStarted(_logger, _sessionId);
        return true;
    }

    private void OpenSegment(long time)
    {
        long wallClock = (WallClockAt(time) - DateTimeOffset.UnixEpoch).Ticks * 100;
        _segmentMaximumTime = time;
        _encoder.WriteHeader(new SegmentHeader(
            SegmentFormat.Version,
            _options.DeviceId,
            _sessionId,
            _segmentIndex,
            time,
            wallClock,
            _options.Screen,
            _devices));
    }

    private long SegmentEnd() => Math.Max(_segmentMaximumTime, _encoder.IsOpen ? _encoder.AnchorNanoseconds : _segmentMaximumTime);

    private void EndSession(SessionEndReason reason, long end)
    {
        if (!_sessionOpen)
        {
            return;
        }

        if (!_encoder.IsOpen)
        {
            // The previous segment was sealed mid-session: close the chain explicitly with an empty last segment.
            OpenSegment(end);
        }

        SealSegment(reason, end);
        _sessionOpen = false;
        if (_state == RecorderState.Recording)
        {
            _state = RecorderState.Idle;
        }

        LogSessionEnded(_logger, _sessionId, reason);
    }

    private void Cut(long boundary)
    {
        _cutHorizon = Math.Max(_cutHorizon, boundary);
        FlushMice(boundary);
        if (!_sessionOpen || _state == RecorderState.StorageFull)
        {
            return;
        }

        if (_encoder.IsOpen)
        {
            // Defense in depth: the gate only accepts confirmed instants, so nothing at or after the boundary
            // should be here; if anything is, it is dropped (zeroed), never sealed.
            int firstLate = 0;
            while (firstLate < _encoder.RecordCount && _encoder.RecordTime(firstLate) < boundary)
            {
                firstLate++;
            }

            int dropped = _encoder.TruncateRecords(firstLate);
            if (dropped > 0)
            {
                _eventsDroppedByRecorder += dropped;
                LogCutDroppedRecords(_logger, dropped, boundary);
            }
        }

        if (!_encoder.IsOpen)
        {
            OpenSegment(boundary);
        }

        _encoder.WriteMarker(boundary, MarkerKind.PrivacyEngaged, 0, 0);
        _segmentMaximumTime = boundary;
        SealSegment(SessionEndReason.PrivacyEngaged, boundary);
        _sessionOpen = false;
        LogSessionEnded(_logger, _sessionId, SessionEndReason.PrivacyEngaged);
    }

    private void FlushMice(long boundary)
    {
        for (int index = 0; index < _mouseCount; index++)
        {
            ref MouseAccumulator mouse = ref _mice[index];
            if (mouse.Dirty && mouse.LastTime < boundary && _state is not RecorderState.StorageFull)
            {
                // A frame whose SYN_REPORT had not arrived yet: its events are before the boundary, keep them.
                WriteMouse(ref mouse, mouse.LastTime);
            }

            mouse.ClearMotion();
        }
    }

    private bool SealSegment(SessionEndReason reason, long end)
    {
        WriteDropMarkers(end);
        RecordCounts counts = _encoder.Counts;
        long start = _encoder.AnchorNanoseconds;
        end = Math.Max(end, start);
        _encoder.WriteTrailer(end, reason);
        var request = new SegmentSealRequest(_sessionId, _segmentIndex, start, end, WallClockAt(start), WallClockAt(end), counts, reason, _previousManifestHash.ToArray());
        int plaintextLength = _writer.Length;
        SealedSegment? sealedSegment;
        try
        {
            sealedSegment = _sink.Seal(request, _writer.WrittenSpan);
        }
#pragma warning disable CA1031 // Sealing faults are reported and recording goes on with a new session; never thrown into the relay.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _writer.Clear();
            _segmentsLost++;
            _eventsLostToStorage += counts.Keys + counts.Mouse;
            _framesDropped += counts.Frames;
            _sessionOpen = false;
            Fault("seal", exception);
            return false;
        }

        _writer.Clear();
        if (sealedSegment is not { } stored)
        {
            _segmentsLost++;
            _eventsLostToStorage += counts.Keys + counts.Mouse;
            _framesDropped += counts.Frames;
            _sessionOpen = false;
            _state = RecorderState.StorageFull;
            _storageCheckDue = _clock.NowNanoseconds + _storageRetryNanoseconds;
            _storageFullMarker = (start, counts.Total);
            LogStorageFull(_logger, _sessionId, _segmentIndex);
            return false;
        }

        stored.ManifestSha256.Span.CopyTo(_previousManifestHash);
        _segmentsSealed++;
        _ciphertextBytes += stored.CiphertextLength;
        _plaintextBytes += plaintextLength;
        if (_state == RecorderState.Faulted)
        {
            _state = RecorderState.Recording;
        }

        var info = new SegmentSealedInfo(_sessionId, _segmentIndex, start, end, counts, reason, stored.CiphertextLength);
        _segmentIndex++;
        if (reason != SessionEndReason.None)
        {
            _sessionOpen = false;
        }

        _onSegmentSealed?.Invoke(info);
        return true;
    }

    private void WriteDropMarkers(long time)
    {
        if (_tapDropsTotal > _tapDropsReported)
        {
            _encoder.WriteMarker(time, MarkerKind.DroppedEvents, _tapDropsTotal - _tapDropsReported, 1);
            _tapDropsReported = _tapDropsTotal;
        }

        if (_eventsDroppedByRecorder > _recorderDropsReported)
        {
            _encoder.WriteMarker(time, MarkerKind.DroppedEvents, _eventsDroppedByRecorder - _recorderDropsReported, 2);
            _recorderDropsReported = _eventsDroppedByRecorder;
        }
    }

    private void Fault(string operation, Exception exception)
    {
        _state = RecorderState.Faulted;
        _lastFault = $"{operation}: {exception.GetType().Name}: {exception.Message}";
        LogFault(_logger, operation, exception);
    }

    private DateTimeOffset WallClockAt(long monotonicNanoseconds)
    {
        long offset = monotonicNanoseconds - _clock.NowNanoseconds;
        return _clock.TimeProvider.GetUtcNow().AddTicks(offset / 100);
    }

    private ref MouseAccumulator Mouse(int deviceId, InputDeviceKind kind)
    {
        for (int index = 0; index < _mouseCount; index++)
        {
            if (_mice[index].DeviceId == deviceId)
            {
                return ref _mice[index];
            }
        }

        NoteDevice(deviceId, kind);
        if (_mouseCount == _mice.Length)
        {
            Array.Resize(ref _mice, _mice.Length * 2);
        }

        _mice[_mouseCount] = new MouseAccumulator { DeviceId = deviceId };
        return ref _mice[_mouseCount++];
    }

    private void NoteDevice(int deviceId, InputDeviceKind kind)
    {
        foreach (InputDeviceDescription device in _devices)
        {
            if (device.DeviceId == deviceId)
            {
                return;
            }
        }

        if (_devices.Count < SegmentReader.MaximumInputDevices)
        {
            string name = $"{kind} {deviceId}";
            _devices.Add(new InputDeviceDescription(deviceId, kind, name.Length > MaximumDeviceNameLength ? name[..MaximumDeviceNameLength] : name));
        }
    }

    private struct MouseAccumulator
    {
        public int DeviceId;
        public MouseButtons Buttons;
        public int DeltaX;
        public int DeltaY;
        public int Wheel;
        public int Pan;
        public bool Dirty;
        public long LastTime;

        public void Touch(long time)
        {
            Dirty = true;
            LastTime = time;
        }

        public void ClearMotion()
        {
            DeltaX = DeltaY = Wheel = Pan = 0;
            Dirty = false;
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Recording session {SessionId} started")]
    private static partial void LogSessionStarted(ILogger logger, Guid sessionId);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Recording session {SessionId} ended: {Reason}")]
    private static partial void LogSessionEnded(ILogger logger, Guid sessionId, SessionEndReason reason);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Privacy gate closed at {BoundaryNanoseconds} ns ({Reason}); open segment cut and sealed")]
    private static partial void LogGateClosed(ILogger logger, long boundaryNanoseconds, PrivacyReason reason);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Privacy gate opened at {BoundaryNanoseconds} ns")]
    private static partial void LogGateOpened(ILogger logger, long boundaryNanoseconds);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Cut at {BoundaryNanoseconds} ns dropped {Count} buffered records stamped at or after it")]
    private static partial void LogCutDroppedRecords(ILogger logger, int count, long boundaryNanoseconds);

    [LoggerMessage(EventId = 405, Level = LogLevel.Error, Message = "Storage full: segment {SegmentIndex} of session {SessionId} was not stored; recording stopped until there is room")]
    private static partial void LogStorageFull(ILogger logger, Guid sessionId, int segmentIndex);

    [LoggerMessage(EventId = 406, Level = LogLevel.Information, Message = "Storage has room again; recording resumes with a new session")]
    private static partial void LogStorageAvailable(ILogger logger);

    [LoggerMessage(EventId = 407, Level = LogLevel.Error, Message = "Recorder fault during {Operation}; the session was ended and recording goes on")]
    private static partial void LogFault(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 408, Level = LogLevel.Information, Message = "Forget: last {Window} discarded; {Deleted} stored segments deleted, {Retracted} retracted")]
    private static partial void LogForget(ILogger logger, TimeSpan window, int deleted, int retracted);

    [LoggerMessage(EventId = 409, Level = LogLevel.Information, Message = "Lock-screen key suppression started (cause {Cause})")]
    private static partial void LogSuppressionStarted(ILogger logger, int cause);

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Lock-screen key suppression ended ({Reason})")]
    private static partial void LogSuppressionEnded(ILogger logger, LockScreenSuppressionEnd reason);
}

/// <summary>A segment that is now durable in the outbox.</summary>
/// <param name="SessionId">Its session.</param>
/// <param name="SegmentIndex">Its index.</param>
/// <param name="MonotonicStartNanoseconds">Start of its range.</param>
/// <param name="MonotonicEndNanoseconds">End of its range.</param>
/// <param name="Counts">Records it holds.</param>
/// <param name="EndReason">Why the session ended with it, or none.</param>
/// <param name="CiphertextLength">Bytes stored.</param>
public sealed record SegmentSealedInfo(Guid SessionId, int SegmentIndex, long MonotonicStartNanoseconds, long MonotonicEndNanoseconds, RecordCounts Counts, SessionEndReason EndReason, long CiphertextLength);
