// Long (about 500 lines) because cutting and sealing a segment is one job with one set of invariants: the session, the
// open segment's records, its cut rules, the seal into the outbox, the previous manifest hash and the markers owed to the
// next session form one state machine; split, that state would be shared and the chain rules spread over files that
// must change together.
using EdgeCapture.Hid;
using EdgeCapture.Input;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Video;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Recording.Recorder;

/// <summary>What the sealing stage tells the recorder, which keeps the state the status display shows.</summary>
internal interface ISessionSealingObserver
{
    /// <summary>False while nothing may be written (storage full, stopped).</summary>
    bool CanRecord { get; }

    /// <summary>A session was opened.</summary>
    void SessionStarted();

    /// <summary>The session was ended (its last segment sealed or lost).</summary>
    void SessionEnded();

    /// <summary>A segment is durable.</summary>
    void SegmentStored();

    /// <summary>The store refused a segment for lack of room; it is lost and nothing is recorded until there is room.</summary>
    void StorageFull();

    /// <summary>Sealing threw; the segment is lost and the session ended.</summary>
    void SealFailed(Exception exception);
}

/// <summary>
/// The recorder's last stage: sessions and segments. It opens a session at the first record, cuts a segment when it is full,
/// old or its record index is full, ends a session on idle, maximum length, a privacy boundary or shutdown, and seals each
/// segment through the sink (chained to the previous manifest). What happened between sessions (gate opened, forget, storage
/// full, lock-screen suppression) is said once at the next session's start. Nothing private reaches it: the gate and the
/// horizons run before it, and a cut drops (zeroes) anything stamped at or after the boundary as defence in depth.
/// </summary>
internal sealed partial class SessionSealing : IDisposable
{
    private const int SealReserveBytes = 4 * SegmentEncoder.MaximumSmallRecordLength + SegmentEncoder.MaximumTrailerLength;
    private const int HeaderReserveBytes = 64 * 1024;
    private const int MaximumDeviceNameLength = 64;

    private readonly RecorderOptions _options;
    private readonly ISegmentSink _sink;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;
    private readonly Action<SegmentSealedInfo>? _onSegmentSealed;
    private readonly RecorderCounters _counters;
    private readonly LockScreenSuppression _lockScreen;
    private readonly ISessionSealingObserver _observer;
    private readonly CborSegmentWriter _writer;
    private readonly SegmentEncoder _encoder;
    private long _segmentMaximumNanoseconds;
    private readonly long _idleTimeoutNanoseconds;
    private readonly long _maximumSessionNanoseconds;
    private readonly List<InputDeviceDescription> _devices;

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

    public SessionSealing(
        RecorderOptions options,
        ISegmentSink sink,
        MonotonicClock clock,
        ILogger logger,
        Action<SegmentSealedInfo>? onSegmentSealed,
        RecorderCounters counters,
        LockScreenSuppression lockScreen,
        ISessionSealingObserver observer)
    {
        _options = options;
        _sink = sink;
        _clock = clock;
        _logger = logger;
        _onSegmentSealed = onSegmentSealed;
        _counters = counters;
        _lockScreen = lockScreen;
        _observer = observer;
        _writer = new CborSegmentWriter(options.SegmentMaximumBytes + HeaderReserveBytes);
        _encoder = new SegmentEncoder(_writer);
        _segmentMaximumNanoseconds = MonotonicClock.ToNanoseconds(options.SegmentMaximumDuration);
        _idleTimeoutNanoseconds = MonotonicClock.ToNanoseconds(options.IdleTimeout);
        _maximumSessionNanoseconds = MonotonicClock.ToNanoseconds(options.MaximumSessionLength);
        _devices = [.. options.InputDevices];
    }

    public bool IsSessionOpen { get; private set; }

    /// <summary>A new longest segment (live remote setting); the open segment is cut once it reaches it.</summary>
    public void SetSegmentMaximum(TimeSpan duration) => _segmentMaximumNanoseconds = MonotonicClock.ToNanoseconds(duration);

    public Guid SessionId => _sessionId;

    /// <summary>Says "privacy released" at the next session's start.</summary>
    public void NoteGateOpened(long at) => _gateOpenedAt = at;

    /// <summary>Says "forgotten" (window start and count of stored segments) at the next session's start.</summary>
    public void NoteForget(long windowStart, long count) => _forgetMarker = (windowStart, count);

