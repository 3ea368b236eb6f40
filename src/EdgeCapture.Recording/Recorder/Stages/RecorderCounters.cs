using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// The recorder's counters in one place: every stage adds to the same instance (all on the recorder's one thread), and
/// <see cref="ToStatistics"/> takes the snapshot the status display reads.
/// </summary>
internal sealed class RecorderCounters
{
    public long EventsReceived;
    public long EventsAccepted;
    public long EventsGated;
    public long EventsDroppedByRecorder;
    public long KeyEventsSuppressed;
    public long EventsForgotten;
    public long EventsLostToStorage;
    public long KeyRecords;
    public long MouseRecords;
    public long PointerPositionRecords;
    public long FramesRecorded;
    public long FramesGated;
    public long FramesDropped;
    public long SessionsStarted;
    public long SegmentsSealed;
    public long CiphertextBytes;
    public long PlaintextBytes;
    public long SegmentsLost;
    public long ForgetRequests;

    /// <summary>The tap's running total of refused events (it counts them; the recorder only reports them).</summary>
    public long TapDropsTotal;

    /// <summary>Tap drops already said in a dropped-events marker.</summary>
    public long TapDropsReported;

    /// <summary>Recorder drops already said in a dropped-events marker.</summary>
    public long RecorderDropsReported;

    /// <summary>Counts what a lost segment held: its events and frames are gone.</summary>
    public void SegmentLost(RecordCounts counts)
    {
        SegmentsLost++;
        EventsLostToStorage += counts.Keys + counts.Mouse;
        FramesDropped += counts.Frames;
    }

    public RecorderStatistics ToStatistics(RecorderState state, string? lastFault) => new()
    {
        EventsReceived = EventsReceived,
        EventsAccepted = EventsAccepted,
        EventsGated = EventsGated,
        EventsDroppedByTap = TapDropsTotal,
        EventsDroppedByRecorder = EventsDroppedByRecorder,
        KeyEventsSuppressed = KeyEventsSuppressed,
        EventsForgotten = EventsForgotten,
        EventsLostToStorage = EventsLostToStorage,
        KeyRecords = KeyRecords,
        MouseRecords = MouseRecords,
        PointerPositionRecords = PointerPositionRecords,
        FramesRecorded = FramesRecorded,
        FramesGated = FramesGated,
        FramesDropped = FramesDropped,
        SessionsStarted = SessionsStarted,
        SegmentsSealed = SegmentsSealed,
        CiphertextBytesSealed = CiphertextBytes,
        PlaintextBytesSealed = PlaintextBytes,
        SegmentsLost = SegmentsLost,
        ForgetRequests = ForgetRequests,
        State = state,
        LastFault = lastFault,
    };
}
