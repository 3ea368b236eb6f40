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
public readonly record struct ForgetOutcome(int Deleted, int Retracted);

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

    /// <summary>Deletes stored segments overlapping the window that have not left the box; queues a signed retraction for the others.</summary>
    /// <param name="windowStart">Window start (wall clock).</param>
    /// <param name="windowEnd">Window end (wall clock).</param>
    /// <returns>What was deleted and retracted.</returns>
    ForgetOutcome Forget(DateTimeOffset windowStart, DateTimeOffset windowEnd);
}
