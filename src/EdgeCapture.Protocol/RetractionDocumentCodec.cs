using System.Formats.Cbor;
using System.Security.Cryptography;

namespace EdgeCapture.Protocol;

/// <summary>
/// Reads (and, for tests and tools, writes) the device-signed retraction document: signed envelope, body =
/// <c>["edgecapture/retraction/v1", device-id, issued-at-unix-ns, window-from-unix-ns, window-to-unix-ns, [[session-id: bstr(16), index]...]]</c>,
/// signature over <see cref="SignatureContext"/> followed by the body, with the device key. The collector answers it
/// with a <see cref="CollectorAnswer"/> whose digest is <see cref="Digest"/> of the document.
/// </summary>
public static class RetractionDocumentCodec
{
    /// <summary>The document type string.</summary>
    public const string Type = "edgecapture/retraction/v1";

    private const string What = "Retraction document";

    /// <summary>Domain separation of the device's signature on retractions (the recorder's writer uses the same bytes).</summary>
    public static ReadOnlySpan<byte> SignatureContext => "edgecapture/retraction/v1\0"u8;

    /// <summary>SHA-256 of a whole retraction document as sent: what an answer about it names.</summary>
    /// <param name="document">The document bytes.</param>
    /// <returns>32 bytes.</returns>
    public static byte[] Digest(ReadOnlySpan<byte> document) => SHA256.HashData(document);

    /// <summary>Encodes and signs a retraction document.</summary>
    /// <param name="retraction">The retraction.</param>
    /// <param name="device">The device key.</param>
    /// <returns>The document.</returns>
    public static byte[] Encode(RetractionDocument retraction, IMessageSigner device)
    {
        ArgumentNullException.ThrowIfNull(retraction);
        DeviceIdentifier.Validate(retraction.DeviceId);
        if (retraction.Segments.Count is 0 or > ProtocolLimits.MaximumRetractedSegments)
        {
            throw new ArgumentException($"A retraction names 1 to {ProtocolLimits.MaximumRetractedSegments} segments.", nameof(retraction));
        }

        CborWriter writer = ProtocolCbor.Writer();
        writer.WriteStartArray(6);
        writer.WriteTextString(Type);
        writer.WriteTextString(retraction.DeviceId);
        writer.WriteInt64(UnixTime.ToNanoseconds(retraction.IssuedUtc));
        writer.WriteInt64(UnixTime.ToNanoseconds(retraction.WindowStartUtc));
        writer.WriteInt64(UnixTime.ToNanoseconds(retraction.WindowEndUtc));
        writer.WriteStartArray(retraction.Segments.Count);
        foreach (SegmentReference segment in retraction.Segments)
        {
            SegmentPartCodec.CheckSegment(segment);
            writer.WriteStartArray(2);
            ProtocolCbor.WriteSessionId(writer, segment.SessionId);
            writer.WriteInt32(segment.SegmentIndex);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndArray();
        return SignedEnvelope.Seal(SignatureContext, writer.Encode(), device);
    }

    /// <summary>Decodes a retraction without trusting it: check <see cref="SignedMessage{T}.IsSignedBy"/> with the enrolled device key.</summary>
    /// <param name="document">The received document.</param>
    /// <returns>The decoded retraction and its signature.</returns>
    /// <exception cref="ProtocolFormatException">Malformed, oversized or inconsistent.</exception>
    public static SignedMessage<RetractionDocument> Decode(ReadOnlyMemory<byte> document)
    {
        (RetractionDocument retraction, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> signature) =
            SignedEnvelope.Open(document, ProtocolLimits.MaximumRetractionDocumentLength, What, Read);
        return new SignedMessage<RetractionDocument>(retraction, body, signature, SignatureContext);
    }

    private static RetractionDocument Read(CborReader reader)
    {
        ProtocolCbor.ReadArrayStart(reader, 6, What);
        ProtocolCbor.ReadType(reader, Type, What);
        string deviceId = ProtocolCbor.ReadDeviceId(reader, What);
        long issued = reader.ReadInt64();
        long from = reader.ReadInt64();
        long to = reader.ReadInt64();
        int? count = reader.ReadStartArray();
        if (count is null or 0 or > ProtocolLimits.MaximumRetractedSegments)
        {
            throw new ProtocolFormatException($"{What} names no segment, more than {ProtocolLimits.MaximumRetractedSegments}, or an indefinite list.");
        }

        var segments = new SegmentReference[count.Value];
        for (int index = 0; index < segments.Length; index++)
        {
            ProtocolCbor.ReadArrayStart(reader, 2, What + " segment");
            Guid sessionId = ProtocolCbor.ReadSessionId(reader, What);
            int segmentIndex = ProtocolCbor.ReadNonNegativeInt32(reader, What + " segment index");
            reader.ReadEndArray();
            segments[index] = new SegmentReference(sessionId, segmentIndex);
        }

        reader.ReadEndArray();
        reader.ReadEndArray();
        return new RetractionDocument(deviceId, UnixTime.FromNanoseconds(issued), UnixTime.FromNanoseconds(from), UnixTime.FromNanoseconds(to), segments);
    }
}
