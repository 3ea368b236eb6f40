// Slightly over 400 lines: the recorder's one state machine that composes the stages (pending gate, horizons, lock-screen
// filter, mouse accumulation, sealing) in their order; each stage is its own file, what is left here is their wiring.
using EdgeCapture.Hid;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Video;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// The recorder's state machine, single-threaded (the <see cref="Recorder"/> serialises every call). It composes the stages,
/// which run in this order for every item, each in its own file under Stages/:
/// <list type="number">
/// <item><see cref="LockScreenSuppression"/>'s detector sees every relayed key and frame first (it stores nothing);</item>
/// <item><see cref="PendingGate"/>: the privacy gate (held while pending, dropped when not recordable): "The switch wins";</item>
/// <item><see cref="RecordingHorizons"/>: forget and cut horizons, storage full;</item>
/// <item>keys: <see cref="LockScreenKeyFilter"/> (lock-screen suppression); mouse: <see cref="MouseAccumulation"/>;</item>
/// <item><see cref="SessionSealing"/>: sessions, segment cuts and sealing.</item>
/// </list>
/// Counters live in <see cref="RecorderCounters"/>. Nothing private is ever buffered.
/// </summary>
internal sealed partial class SessionRecorder : IDisposable, IGatedItemTarget, IMouseReportTarget, ISessionSealingObserver
{
    private const ushort ButtonRangeStart = 0x100;
    private const ushort ButtonRangeEnd = 0x160;

    private readonly RecorderOptions _options;
    private readonly ISegmentSink _sink;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;
    private readonly long _storageRetryNanoseconds;

    private readonly RecorderCounters _counters = new();
    private readonly LockScreenSuppression _lockScreen;
    private readonly PendingGate _pending;
    private readonly RecordingHorizons _horizons;
    private readonly MouseAccumulation _mice;
    private readonly SessionSealing _sealing;

    private readonly LockScreenKeyFilter _keys;

    private long _storageCheckDue;
    private bool _forgetIncomplete;
    private RecorderState _state = RecorderState.Idle;
    private string? _lastFault;

    public SessionRecorder(RecorderOptions options, IPrivacyGate gate, ISegmentSink sink, MonotonicClock clock, ILogger logger, Action<SegmentSealedInfo>? onSegmentSealed)
    {
        options.Validate();
        _options = options;
        _sink = sink;
        _clock = clock;
        _logger = logger;
        _storageRetryNanoseconds = MonotonicClock.ToNanoseconds(options.StorageFullRetryInterval);
        _lockScreen = new LockScreenSuppression(options.LockScreen);
        _pending = new PendingGate(gate, options.PendingEventCapacity, options.PendingFrameCapacity, _counters);
        _horizons = new RecordingHorizons(_counters);
        _sealing = new SessionSealing(options, sink, clock, logger, onSegmentSealed, _counters, _lockScreen, this);
        _mice = new MouseAccumulation(_sealing.NoteDevice);
        _keys = new LockScreenKeyFilter(_lockScreen, _sealing, _counters, logger);
    }

    public RecorderState State => _state;

    public int PendingEventCount => _pending.PendingEventCount;

    bool ISessionSealingObserver.CanRecord => _state is not (RecorderState.StorageFull or RecorderState.Stopped);

    bool IMouseReportTarget.CanWrite => _state is not RecorderState.StorageFull;

    public RecorderStatistics GetStatistics() => _counters.ToStatistics(_state, _lastFault);

    /// <summary>The tap's running total of refused events; the difference is reported in a marker at the next seal.</summary>
    public void ReportTapDrops(long total) => _counters.TapDropsTotal = total;

    public void OnInput(in InputTapEvent inputEvent)
    {
        _counters.EventsReceived++;
        if (_state == RecorderState.Stopped)
        {
            return;
        }

        // The chord detector sees every relayed key before any gate, horizon or storage check can drop it.
        if (inputEvent.Type == EventTypes.Key)
        {
            _lockScreen.ObserveKey(inputEvent.MonotonicNanoseconds, inputEvent.Code, inputEvent.Value);
        }

        _pending.OfferEvent(inputEvent, this);
    }