    /// <summary>Lists an input device in the next segment headers (the first 64 devices seen).</summary>
    public void NoteDevice(int deviceId, InputDeviceKind kind)
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

    public void WriteKey(long time, HidUsage usage, bool isDown)
    {
        if (Prepare(time, SegmentEncoder.MaximumSmallRecordLength))
        {
            _encoder.WriteKey(time, usage, isDown);
            Recorded(time);
            _counters.KeyRecords++;
        }
        else
        {
            _counters.EventsLostToStorage++;
        }
    }

    public void WriteMouse(in MouseReport report)
    {
        if (report.HasMotion)
        {
            if (Prepare(report.Time, SegmentEncoder.MaximumSmallRecordLength))
            {
                _encoder.WriteMouse(report.Time, report.Buttons, report.DeltaX, report.DeltaY, report.Wheel, report.Pan);
                Recorded(report.Time);
                _counters.MouseRecords++;
            }
            else
            {
                _counters.EventsLostToStorage++;
            }
        }

        if (report.HasPosition)
        {
            if (Prepare(report.Time, SegmentEncoder.MaximumSmallRecordLength))
            {
                _encoder.WritePointerPosition(report.Time, report.X, report.Y);
                Recorded(report.Time);
                _counters.PointerPositionRecords++;
            }
            else
            {
                _counters.EventsLostToStorage++;
            }
        }
    }

    public void WriteFrame(long time, CapturedFrame frame)
    {
        string format = frame.Format == CapturedFrameFormat.Mjpeg ? "mjpeg" : "jpeg";
        if (Prepare(time, SegmentEncoder.MaximumFrameRecordLength(frame.Length, format)))
        {
            _encoder.WriteFrame(time, frame.Width, frame.Height, format, (int)frame.Reasons, frame.EncodedBytes.Span);
            Recorded(time);
            _counters.FramesRecorded++;
        }
        else
        {
            _counters.FramesDropped++;
        }
    }

    /// <summary>Writes a marker (opening a session or segment if needed); false when nothing can be written.</summary>
    public bool WriteMarker(long time, MarkerKind kind, long value, long detail)
    {
        if (!Prepare(time, SegmentEncoder.MaximumSmallRecordLength))
        {
            return false;
        }

        WritePreparedMarker(time, kind, value, detail);
        return true;
    }

    /// <summary>Writes a marker after a successful <see cref="Prepare"/>.</summary>
    public void WritePreparedMarker(long time, MarkerKind kind, long value, long detail)
    {
        _encoder.WriteMarker(time, kind, value, detail);
        _segmentMaximumTime = Math.Max(_segmentMaximumTime, time);
    }

