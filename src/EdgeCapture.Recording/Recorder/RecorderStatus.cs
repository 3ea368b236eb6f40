namespace EdgeCapture.Recording.Recorder;

/// <summary>What the recorder is doing, for the appliance's status display.</summary>
public enum RecorderState
{
    /// <summary>Not started, or between sessions while the gate is open but nothing has been recorded yet.</summary>
    Idle = 0,

    /// <summary>A session is open.</summary>
    Recording = 1,

    /// <summary>The privacy gate is shut: nothing is recorded.</summary>
    Private = 2,

    /// <summary>The outbox is full: nothing is recorded until it has room again (the relay is unaffected).</summary>
    StorageFull = 3,

    /// <summary>Sealing failed (encryption, signing or the database); the recorder retries with a new session.</summary>
    Faulted = 4,

    /// <summary>Stopped for good.</summary>
    Stopped = 5,
}

/// <summary>Counters since the recorder started. Read with <see cref="Recorder.GetStatistics"/> (a consistent snapshot).</summary>
public sealed record RecorderStatistics
{
    /// <summary>Input events taken from the tap.</summary>
    public long EventsReceived { get; init; }

    /// <summary>Input events that passed the gate and were turned into records (or folded into a mouse record).</summary>
    public long EventsAccepted { get; init; }

    /// <summary>Input events discarded at the gate (private, unknown, or not confirmed public).</summary>
    public long EventsGated { get; init; }

    /// <summary>Events the tap refused because the recorder fell behind (the relay still sent them).</summary>
    public long EventsDroppedByTap { get; init; }

    /// <summary>Events the recorder itself dropped: pending queue full, or arrived after their segment was cut.</summary>
    public long EventsDroppedByRecorder { get; init; }

    /// <summary>Key events whose content was suppressed after a lock-screen chord.</summary>
    public long KeyEventsSuppressed { get; init; }

    /// <summary>Events discarded by a forget request (held or arriving late for the forgotten window).</summary>
    public long EventsForgotten { get; init; }

    /// <summary>Events not recorded because storage was full or sealing failed.</summary>
    public long EventsLostToStorage { get; init; }

    /// <summary>Key records written.</summary>
    public long KeyRecords { get; init; }

    /// <summary>Mouse records written.</summary>
    public long MouseRecords { get; init; }

    /// <summary>Pointer position records written (absolute pointer mode: where the pointer is on the captured screen).</summary>
    public long PointerPositionRecords { get; init; }

    /// <summary>Frames recorded.</summary>
    public long FramesRecorded { get; init; }

    /// <summary>Frames discarded at the gate.</summary>
    public long FramesGated { get; init; }

    /// <summary>Frames dropped (too large, pending queue full, late, forgotten, storage).</summary>
    public long FramesDropped { get; init; }

    /// <summary>Sessions started.</summary>
    public long SessionsStarted { get; init; }

    /// <summary>Segments sealed and durable in the outbox.</summary>
    public long SegmentsSealed { get; init; }

    /// <summary>Ciphertext bytes of the sealed segments.</summary>
    public long CiphertextBytesSealed { get; init; }

    /// <summary>Plaintext bytes of the sealed segments (before encryption; never on disk).</summary>
    public long PlaintextBytesSealed { get; init; }

    /// <summary>Segments that could not be stored (storage full or a sealing fault); their content is gone.</summary>
    public long SegmentsLost { get; init; }

    /// <summary>Forget requests carried out.</summary>
    public long ForgetRequests { get; init; }

    /// <summary>Current state.</summary>
    public RecorderState State { get; init; }

    /// <summary>The last fault's message, or null.</summary>
    public string? LastFault { get; init; }
}