    public void OnCapture(CaptureRecord record)
    {
        if (_state == RecorderState.Stopped)
        {
            PendingGate.Release(record);
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

        _pending.OfferCapture(record, this);
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
            _pending.Drain(this);
            Cut(transition.BoundaryNanoseconds);
            if (_state is RecorderState.Idle or RecorderState.Recording or RecorderState.Faulted)
            {
                _state = RecorderState.Private;
            }

            LogGateClosed(_logger, transition.BoundaryNanoseconds, transition.Current.Reason);
        }
        else if (transition.GateOpened)
        {
            _sealing.NoteGateOpened(transition.BoundaryNanoseconds);
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

        _pending.Drain(this);
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

        _sealing.CheckDeadlines(now);
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
        _counters.ForgetRequests++;

        // Everything held or open is recent (segments are sealed every few seconds): drop all of it, which is
        // at least the requested window. Zeroed, never sealed.
        _pending.Forget();
        _mice.ClearMotion();
        _sealing.DiscardOpen();
        _horizons.AdvanceForget(now);

        ForgetOutcome outcome = default;
        try
        {
            outcome = _sink.Forget(new ForgetWindowRequest(windowStart, now, _sealing.WallClockAt(windowStart), _sealing.WallClockAt(now)));
            _forgetIncomplete = !outcome.IsComplete;
        }
#pragma warning disable CA1031 // A store failure is reported, never thrown into the relay's process.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Fault("forget", exception);
        }

        _sealing.NoteForget(windowStart, outcome.Deleted + outcome.Retracted);
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

        _pending.Drain(this);

        // Whatever is still held could not be confirmed public: it is not recorded.
        _pending.RefuseAll();
        if (_sealing.IsSessionOpen && _state == RecorderState.Recording)
        {
            _mice.Flush(long.MaxValue, this);
            _sealing.EndForShutdown();
        }

        _state = RecorderState.Stopped;
    }

    public void Dispose()
    {
        _pending.Dispose();
        _sealing.Dispose();
        _lockScreen.Dispose();
        _keys.Dispose();
    }

    /// <summary>The segment length and lock-screen chords and triggers, changed while running (already validated).</summary>
    public void ApplyLiveSettings(TimeSpan segmentMaximumDuration, LockScreenOptions lockScreen)
    {
        _sealing.SetSegmentMaximum(segmentMaximumDuration);
        _lockScreen.Reconfigure(lockScreen);
    }

    /// <summary>A lock-screen trigger from outside (host resume, gadget re-enumeration, appliance start), stamped now.</summary>
    public void TriggerLockScreen(LockScreenTrigger trigger)
    {
        if (_state != RecorderState.Stopped)
        {
            _lockScreen.Trigger(_clock.NowNanoseconds, trigger);
        }
    }

    void IGatedItemTarget.AcceptEvent(in InputTapEvent inputEvent)
    {
        long time = inputEvent.MonotonicNanoseconds;
        if (_horizons.Admit(time, isFrame: false, _state is RecorderState.StorageFull) != HorizonVerdict.Admitted)
        {
            return;
        }

        _counters.EventsAccepted++;
        switch (inputEvent.Type)
        {
            case EventTypes.Key:
                if (inputEvent.Value == KeyValues.Repeated)
                {
                    return;
                }

                if (MouseAccumulation.IsMouseButton(inputEvent.Code))
                {
                    _mice.Button(inputEvent.SourceDeviceId, inputEvent.DeviceKind, inputEvent.Code, inputEvent.Value != 0, time);
                }
                else if (inputEvent.Code is < ButtonRangeStart or >= ButtonRangeEnd
                    && LinuxKeyUsageTable.TryGetUsage(inputEvent.Code, out HidUsage usage))
                {
                    _sealing.NoteDevice(inputEvent.SourceDeviceId, inputEvent.DeviceKind);
                    _keys.OnKey(time, usage, inputEvent.Value != 0);
                }

                break;
            case EventTypes.Relative:
                // High-resolution wheel events duplicate the detent events: the detents are recorded.
                _mice.Relative(inputEvent.SourceDeviceId, inputEvent.DeviceKind, inputEvent.Code, inputEvent.Value, time);
                break;
            case EventTypes.Absolute:
                // The absolute pointer's position on the captured screen (the relay offers it in absolute pointer mode).
                _mice.Absolute(inputEvent.SourceDeviceId, inputEvent.DeviceKind, inputEvent.Code, inputEvent.Value, time);
                break;
            case EventTypes.Synchronization:
                if (inputEvent.Code == SynchronizationCodes.Report)
                {
                    _mice.Report(inputEvent.SourceDeviceId, time, this);
                }
                else if (inputEvent.Code == SynchronizationCodes.Dropped)
                {
                    _mice.Dropped(inputEvent.SourceDeviceId);
                }

                break;
            default:
                break;
        }
    }

