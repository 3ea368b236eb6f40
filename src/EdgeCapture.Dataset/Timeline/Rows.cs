namespace EdgeCapture.Dataset.Timeline;

/// <summary>Where a row's pointer coordinates come from.</summary>
public static class CoordinateSource
{
    /// <summary>The gadget ran the absolute pointer mode: the position the host was told is known exactly.</summary>
    public const string Absolute = "absolute";

    /// <summary>Relative motion integrated and clamped to the screen, corrected at clicks where the pointer was found in the frame.</summary>
    public const string Estimated = "estimated";
}

/// <summary>One row of the <c>events</c> config (and one line of a raw folder's <c>events.jsonl</c>).</summary>
internal struct EventRow
{
    public long TimeNanoseconds;
    public long WallClockNanoseconds;
    public string Action;
    public int? X;
    public int? Y;
    public int? DeltaX;
    public int? DeltaY;
    public string? Button;
    public bool? Pressed;
    public string? Key;
    public int? UsagePage;
    public int? UsageId;
    public string? CoordinateSource;
    public int? CorrectionX;
    public int? CorrectionY;
    public string? Marker;
}

/// <summary>A frame a step refers to, by time; its bytes are the sealed JPEG.</summary>
/// <param name="TimeNanoseconds">Capture time (monotonic ns).</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Jpeg">The encoded image.</param>
internal sealed record FrameReference(long TimeNanoseconds, int Width, int Height, ReadOnlyMemory<byte> Jpeg)
{
    /// <summary>The file name the raw folder stores it under, and the Image struct's path.</summary>
    public string FileName => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{TimeNanoseconds}.jpg");

    /// <summary>
    /// The latest of <paramref name="frames"/> stamped at or before <paramref name="time"/>. Not simply the last frame seen:
    /// the recorder writes records as its gates admit them, so a frame captured just after an input can be written before
    /// that input's record, and "the frame before" must be before it by time, not by position in the segment.
    /// </summary>
    public static FrameReference? LatestAtOrBefore(Queue<FrameReference> frames, long time)
    {
        FrameReference? found = null;
        foreach (FrameReference frame in frames)
        {
            if (frame.TimeNanoseconds <= time && (found is null || frame.TimeNanoseconds >= found.TimeNanoseconds))
            {
                found = frame;
            }
        }

        return found;
    }
}

/// <summary>One row of the <c>steps</c> config (and one line of a raw folder's <c>trajectory.jsonl</c>).</summary>
internal sealed class StepRow
{
    public int Index { get; set; }

    public string Session { get; set; } = string.Empty;

    public required string Action { get; init; }

    public long StartNanoseconds { get; init; }

    public long EndNanoseconds { get; set; }

    public long StartWallClockNanoseconds { get; set; }

    public double? X { get; set; }

    public double? Y { get; set; }

    public double? EndX { get; init; }

    public double? EndY { get; init; }

    public string? Text { get; init; }

    public string? Keys { get; init; }

    public int? Amount { get; init; }

    public string? Button { get; init; }

    public required string Code { get; set; }

    public string? CoordinateSource { get; init; }

    public FrameReference? FrameBefore { get; set; }

    public FrameReference? FrameAfter { get; set; }
}

/// <summary>What a session is, for the sinks: identity, screen, clock anchors.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="DeviceId">The device that recorded it.</param>
/// <param name="ScreenWidth">Screen width in pixels (the pointer's coordinate space).</param>
/// <param name="ScreenHeight">Screen height in pixels.</param>
/// <param name="ScreenKnown">False when the segments named no screen and the size is assumed.</param>
/// <param name="MonotonicStartNanoseconds">Monotonic time of the session's first segment.</param>
/// <param name="WallClockStartNanoseconds">Wall clock (Unix ns) of the same instant, from the segment header.</param>
internal sealed record SessionInfo(Guid SessionId, string DeviceId, int ScreenWidth, int ScreenHeight, bool ScreenKnown, long MonotonicStartNanoseconds, long WallClockStartNanoseconds);

/// <summary>Receives a session's rows in time order.</summary>
internal interface IDatasetSink
{
    void BeginSession(SessionInfo session);

    void Event(in EventRow row);

    void Frame(FrameReference frame);

    void Step(StepRow step);

    void EndSession(SessionSummary summary);
}
