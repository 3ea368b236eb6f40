using System.Formats.Cbor;
using System.Globalization;

namespace EdgeCapture.Protocol;

/// <summary>
/// Encodes (signing) and strictly decodes collector answers: a signed envelope <c>[body: bstr, signature: bstr(64)]</c>, body =
/// <c>["edgecapture/answer/v1", device-id, subject, session-id: bstr(16), segment-index, digest: bstr(32), outcome, [missing part indexes], reason, correlation-data: bstr, issued-at-unix-ns]</c>,
/// signature over <see cref="SignatureContext"/> followed by the body. A retraction answer carries an all-zero session id and index 0.
/// </summary>
public static class CollectorAnswerCodec
{
    /// <summary>The message type string.</summary>
    public const string Type = "edgecapture/answer/v1";

    private const string What = "Collector answer";

    /// <summary>Domain separation of the collector's signature.</summary>
    public static ReadOnlySpan<byte> SignatureContext => "edgecapture/collector-answer/v1\0"u8;

    /// <summary>Encodes and signs an answer.</summary>
    /// <param name="answer">The answer.</param>
    /// <param name="collector">The collector's signing key.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="ProtocolFormatException">The answer breaks the protocol's rules.</exception>
    public static byte[] Encode(CollectorAnswer answer, IMessageSigner collector)
    {
        ArgumentNullException.ThrowIfNull(answer);
        Check(answer.DeviceId, answer.Subject, answer.Segment, answer.Digest.Length, answer.Outcome, answer.MissingParts, answer.Reason, answer.CorrelationData.Length);
        CborWriter writer = ProtocolCbor.Writer();
        writer.WriteStartArray(11);
        writer.WriteTextString(Type);
        writer.WriteTextString(answer.DeviceId);
        writer.WriteInt32((int)answer.Subject);
        ProtocolCbor.WriteSessionId(writer, answer.Segment.SessionId);
        writer.WriteInt32(answer.Segment.SegmentIndex);
        writer.WriteByteString(answer.Digest.Span);
        writer.WriteInt32((int)answer.Outcome);
        writer.WriteStartArray(answer.MissingParts.Count);
        foreach (int part in answer.MissingParts)
        {
            writer.WriteInt32(part);
        }

        writer.WriteEndArray();
        writer.WriteTextString(answer.Reason);
        writer.WriteByteString(answer.CorrelationData.Span);
        writer.WriteInt64(UnixTime.ToNanoseconds(answer.IssuedUtc));
        writer.WriteEndArray();
        return SignedEnvelope.Seal(SignatureContext, writer.Encode(), collector);
    }

    /// <summary>Decodes an answer without trusting it: check <see cref="SignedMessage{T}.IsSignedBy"/> with the collector's key before acting.</summary>
    /// <param name="payload">The received payload.</param>
    /// <returns>The decoded answer and its signature.</returns>
    /// <exception cref="ProtocolFormatException">Malformed, oversized or inconsistent.</exception>
    public static SignedMessage<CollectorAnswer> Decode(ReadOnlyMemory<byte> payload)
    {
        (CollectorAnswer answer, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> signature) =
            SignedEnvelope.Open(payload, ProtocolLimits.MaximumAnswerLength, What, Read);
        return new SignedMessage<CollectorAnswer>(answer, body, signature, SignatureContext);
    }

