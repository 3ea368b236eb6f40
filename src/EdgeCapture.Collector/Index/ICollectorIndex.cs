using EdgeCapture.Collector.Storage;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;

namespace EdgeCapture.Collector.Index;

/// <summary>
/// What the collector knows about devices, stored segments, quarantine and deletions. The ingest logic sees only this
/// seam; SQLite is today's implementation (several processes on one host may share the file), PostgreSQL can be added
/// behind it for a multi-host deployment. Every method is durable when it returns.
/// </summary>
public interface ICollectorIndex : IDisposable
{
    /// <summary>Registers a device and its Ed25519 public key.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="publicKey">Its manifest-signing key.</param>
    /// <param name="replace">Replace an existing, different key (a re-provisioned box).</param>
    /// <param name="now">Enrolment time.</param>
    /// <returns>What happened.</returns>
    EnrollmentResult Enroll(string deviceId, DevicePublicKey publicKey, bool replace, DateTimeOffset now);

    /// <summary>The enrolled key of a device, or null when it is not enrolled.</summary>
    /// <param name="deviceId">The device.</param>
    /// <returns>The key or null.</returns>
    DevicePublicKey? FindDeviceKey(string deviceId);

    /// <summary>
    /// Records a device's presence (online on its birth, offline on its Will) unless it is stale: a message whose
    /// birth/death sequence is older than the one on record is ignored (a late Will of an earlier connection).
    /// </summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="online">Online or offline.</param>
    /// <param name="sequence">The presence message's bdSeq.</param>
    /// <param name="now">When it was seen.</param>
    /// <returns>False when the message was stale or the device is not enrolled.</returns>
    bool RecordPresence(string deviceId, bool online, long sequence, DateTimeOffset now);

    /// <summary>The device a session belongs to, or null when no segment of it is stored or was retracted.</summary>
    /// <param name="sessionId">The session.</param>
    /// <returns>The owning device or null.</returns>
    string? FindSessionOwner(Guid sessionId);

    /// <summary>A stored segment, or null.</summary>
    /// <param name="segment">Session and index.</param>
    /// <returns>The row or null.</returns>
    StoredSegment? FindSegment(SegmentReference segment);

    /// <summary>Whether the segment was retracted by its device (it must not be stored again).</summary>
    /// <param name="segment">Session and index.</param>
    /// <returns>True when retracted.</returns>
    bool IsRetracted(SegmentReference segment);

    /// <summary>Adds the index row of a segment whose blob is already durable; an existing row is left as it is.</summary>
    /// <param name="segment">The row.</param>
    /// <returns>True when inserted, false when a row for the same session and index exists.</returns>
    bool TryInsertSegment(StoredSegment segment);

    /// <summary>Marks a stored segment's link to its predecessor as verified (the predecessor arrived after it).</summary>
    /// <param name="segment">The segment.</param>
    void MarkChainLinked(SegmentReference segment);

    /// <summary>Whether any stored segment still refers to this blob.</summary>
    /// <param name="address">The blob.</param>
    /// <returns>True when referenced.</returns>
    bool IsBlobReferenced(ContentAddress address);

    /// <summary>Stored segments, by session and index (all, or one device's).</summary>
    /// <param name="deviceId">Only this device, or null.</param>
    /// <returns>The rows.</returns>
    IReadOnlyList<StoredSegment> ListSegments(string? deviceId = null);

    /// <summary>Stored segments of a session, by index.</summary>
    /// <param name="sessionId">The session.</param>
    /// <returns>The rows.</returns>
    IReadOnlyList<StoredSegment> ListSessionSegments(Guid sessionId);

    /// <summary>The oldest stored segments, by the time they were stored.</summary>
    /// <param name="limit">How many.</param>
    /// <returns>The rows.</returns>
    IReadOnlyList<StoredSegment> OldestSegments(int limit);

    /// <summary>Deletes a segment's index row and records the deletion in the audit table.</summary>
    /// <param name="segment">The segment.</param>
    /// <param name="reason">Why (retention-age, retention-quota, retraction).</param>
    /// <param name="now">When.</param>
    /// <returns>The deleted row, or null when it was not stored.</returns>
    StoredSegment? DeleteSegment(SegmentReference segment, string reason, DateTimeOffset now);

    /// <summary>A retraction already applied, by the SHA-256 of its document.</summary>
    /// <param name="documentSha256">The digest.</param>
    /// <returns>The record or null.</returns>
    RetractionRecord? FindRetraction(ReadOnlySpan<byte> documentSha256);

    /// <summary>
    /// Applies a verified retraction in one transaction: deletes the named segments' rows (audited), remembers them as
    /// retracted, and records the retraction. The caller deletes the blobs that are no longer referenced afterwards.
    /// </summary>
    /// <param name="deviceId">The device that signed it.</param>
    /// <param name="document">The signed document.</param>
    /// <param name="documentSha256">Its SHA-256.</param>
    /// <param name="issuedUtc">When the device issued it.</param>
    /// <param name="segments">The segments it names.</param>
    /// <param name="now">When it is applied.</param>
    /// <returns>The record and the rows deleted.</returns>
    (RetractionRecord Record, IReadOnlyList<StoredSegment> Deleted) ApplyRetraction(string deviceId, ReadOnlyMemory<byte> document, ReadOnlySpan<byte> documentSha256, DateTimeOffset issuedUtc, IReadOnlyList<SegmentReference> segments, DateTimeOffset now);

    /// <summary>Adds a quarantine entry.</summary>
    /// <param name="entry">The entry (its id is ignored).</param>
    /// <returns>The new entry's id.</returns>
    long AddQuarantine(QuarantineEntry entry);

    /// <summary>The newest quarantine entries.</summary>
    /// <param name="limit">How many.</param>
    /// <returns>The entries, newest first.</returns>
    IReadOnlyList<QuarantineEntry> ListQuarantine(int limit);

    /// <summary>The audit trail of deletions, newest first.</summary>
    /// <param name="limit">How many.</param>
    /// <returns>The deletions.</returns>
    IReadOnlyList<DeletionRecord> ListDeletions(int limit);

    /// <summary>Devices with their totals (the fleet view).</summary>
    /// <returns>One summary per enrolled or seen device.</returns>
    IReadOnlyList<DeviceSummary> ListDevices();

    /// <summary>Sessions with their totals and gaps.</summary>
    /// <param name="deviceId">Only this device, or null.</param>
    /// <returns>One summary per session.</returns>
    IReadOnlyList<SessionSummary> ListSessions(string? deviceId = null);

    /// <summary>Totals over the whole store.</summary>
    /// <returns>The totals.</returns>
    CollectorTotals GetTotals();
}
