using System.Diagnostics.CodeAnalysis;

namespace EdgeCapture.Storage;

/// <summary>
/// The outbox as the uploader sees it (its upload queue): what is waiting to leave the box, its ciphertext, and the state changes an upload
/// makes. The transport is written against this seam, never against the whole outbox, so it cannot append, forget or
/// rewrite chain heads. A segment's data is deleted only through <see cref="MarkAcknowledged"/>, which the uploader calls
/// only after the collector's signed confirmation has been verified.
/// </summary>
public interface IUploadBacklog
{
    /// <summary>Up to <paramref name="max"/> segments waiting for upload, oldest first, with their manifests.</summary>
    /// <param name="max">Maximum number returned.</param>
    /// <returns>The pending segments.</returns>
    IReadOnlyList<OutboxSegment> GetPendingUploads(int max);

    /// <summary>What the outbox holds about one segment, or null if it is unknown or forgotten.</summary>
    /// <param name="key">The segment.</param>
    /// <returns>The segment or null.</returns>
    OutboxSegment? GetSegment(SegmentKey key);

    /// <summary>Opens the ciphertext of a held segment as a read-only, seekable stream with bounded memory.</summary>
    /// <param name="key">The segment.</param>
    /// <param name="ciphertext">The stream, when the segment's ciphertext is held.</param>
    /// <returns>False when the segment is unknown, acknowledged or forgotten.</returns>
    bool TryOpenCiphertext(SegmentKey key, [NotNullWhen(true)] out Stream? ciphertext);

    /// <summary>Pending to uploading.</summary>
    /// <param name="key">The segment.</param>
    /// <returns>True if the segment is now uploading (also when it already was).</returns>
    bool MarkUploading(SegmentKey key);

    /// <summary>Pending or uploading to uploaded: sent, not yet confirmed; the ciphertext is kept.</summary>
    /// <param name="key">The segment.</param>
    /// <returns>True if the segment is now uploaded (also when it already was).</returns>
    bool MarkUploaded(SegmentKey key);

    /// <summary>Uploading or uploaded back to pending: the upload failed or was never confirmed; send it again.</summary>
    /// <param name="key">The segment.</param>
    /// <returns>True if the segment is now pending (also when it already was).</returns>
    bool ReturnToPending(SegmentKey key);

    /// <summary>
    /// Pending, uploading or uploaded to <see cref="UploadState.Rejected"/>: the collector's signed answer refused the segment for good.
    /// The segment is kept with <paramref name="reason"/>, leaves <see cref="GetPendingUploads"/> and is never retried automatically.
    /// </summary>
    /// <param name="key">The segment.</param>
    /// <param name="reason">Why the collector refused it (kept with the segment, shown in status; at most <see cref="SegmentOutbox.MaximumRejectionReasonLength"/> characters).</param>
    /// <returns>True if the segment is now rejected (also when it already was); false if it is unknown, forgotten or acknowledged.</returns>
    bool MarkRejected(SegmentKey key, string reason);

    /// <summary>The collector's signed <c>stored</c> was verified: the segment's ciphertext and manifest are deleted.</summary>
    /// <param name="key">The segment.</param>
    /// <returns>False if the segment is unknown, forgotten or already acknowledged.</returns>
    bool MarkAcknowledged(SegmentKey key);

    /// <summary>Up to <paramref name="max"/> signed retractions neither confirmed nor rejected by the collector, oldest first.</summary>
    /// <param name="max">Maximum number returned.</param>
    /// <returns>The retractions.</returns>
    IReadOnlyList<PendingRetraction> GetPendingRetractions(int max);

    /// <summary>The collector's signed confirmation of a retraction was verified: it leaves the queue.</summary>
    /// <param name="retractionId">The retraction id.</param>
    /// <returns>False if no such retraction is queued.</returns>
    bool MarkRetractionDelivered(long retractionId);

    /// <summary>
    /// The collector's signed answer refused a retraction for good: it is kept with <paramref name="reason"/>, marked, reported,
    /// and leaves <see cref="GetPendingRetractions"/> for good (a restart does not send it again).
    /// </summary>
    /// <param name="retractionId">The retraction id.</param>
    /// <param name="reason">Why the collector refused it (at most <see cref="SegmentOutbox.MaximumRejectionReasonLength"/> characters).</param>
    /// <returns>True if the retraction is now rejected (also when it already was); false if no such retraction is queued.</returns>
    bool MarkRetractionRejected(long retractionId, string reason);
}
