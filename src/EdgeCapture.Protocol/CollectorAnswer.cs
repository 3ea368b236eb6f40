namespace EdgeCapture.Protocol;

/// <summary>What a collector answer is about.</summary>
public enum AnswerSubject
{
    /// <summary>A segment commit.</summary>
    Segment = 0,

    /// <summary>A retraction document.</summary>
    Retraction = 1,
}

/// <summary>What the collector did.</summary>
public enum AnswerOutcome
{
    /// <summary>Durably stored (a segment: file and directory fsynced, index row written; a retraction: applied and audited). Also the answer to a duplicate.</summary>
    Stored = 0,

    /// <summary>Some parts of the segment are not staged; <see cref="CollectorAnswer.MissingParts"/> lists them (segments only).</summary>
    Missing = 1,

    /// <summary>Refused for good (forged, corrupt, out of chain, unknown device); <see cref="CollectorAnswer.Reason"/> says why. The box keeps the data and does not retry.</summary>
    Rejected = 2,
}

/// <summary>
/// A collector's answer on <c>down/answer</c>, signed with the collector's Ed25519 key. It names the device, the
/// subject and the digest of exactly what was stored (a segment's ciphertext SHA-256, or a retraction document's
/// SHA-256), so an answer about other bytes can never confirm the box's.
/// </summary>
/// <param name="DeviceId">The device it answers.</param>
/// <param name="Subject">Segment or retraction.</param>
/// <param name="Segment">The segment (default for a retraction).</param>
/// <param name="Digest">SHA-256 of the segment's ciphertext, or of the retraction document (32 bytes).</param>
/// <param name="Outcome">Stored, missing or rejected.</param>
/// <param name="MissingParts">Ascending part indexes, non-empty exactly for <see cref="AnswerOutcome.Missing"/>.</param>
/// <param name="Reason">Why, required for <see cref="AnswerOutcome.Rejected"/> (free text, at most <see cref="ProtocolLimits.MaximumReasonLength"/> characters).</param>
/// <param name="CorrelationData">The request's MQTT 5 Correlation Data, echoed under the signature.</param>
/// <param name="IssuedUtc">When the collector signed it.</param>
public sealed record CollectorAnswer(
    string DeviceId,
    AnswerSubject Subject,
    SegmentReference Segment,
    ReadOnlyMemory<byte> Digest,
    AnswerOutcome Outcome,
    IReadOnlyList<int> MissingParts,
    string Reason,
    ReadOnlyMemory<byte> CorrelationData,
    DateTimeOffset IssuedUtc)
{
    /// <summary>A segment stored (or already stored).</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="segment">The segment.</param>
    /// <param name="ciphertextSha256">The stored ciphertext's SHA-256.</param>
    /// <param name="correlationData">The commit's correlation data.</param>
    /// <param name="issuedUtc">Signing time.</param>
    /// <returns>The answer.</returns>
    public static CollectorAnswer SegmentStored(string deviceId, SegmentReference segment, ReadOnlyMemory<byte> ciphertextSha256, ReadOnlyMemory<byte> correlationData, DateTimeOffset issuedUtc) =>
        new(deviceId, AnswerSubject.Segment, segment, ciphertextSha256, AnswerOutcome.Stored, [], string.Empty, correlationData, issuedUtc);

    /// <summary>Parts of a segment are missing.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="segment">The segment.</param>
    /// <param name="ciphertextSha256">The committed ciphertext's SHA-256.</param>
    /// <param name="missingParts">Ascending part indexes (at most <see cref="ProtocolLimits.MaximumMissingParts"/>).</param>
    /// <param name="correlationData">The commit's correlation data.</param>
    /// <param name="issuedUtc">Signing time.</param>
    /// <returns>The answer.</returns>
    public static CollectorAnswer SegmentMissing(string deviceId, SegmentReference segment, ReadOnlyMemory<byte> ciphertextSha256, IReadOnlyList<int> missingParts, ReadOnlyMemory<byte> correlationData, DateTimeOffset issuedUtc) =>
        new(deviceId, AnswerSubject.Segment, segment, ciphertextSha256, AnswerOutcome.Missing, missingParts, string.Empty, correlationData, issuedUtc);

    /// <summary>A segment refused for good.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="segment">The segment.</param>
    /// <param name="ciphertextSha256">The committed ciphertext's SHA-256.</param>
    /// <param name="reason">Why.</param>
    /// <param name="correlationData">The commit's correlation data.</param>
    /// <param name="issuedUtc">Signing time.</param>
    /// <returns>The answer.</returns>
    public static CollectorAnswer SegmentRejected(string deviceId, SegmentReference segment, ReadOnlyMemory<byte> ciphertextSha256, string reason, ReadOnlyMemory<byte> correlationData, DateTimeOffset issuedUtc) =>
        new(deviceId, AnswerSubject.Segment, segment, ciphertextSha256, AnswerOutcome.Rejected, [], reason, correlationData, issuedUtc);

    /// <summary>A retraction applied (or already applied).</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="documentSha256">SHA-256 of the retraction document (<see cref="RetractionDocumentCodec.Digest"/>).</param>
    /// <param name="correlationData">The request's correlation data.</param>
    /// <param name="issuedUtc">Signing time.</param>
    /// <returns>The answer.</returns>
    public static CollectorAnswer RetractionStored(string deviceId, ReadOnlyMemory<byte> documentSha256, ReadOnlyMemory<byte> correlationData, DateTimeOffset issuedUtc) =>
        new(deviceId, AnswerSubject.Retraction, default, documentSha256, AnswerOutcome.Stored, [], string.Empty, correlationData, issuedUtc);

    /// <summary>A retraction refused for good.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="documentSha256">SHA-256 of the retraction document.</param>
    /// <param name="reason">Why.</param>
    /// <param name="correlationData">The request's correlation data.</param>
    /// <param name="issuedUtc">Signing time.</param>
    /// <returns>The answer.</returns>
    public static CollectorAnswer RetractionRejected(string deviceId, ReadOnlyMemory<byte> documentSha256, string reason, ReadOnlyMemory<byte> correlationData, DateTimeOffset issuedUtc) =>
        new(deviceId, AnswerSubject.Retraction, default, documentSha256, AnswerOutcome.Rejected, [], reason, correlationData, issuedUtc);
}
