using EdgeCapture.Dataset.Reading;

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

/// <summary>
/// A frame a step refers to, by time; its bytes are the sealed JPEG, a slice of its segment's pooled plaintext
/// (<see cref="Owner"/>) until <see cref="Keep"/> copies them out. Read after that buffer went back to the pool, it throws
/// rather than return another segment's bytes.
/// </summary>
internal sealed class FrameReference
{
    private readonly int _generation;
    private ReadOnlyMemory<byte> _jpeg;
    private SegmentPlaintext? _owner;

    /// <param name="timeNanoseconds">Capture time (monotonic ns).</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="jpeg">The encoded image.</param>
    /// <param name="owner">The pooled plaintext <paramref name="jpeg"/> is a slice of, or null when it is its own.</param>
    public FrameReference(long timeNanoseconds, int width, int height, ReadOnlyMemory<byte> jpeg, SegmentPlaintext? owner = null)
    {
        TimeNanoseconds = timeNanoseconds;
        Width = width;
        Height = height;
        _jpeg = jpeg;
        _owner = owner;
        _generation = owner?.Generation ?? 0;
    }

    /// <summary>Capture time (monotonic ns).</summary>
    public long TimeNanoseconds { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The encoded image.</summary>
    /// <exception cref="InvalidOperationException">Its segment's buffer was reused: whoever held the frame did not say so.</exception>
    public ReadOnlyMemory<byte> Jpeg => _owner is null || _owner.Generation == _generation
        ? _jpeg
        : throw new InvalidOperationException($"frame {TimeNanoseconds} was read after its segment's buffer was reused; a holder of frames must list it (SessionTranslator.HeldFrames)");

    /// <summary>The pooled plaintext the bytes are a slice of, while they are; null once kept, never pooled, or reused.</summary>
    public SegmentPlaintext? Owner => _owner is not null && _owner.Generation == _generation ? _owner : null;

    /// <summary>Copies the bytes out of the segment's buffer, so the frame outlives it.</summary>
    public void Keep()
    {
        if (_owner is not null)
        {
            _jpeg = Jpeg.ToArray();
            _owner = null;
        }
    }

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
