using EdgeCapture.Collector.Storage;
using EdgeCapture.Protocol;

namespace EdgeCapture.Collector.Index;

/// <summary>The outcome of <see cref="ICollectorIndex.Enroll"/>.</summary>
public enum EnrollmentResult
{
    /// <summary>The device is now enrolled.</summary>
    Enrolled,

    /// <summary>It was enrolled with the same key already.</summary>
    AlreadyEnrolled,

    /// <summary>It was enrolled with a different key, which was replaced as asked.</summary>
    KeyReplaced,

    /// <summary>It is enrolled with a different key; nothing changed.</summary>
    KeyConflict,
}

/// <summary>One stored segment: the index row next to its blob.</summary>
/// <param name="DeviceId">The device that recorded it.</param>
/// <param name="Segment">Session and index.</param>
/// <param name="Address">SHA-256 of the ciphertext: the blob's name.</param>
/// <param name="CiphertextLength">Length of the ciphertext.</param>
/// <param name="Manifest">The device-signed manifest, exactly as received.</param>
/// <param name="ManifestSha256">SHA-256 of the manifest (what the next segment links to).</param>
/// <param name="PreviousManifestSha256">The manifest's link to its predecessor.</param>
/// <param name="WallClockStartUtc">Wall clock at the start of the recorded range (the box's clock).</param>
/// <param name="WallClockEndUtc">Wall clock at its end.</param>
/// <param name="EndReason">1 when the signed manifest says the segment ends its session, 0 when the session continues (why it ended is sealed in the payload).</param>
/// <param name="ChainLinked">True when the link to the predecessor was checked (or it is the first segment); false while the predecessor is not held.</param>
/// <param name="StoredUtc">When the collector stored it (its own clock; retention counts from here).</param>
public sealed record StoredSegment(
    string DeviceId,
    SegmentReference Segment,
    ContentAddress Address,
    long CiphertextLength,
    ReadOnlyMemory<byte> Manifest,
    ReadOnlyMemory<byte> ManifestSha256,
    ReadOnlyMemory<byte> PreviousManifestSha256,
    DateTimeOffset WallClockStartUtc,
    DateTimeOffset WallClockEndUtc,
    int EndReason,
    bool ChainLinked,
    DateTimeOffset StoredUtc);

/// <summary>Something received that was not stored as good, and why.</summary>
/// <param name="Id">Entry id.</param>
/// <param name="ReceivedUtc">When it arrived.</param>
/// <param name="DeviceId">The device its topic names (unverified for unknown devices).</param>
/// <param name="Topic">The MQTT topic.</param>
/// <param name="Segment">The segment it concerned, if it could be read.</param>
/// <param name="Reason">A short machine-readable reason (for example <c>unknown-device</c>, <c>signature-invalid</c>).</param>
/// <param name="Detail">A human-readable explanation.</param>
/// <param name="PayloadBytes">Size of the message (or of the quarantined ciphertext).</param>
/// <param name="Evidence">Where the quarantined bytes are kept, or null when none were kept (quarantine full, or nothing worth keeping).</param>
public sealed record QuarantineEntry(long Id, DateTimeOffset ReceivedUtc, string DeviceId, string Topic, SegmentReference? Segment, string Reason, string Detail, long PayloadBytes, string? Evidence);

/// <summary>An applied retraction.</summary>
/// <param name="Id">Record id.</param>
/// <param name="DeviceId">The device that signed it.</param>
/// <param name="DocumentSha256">SHA-256 of the signed document.</param>
/// <param name="IssuedUtc">When the device issued it.</param>
/// <param name="AppliedUtc">When the collector applied it.</param>
/// <param name="SegmentsNamed">Segments it names.</param>
/// <param name="SegmentsDeleted">Stored segments it deleted.</param>
/// <param name="BytesDeleted">Ciphertext bytes deleted.</param>
public sealed record RetractionRecord(long Id, string DeviceId, ReadOnlyMemory<byte> DocumentSha256, DateTimeOffset IssuedUtc, DateTimeOffset AppliedUtc, int SegmentsNamed, int SegmentsDeleted, long BytesDeleted);

/// <summary>One audited deletion.</summary>
/// <param name="Id">Record id.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="Segment">The segment.</param>
/// <param name="Address">Its blob.</param>
/// <param name="CiphertextLength">Its size.</param>
/// <param name="Reason">retention-age, retention-quota or retraction.</param>
/// <param name="RetractionId">The retraction, for a retraction.</param>
/// <param name="DeletedUtc">When.</param>
public sealed record DeletionRecord(long Id, string DeviceId, SegmentReference Segment, ContentAddress Address, long CiphertextLength, string Reason, long? RetractionId, DateTimeOffset DeletedUtc);

/// <summary>A device in the fleet view.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Enrolled">Whether it is enrolled (false: only seen, its messages quarantined).</param>
/// <param name="PublicKey">Its enrolled key (<c>ed25519:…</c>), or empty.</param>
/// <param name="Online">Last presence: online.</param>
/// <param name="LastSeenUtc">Last presence or stored segment, if any.</param>
/// <param name="Sessions">Sessions with stored segments.</param>
/// <param name="Segments">Stored segments.</param>
/// <param name="Bytes">Stored ciphertext bytes.</param>
/// <param name="Quarantined">Quarantine entries naming it.</param>
public sealed record DeviceSummary(string DeviceId, bool Enrolled, string PublicKey, bool Online, DateTimeOffset? LastSeenUtc, int Sessions, int Segments, long Bytes, int Quarantined);

/// <summary>A session in the fleet view.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="DeviceId">Its device.</param>
/// <param name="FirstIndex">Lowest stored index.</param>
/// <param name="LastIndex">Highest stored index.</param>
/// <param name="Segments">Stored segments.</param>
/// <param name="Bytes">Stored ciphertext bytes.</param>
/// <param name="MissingIndexes">Indexes between 0 and the highest stored that are neither stored nor retracted (the chain's gaps).</param>
/// <param name="Ended">Whether the highest stored segment ends the session.</param>
/// <param name="WallClockStartUtc">Start of the first stored segment.</param>
/// <param name="WallClockEndUtc">End of the last stored segment.</param>
public sealed record SessionSummary(Guid SessionId, string DeviceId, int FirstIndex, int LastIndex, int Segments, long Bytes, IReadOnlyList<int> MissingIndexes, bool Ended, DateTimeOffset WallClockStartUtc, DateTimeOffset WallClockEndUtc);

/// <summary>Totals over the store.</summary>
/// <param name="Devices">Enrolled devices.</param>
/// <param name="Sessions">Sessions with stored segments.</param>
/// <param name="Segments">Stored segments.</param>
/// <param name="Bytes">Stored ciphertext bytes.</param>
/// <param name="Quarantined">Quarantine entries.</param>
/// <param name="Retractions">Retractions applied.</param>
/// <param name="Deletions">Audited deletions.</param>
public sealed record CollectorTotals(int Devices, int Sessions, int Segments, long Bytes, int Quarantined, int Retractions, int Deletions);