    void IGatedItemTarget.AcceptCapture(CaptureRecord record)
    {
        try
        {
            long time = record.MonotonicNanoseconds;
            if (_horizons.Admit(time, record is CapturedFrame, _state is RecorderState.StorageFull) != HorizonVerdict.Admitted)
            {
                return;
            }

            switch (record)
            {
                case CapturedFrame frame:
                    if (frame.Length > _options.MaximumFrameBytes)
                    {
                        _counters.FramesDropped++;
                        return;
                    }

                    _sealing.WriteFrame(time, frame);
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
                    _sealing.WriteMarker(time, kind, value, detail);
                    break;
                default:
                    break;
            }
        }
        finally
        {
            PendingGate.Release(record);
        }
    }

    void IMouseReportTarget.WriteMouse(in MouseReport report) => _sealing.WriteMouse(report);

    void ISessionSealingObserver.SessionStarted() => _state = RecorderState.Recording;

    void ISessionSealingObserver.SessionEnded()
    {
        if (_state == RecorderState.Recording)
        {
            _state = RecorderState.Idle;
        }
    }

    void ISessionSealingObserver.SegmentStored()
    {
        if (_state == RecorderState.Faulted)
        {
            _state = RecorderState.Recording;
        }
    }

    void ISessionSealingObserver.StorageFull()
    {
        _state = RecorderState.StorageFull;
        _storageCheckDue = _clock.NowNanoseconds + _storageRetryNanoseconds;
    }

    void ISessionSealingObserver.SealFailed(Exception exception) => Fault("seal", exception);

    private void Cut(long boundary)
    {
        _horizons.AdvanceCut(boundary);

        // A mouse frame whose SYN_REPORT had not arrived yet: its events are before the boundary, keep them.
        _mice.Flush(boundary, this);
        if (_state != RecorderState.StorageFull)
        {
            _sealing.CutAt(boundary);
        }
    }

    private void Fault(string operation, Exception exception)
    {
        _state = RecorderState.Faulted;
        _lastFault = $"{operation}: {exception.GetType().Name}: {exception.Message}";
        LogFault(_logger, operation, exception);
    }

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Privacy gate closed at {BoundaryNanoseconds} ns ({Reason}); open segment cut and sealed")]
    private static partial void LogGateClosed(ILogger logger, long boundaryNanoseconds, PrivacyReason reason);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Privacy gate opened at {BoundaryNanoseconds} ns")]
    private static partial void LogGateOpened(ILogger logger, long boundaryNanoseconds);

    [LoggerMessage(EventId = 406, Level = LogLevel.Information, Message = "Storage has room again; recording resumes with a new session")]
    private static partial void LogStorageAvailable(ILogger logger);

    [LoggerMessage(EventId = 407, Level = LogLevel.Error, Message = "Recorder fault during {Operation}; the session was ended and recording goes on")]
    private static partial void LogFault(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 408, Level = LogLevel.Information, Message = "Forget: last {Window} discarded; {Deleted} stored segments deleted, {Retracted} retracted")]
    private static partial void LogForget(ILogger logger, TimeSpan window, int deleted, int retracted);
}
