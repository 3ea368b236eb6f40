using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Recorder;

/// <summary>Everything the sink needs to seal one segment, besides its plaintext.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="SegmentIndex">Position in the session.</param>
/// <param name="MonotonicStartNanoseconds">Start of the sealed range.</param>
/// <param name="MonotonicEndNanoseconds">End of the sealed range.</param>
/// <param name="WallClockStart">Wall clock at the start.</param>
/// <param name="WallClockEnd">Wall clock at the end.</param>
/// <param name="Counts">Body records of each type.</param>
/// <param name="EndReason">Why the session ends here, or none.</param>
/// <param name="PreviousManifestSha256">Hash of the previous segment's signed manifest (32 zero bytes for segment 0).</param>
public readonly record struct SegmentSealRequest(
    Guid SessionId,
    int SegmentIndex,
    long MonotonicStartNanoseconds,
    long MonotonicEndNanoseconds,
    DateTimeOffset WallClockStart,
    DateTimeOffset WallClockEnd,
    RecordCounts Counts,
    SessionEndReason EndReason,
    ReadOnlyMemory<byte> PreviousManifestSha256);

/// <summary>A segment durably stored: what the next segment chains to.</summary>
/// <param name="ManifestSha256">SHA-256 of the stored signed manifest.</param>
/// <param name="CiphertextLength">Bytes of ciphertext stored.</param>
public readonly record struct SealedSegment(ReadOnlyMemory<byte> ManifestSha256, long CiphertextLength);

/// <summary>What a forget request did to stored segments.</summary>
/// <param name="Deleted">Segments deleted before they left the box.</param>
/// <param name="Retracted">Segments that may have been uploaded and for which a signed retraction was queued.</param>
public readonly record struct ForgetOutcome(int Deleted, int Retracted)
{
    /// <summary>False while the store could not yet scrub every old copy of what it deleted (it keeps retrying).</summary>
    public bool IsComplete { get; init; } = true;
}

/// <summary>What a forget covers: monotonic nanoseconds of the current boot, and the same window on the wall clock.</summary>
/// <param name="MonotonicFromNanoseconds">The press's edge timestamp minus the window.</param>
/// <param name="MonotonicToNanoseconds">The end of what was dropped (now, or the press if later).</param>
/// <param name="WallClockFrom">The window start on today's wall clock (only for segments of other boots).</param>
/// <param name="WallClockTo">The window end on today's wall clock.</param>
public readonly record struct ForgetWindowRequest(long MonotonicFromNanoseconds, long MonotonicToNanoseconds, DateTimeOffset WallClockFrom, DateTimeOffset WallClockTo);

/// <summary>
/// Where sealed segments go: encrypts, signs and stores durably. The production sink is <see cref="OutboxSegmentSink"/>.
/// Called from the recorder's thread only.
/// </summary>
public interface ISegmentSink
{
    /// <summary>True while the store refuses new segments for lack of room.</summary>
    bool IsStorageFull { get; }

    /// <summary>Encrypts, signs and stores one segment; returns only when it is durable.</summary>
    /// <param name="request">The segment's metadata.</param>
    /// <param name="plaintext">The CBOR segment; the caller zeroes it afterwards.</param>
    /// <returns>The stored segment, or null when storage is full (nothing was stored).</returns>
    SealedSegment? Seal(in SegmentSealRequest request, ReadOnlySpan<byte> plaintext);

    /// <summary>
    /// Deletes stored segments the window covers (by monotonic range within the current boot; other boots conservatively) that
    /// have not left the box; queues a signed retraction for the others.
    /// </summary>
    /// <param name="window">The window.</param>
    /// <returns>What was deleted and retracted.</returns>
    ForgetOutcome Forget(in ForgetWindowRequest window);

    /// <summary>Retries what an incomplete forget still owes (see <see cref="ForgetOutcome.IsComplete"/>); true when nothing is owed.</summary>
    /// <returns>True when every forget is complete.</returns>
    bool RetryIncompleteForget() => true;
}