    private static CollectorAnswer Read(CborReader reader)
    {
        ProtocolCbor.ReadArrayStart(reader, 11, What);
        ProtocolCbor.ReadType(reader, Type, What);
        string deviceId = ProtocolCbor.ReadDeviceId(reader, What);
        var subject = (AnswerSubject)ProtocolCbor.ReadNonNegativeInt32(reader, What + " subject");
        Guid sessionId = ProtocolCbor.ReadSessionId(reader, What);
        int segmentIndex = ProtocolCbor.ReadNonNegativeInt32(reader, What + " segment index");
        byte[] digest = ProtocolCbor.ReadFixedBytes(reader, ProtocolCbor.Sha256Length, What + " digest");
        var outcome = (AnswerOutcome)ProtocolCbor.ReadNonNegativeInt32(reader, What + " outcome");
        int? missingCount = reader.ReadStartArray();
        if (missingCount is null or > ProtocolLimits.MaximumMissingParts)
        {
            throw new ProtocolFormatException($"{What} lists more than {ProtocolLimits.MaximumMissingParts} missing parts (or an indefinite list).");
        }

        int[] missing = new int[missingCount.Value];
        for (int index = 0; index < missing.Length; index++)
        {
            missing[index] = ProtocolCbor.ReadNonNegativeInt32(reader, What + " missing part");
        }

        reader.ReadEndArray();
        string reason = ProtocolCbor.ReadBoundedText(reader, ProtocolLimits.MaximumReasonLength, What + " reason");
        ReadOnlyMemory<byte> correlation = ProtocolCbor.ReadBoundedBytes(reader, ProtocolLimits.MaximumCorrelationDataLength, What + " correlation data");
        long issued = reader.ReadInt64();
        reader.ReadEndArray();
        Check(deviceId, subject, new SegmentReference(sessionId, segmentIndex), digest.Length, outcome, missing, reason, correlation.Length);
        return new CollectorAnswer(deviceId, subject, new SegmentReference(sessionId, segmentIndex), digest, outcome, missing, reason,
            correlation.ToArray(), UnixTime.FromNanoseconds(issued));
    }

    private static void Check(string deviceId, AnswerSubject subject, SegmentReference segment, int digestLength, AnswerOutcome outcome,
        IReadOnlyList<int> missing, string reason, int correlationLength)
    {
        if (!DeviceIdentifier.IsValid(deviceId))
        {
            throw new ProtocolFormatException($"{What} names an invalid device id.");
        }

        if (!Enum.IsDefined(subject))
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{What} has unknown subject {(int)subject}."));
        }

        if (!Enum.IsDefined(outcome))
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{What} has unknown outcome {(int)outcome}."));
        }

        if (digestLength != ProtocolCbor.Sha256Length)
        {
            throw new ProtocolFormatException($"{What} digest is not 32 bytes.");
        }

        if (segment.SegmentIndex < 0 || (subject == AnswerSubject.Retraction && segment != default))
        {
            throw new ProtocolFormatException($"{What}: a negative segment index, or a retraction answer that names a segment.");
        }

        if (subject == AnswerSubject.Retraction && outcome == AnswerOutcome.Missing)
        {
            throw new ProtocolFormatException($"{What}: a retraction has no parts to be missing.");
        }

        if ((outcome == AnswerOutcome.Missing) != (missing.Count > 0) || missing.Count > ProtocolLimits.MaximumMissingParts)
        {
            throw new ProtocolFormatException($"{What}: a 'missing' answer lists 1 to {ProtocolLimits.MaximumMissingParts} parts, other answers none.");
        }

        for (int index = 0; index < missing.Count; index++)
        {
            if (missing[index] < 0 || missing[index] >= ProtocolLimits.MaximumPartCount || (index > 0 && missing[index] <= missing[index - 1]))
            {
                throw new ProtocolFormatException($"{What}: missing part indexes must be ascending, distinct and within the part count limit.");
            }
        }

        ArgumentNullException.ThrowIfNull(reason);
        if (reason.Length > ProtocolLimits.MaximumReasonLength || (outcome == AnswerOutcome.Rejected && reason.Length == 0))
        {
            throw new ProtocolFormatException($"{What}: a 'rejected' answer needs a reason; reasons are at most {ProtocolLimits.MaximumReasonLength} characters.");
        }

        if (correlationLength > ProtocolLimits.MaximumCorrelationDataLength)
        {
            throw new ProtocolFormatException($"{What}: correlation data is at most {ProtocolLimits.MaximumCorrelationDataLength} bytes.");
        }
    }
}
