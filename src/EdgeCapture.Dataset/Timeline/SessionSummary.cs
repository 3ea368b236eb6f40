namespace EdgeCapture.Dataset.Timeline;

/// <summary>What one exported session held, for the dataset card and the command's summary.</summary>
public sealed class SessionSummary
{
    /// <summary>The session.</summary>
    public required Guid SessionId { get; init; }

    /// <summary>The device that recorded it.</summary>
    public required string DeviceId { get; init; }

    /// <summary>Segments exported.</summary>
    public int Segments { get; set; }

    /// <summary>Rows in the events config.</summary>
    public long Events { get; set; }

    /// <summary>Rows in the steps config.</summary>
    public long Steps { get; set; }

    /// <summary>Frames.</summary>
    public long Frames { get; set; }

    /// <summary>Pause markers (the privacy switch engaged).</summary>
    public long Pauses { get; set; }

    /// <summary>Lock-screen suppression markers.</summary>
    public long Suppressions { get; set; }

    /// <summary>Button presses where a pointer correction was attempted.</summary>
    public long CorrectionsAttempted { get; set; }

    /// <summary>Button presses where the pointer was found in the frame before and the estimate corrected.</summary>
    public long CorrectionsApplied { get; set; }

    /// <summary>Sum of the corrections' lengths in pixels (mean = this / applied).</summary>
    public double CorrectionPixelsTotal { get; set; }

    /// <summary>Input events the box reported as dropped before recording (its dropped-events markers).</summary>
    public long DroppedEventsReported { get; set; }

    /// <summary>Wall clock of the first record (Unix ns).</summary>
    public long WallClockStartNanoseconds { get; set; }

    /// <summary>Wall clock of the end of the last segment (Unix ns).</summary>
    public long WallClockEndNanoseconds { get; set; }

    /// <summary>Screen width used for the coordinates.</summary>
    public int ScreenWidth { get; set; }

    /// <summary>Screen height used for the coordinates.</summary>
    public int ScreenHeight { get; set; }

    /// <summary>Mouse records whose coordinates are the recorded absolute position (absolute pointer mode).</summary>
    public long AbsolutePointerRecords { get; set; }

    /// <summary>Mouse records whose coordinates are estimated from relative motion.</summary>
    public long EstimatedPointerRecords { get; set; }

    /// <summary>Coordinate sources seen (estimated, absolute).</summary>
    public SortedSet<string> CoordinateSources { get; } = new(StringComparer.Ordinal);
}
