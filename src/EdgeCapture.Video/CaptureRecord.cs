namespace EdgeCapture.Video;

/// <summary>
/// One record leaving the capture stage: a kept, encoded <see cref="CapturedFrame"/> or a <see cref="CaptureMarker"/>.
/// Records are emitted in decision order; a consumer that needs strict time order sorts by
/// <see cref="MonotonicNanoseconds"/> (only a before-action frame picked for an action reported late can be older than the record before it).
/// </summary>
public abstract class CaptureRecord
{
    /// <summary>Creates a record stamped at <paramref name="monotonicNanoseconds"/>.</summary>
    /// <param name="monotonicNanoseconds">CLOCK_MONOTONIC nanoseconds: the same timebase as input events.</param>
    protected CaptureRecord(long monotonicNanoseconds)
    {
        MonotonicNanoseconds = monotonicNanoseconds;
    }

    /// <summary>When it happened, in CLOCK_MONOTONIC nanoseconds (the timebase of input events and of the privacy timeline).</summary>
    public long MonotonicNanoseconds { get; }
}
