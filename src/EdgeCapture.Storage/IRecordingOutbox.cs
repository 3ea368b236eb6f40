namespace EdgeCapture.Storage;

/// <summary>
/// The outbox as the recorder's sink sees it: room (quota), the durable append of a sealed segment, and a forget with the
/// retraction it may need. The recorder is written against this seam, never against the whole outbox, so it cannot change
/// upload states or delete what the collector has not confirmed; the transport has its own seam, <see cref="IUploadBacklog"/>.
/// </summary>
public interface IRecordingOutbox
{
    /// <summary>True after an append was refused for lack of space, until there is room again.</summary>
    bool IsStorageFull { get; }

    /// <summary>True when no forget still owes a truncation of the write-ahead log.</summary>
    bool IsForgetComplete { get; }

    /// <summary>Stores one sealed segment durably (one transaction, fsynced), or refuses it when it does not fit.</summary>
    /// <param name="segment">The segment: ciphertext, signed manifest and their hashes.</param>
    /// <returns>Stored, already stored (same content), or storage full.</returns>
    AppendResult AppendSealedSegment(SealedSegmentRecord segment);

    /// <summary>Forgets what the window covers (see <see cref="SegmentOutbox.Forget(ForgetRange)"/>).</summary>
    /// <param name="range">The window.</param>
    /// <returns>What was deleted and what needs a retraction.</returns>
    ForgetResult Forget(ForgetRange range);

    /// <summary>Retries the write-ahead-log truncation an incomplete forget still owes.</summary>
    /// <returns>True when every forget is complete.</returns>
    bool RetryForgetCheckpoint();

    /// <summary>Segments a forget left awaiting a retraction (for example across a crash before it was queued).</summary>
    /// <returns>Their keys.</returns>
    IReadOnlyList<SegmentKey> GetSegmentsAwaitingRetraction();

    /// <summary>Durably queues a signed retraction for segments that may have left the box.</summary>
    /// <param name="signedDocument">The signed retraction.</param>
    /// <param name="retractedSegments">The segments it retracts.</param>
    /// <returns>The retraction id.</returns>
    long QueueRetraction(ReadOnlyMemory<byte> signedDocument, IReadOnlyCollection<SegmentKey> retractedSegments);
}
