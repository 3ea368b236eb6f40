using EdgeCapture.Protocol;

namespace EdgeCapture.Collector.Storage;

/// <summary>
/// Where the parts of a segment wait until its commit arrives: on disk in the store every collector instance shares, never
/// only in one process's memory, so any instance can finish a segment whose parts others received. Parts are written at
/// their offset (<see cref="PartLayout"/>), so the staged ciphertext is read back as one stream with bounded memory
/// whatever the segment's size. Space is bounded. Staged parts are a cache, not a promise: losing one costs a resend,
/// because the box keeps every segment until the collector's signed <c>stored</c>.
/// </summary>
public interface IPartStaging
{
    /// <summary>Bytes currently staged (as known to this instance; recounted by <see cref="ListSegments"/>).</summary>
    long StagedBytes { get; }

    /// <summary>Stages one part. A part already staged with the same hash is not written again.</summary>
    /// <param name="segment">The segment it belongs to.</param>
    /// <param name="layout">The segment's layout, as the part names it.</param>
    /// <param name="partIndex">The part.</param>
    /// <param name="partSha256">SHA-256 of <paramref name="data"/> (already checked by the decoder).</param>
    /// <param name="data">The part's bytes.</param>
    /// <returns>What happened.</returns>
    PartStageResult Stage(StagedSegmentId segment, PartLayout layout, int partIndex, ReadOnlySpan<byte> partSha256, ReadOnlySpan<byte> data);

    /// <summary>The indexes of the parts staged for a segment in this layout, ascending.</summary>
    /// <param name="segment">The segment.</param>
    /// <param name="layout">The layout.</param>
    /// <returns>The staged part indexes.</returns>
    IReadOnlyList<int> StagedParts(StagedSegmentId segment, PartLayout layout);

    /// <summary>Opens the staged ciphertext (all parts, in order) for reading, or null when nothing is staged.</summary>
    /// <param name="segment">The segment.</param>
    /// <param name="layout">The layout.</param>
    /// <returns>A read-only stream of <see cref="PartLayout.CiphertextLength"/> bytes, or null.</returns>
    Stream? OpenCiphertext(StagedSegmentId segment, PartLayout layout);

    /// <summary>Checks every staged part against its own hash and forgets the damaged ones.</summary>
    /// <param name="segment">The segment.</param>
    /// <param name="layout">The layout.</param>
    /// <returns>The indexes of the parts removed.</returns>
    IReadOnlyList<int> RemoveDamagedParts(StagedSegmentId segment, PartLayout layout);

    /// <summary>Records that an assembly from self-consistent parts did not match the signed hash and drops the staged parts, so they are sent afresh.</summary>
    /// <param name="segment">The segment.</param>
    /// <returns>The number of mismatches so far, this one included.</returns>
    int RecordMismatch(StagedSegmentId segment);

    /// <summary>How often an assembly of this segment from self-consistent parts did not match the signed hash.</summary>
    /// <param name="segment">The segment.</param>
    /// <returns>The count (0 when never).</returns>
    int MismatchCount(StagedSegmentId segment);

    /// <summary>Deletes everything staged for a segment (every layout).</summary>
    /// <param name="segment">The segment.</param>
    void Remove(StagedSegmentId segment);

    /// <summary>Every segment with staged parts, with its bytes and last write, for the sweeper; recounts <see cref="StagedBytes"/>.</summary>
    /// <returns>The staged segments.</returns>
    IReadOnlyList<StagedSegmentSummary> ListSegments();
}

/// <summary>A segment as staging names it: the device that sent it and its key.</summary>
/// <param name="DeviceId">The sending device (from its topic).</param>
/// <param name="Segment">Session and index.</param>
public readonly record struct StagedSegmentId(string DeviceId, SegmentReference Segment);

/// <summary>Staged bytes of one segment.</summary>
/// <param name="Segment">The segment.</param>
/// <param name="Parts">Parts staged.</param>
/// <param name="Bytes">Bytes staged.</param>
/// <param name="LastWriteUtc">When a part was last staged.</param>
public sealed record StagedSegmentSummary(StagedSegmentId Segment, int Parts, long Bytes, DateTimeOffset LastWriteUtc);

/// <summary>The outcome of <see cref="IPartStaging.Stage"/>.</summary>
public enum PartStageResult
{
    /// <summary>Written.</summary>
    Staged,

    /// <summary>The same part was already staged.</summary>
    AlreadyStaged,

    /// <summary>Staging is full; the part was not kept (the box resends it when the commit reports it missing).</summary>
    OverQuota,
}
