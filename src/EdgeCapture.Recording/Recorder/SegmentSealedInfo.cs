using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Recorder;

/// <summary>A segment that is now durable in the outbox.</summary>
/// <param name="SessionId">Its session.</param>
/// <param name="SegmentIndex">Its index.</param>
/// <param name="MonotonicStartNanoseconds">Start of its range.</param>
/// <param name="MonotonicEndNanoseconds">End of its range.</param>
/// <param name="Counts">Records it holds.</param>
/// <param name="EndReason">Why the session ended with it, or none.</param>
/// <param name="CiphertextLength">Bytes stored.</param>
public sealed record SegmentSealedInfo(Guid SessionId, int SegmentIndex, long MonotonicStartNanoseconds, long MonotonicEndNanoseconds, RecordCounts Counts, SessionEndReason EndReason, long CiphertextLength);