    /// <summary>Makes room for one record stamped <paramref name="time"/>: opens a session or segment, or seals a full one.</summary>
    /// <returns>False when nothing can be recorded (storage full or a fault while sealing).</returns>
    public bool Prepare(long time, int recordLength)
    {
        if (!_observer.CanRecord)
        {
            return false;
        }

        if (IsSessionOpen && time - _sessionStart >= _maximumSessionNanoseconds)
        {
            EndSession(SessionEndReason.MaximumLength, SegmentEnd());
        }

        if (!IsSessionOpen)
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

    /// <summary>Clock-driven ends: idle timeout, maximum session length, segment age.</summary>
    public void CheckDeadlines(long now)
    {
        if (!IsSessionOpen)
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

    /// <summary>Shutdown: the open session ends with its last segment.</summary>
    public void EndForShutdown() => EndSession(SessionEndReason.Shutdown, SegmentEnd());

    /// <summary>Forget: the open segment is dropped (zeroed, never sealed) and the session ends without a seal.</summary>
    public void DiscardOpen()
    {
        if (_encoder.IsOpen)
        {
            _counters.EventsForgotten += _encoder.RecordCount;
            _encoder.Discard();
        }

        IsSessionOpen = false;
    }

    /// <summary>
    /// A privacy boundary: the open session is cut at <paramref name="boundary"/>, a "privacy engaged" marker closes it and it
    /// is sealed. Defence in depth: the gate only accepts confirmed instants, so nothing at or after the boundary should be
    /// here; if anything is, it is dropped (zeroed), never sealed.
    /// </summary>
    public void CutAt(long boundary)
    {
        if (!IsSessionOpen)
        {
            return;
        }

        if (_encoder.IsOpen)
        {
            int firstLate = 0;
            while (firstLate < _encoder.RecordCount && _encoder.RecordTime(firstLate) < boundary)
            {
                firstLate++;
            }

            int dropped = _encoder.TruncateRecords(firstLate);
            if (dropped > 0)
            {
                _counters.EventsDroppedByRecorder += dropped;
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
        IsSessionOpen = false;
        LogSessionEnded(_logger, _sessionId, SessionEndReason.PrivacyEngaged);
    }

    /// <summary>The wall clock at a monotonic instant (today's offset between the two clocks).</summary>
    public DateTimeOffset WallClockAt(long monotonicNanoseconds)
    {
        long offset = monotonicNanoseconds - _clock.NowNanoseconds;
        return _clock.TimeProvider.GetUtcNow().AddTicks(offset / 100);
    }

    public void Dispose() => _writer.Dispose();

    private void Recorded(long time)
    {
        _segmentMaximumTime = Math.Max(_segmentMaximumTime, time);
        _lastRecordTime = Math.Max(_lastRecordTime, time);
    }

    private bool StartSession(long time, int recordLength)
    {
        IsSessionOpen = true;
        _sessionId = Guid.CreateVersion7(_clock.TimeProvider.GetUtcNow());
        _segmentIndex = 0;
        Array.Clear(_previousManifestHash);
        _sessionStart = time;
        _lastRecordTime = time;
        _counters.SessionsStarted++;
        _observer.SessionStarted();
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
        if (!IsSessionOpen)
        {
            return;
        }

        if (!_encoder.IsOpen)
        {
            // The previous segment was sealed mid-session: close the chain explicitly with an empty last segment.
            OpenSegment(end);
        }

        SealSegment(reason, end);
        IsSessionOpen = false;
        _observer.SessionEnded();
        LogSessionEnded(_logger, _sessionId, reason);
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
            _counters.SegmentLost(counts);
            IsSessionOpen = false;
            _observer.SealFailed(exception);
            return false;
        }

        _writer.Clear();
        if (sealedSegment is not { } stored)
        {
            _counters.SegmentLost(counts);
            IsSessionOpen = false;
            _storageFullMarker = (start, counts.Total);
            _observer.StorageFull();
            LogStorageFull(_logger, _sessionId, _segmentIndex);
            return false;
        }

        stored.ManifestSha256.Span.CopyTo(_previousManifestHash);
        _counters.SegmentsSealed++;
        _counters.CiphertextBytes += stored.CiphertextLength;
        _counters.PlaintextBytes += plaintextLength;
        _observer.SegmentStored();

        var info = new SegmentSealedInfo(_sessionId, _segmentIndex, start, end, counts, reason, stored.CiphertextLength);
        _segmentIndex++;
        if (reason != SessionEndReason.None)
        {
            IsSessionOpen = false;
        }

        _onSegmentSealed?.Invoke(info);
        return true;
    }

    private void WriteDropMarkers(long time)
    {
        if (_counters.TapDropsTotal > _counters.TapDropsReported)
        {
            _encoder.WriteMarker(time, MarkerKind.DroppedEvents, _counters.TapDropsTotal - _counters.TapDropsReported, 1);
            _counters.TapDropsReported = _counters.TapDropsTotal;
        }

        if (_counters.EventsDroppedByRecorder > _counters.RecorderDropsReported)
        {
            _encoder.WriteMarker(time, MarkerKind.DroppedEvents, _counters.EventsDroppedByRecorder - _counters.RecorderDropsReported, 2);
            _counters.RecorderDropsReported = _counters.EventsDroppedByRecorder;
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Recording session {SessionId} started")]
    private static partial void LogSessionStarted(ILogger logger, Guid sessionId);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Recording session {SessionId} ended: {Reason}")]
    private static partial void LogSessionEnded(ILogger logger, Guid sessionId, SessionEndReason reason);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Cut at {BoundaryNanoseconds} ns dropped {Count} buffered records stamped at or after it")]
    private static partial void LogCutDroppedRecords(ILogger logger, int count, long boundaryNanoseconds);

    [LoggerMessage(EventId = 405, Level = LogLevel.Error, Message = "Storage full: segment {SegmentIndex} of session {SessionId} was not stored; recording stopped until there is room")]
    private static partial void LogStorageFull(ILogger logger, Guid sessionId, int segmentIndex);
}
