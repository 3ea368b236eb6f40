using System.Formats.Cbor;
using System.Globalization;
using System.Security.Cryptography;

namespace EdgeCapture.Protocol;

/// <summary>
/// Encodes and strictly decodes part messages:
/// <c>["edgecapture/part/v1", device-id, session-id: bstr(16), segment-index, part-index, part-count, part-size, ciphertext-length, part-sha256: bstr(32), data: bstr]</c>
/// (canonical CBOR). Parts are not signed: the collector checks the reassembled ciphertext against the hash in the
/// device-signed manifest, and the part hash lets it detect a damaged part alone and ask for it again.
/// </summary>
public static class SegmentPartCodec
{
    /// <summary>The message type string.</summary>
    public const string Type = "edgecapture/part/v1";

    private const string What = "Part message";

    /// <summary>Encodes one part of a segment, hashing its bytes.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="segment">The segment.</param>
    /// <param name="layout">The segment's layout.</param>
    /// <param name="partIndex">The part.</param>
    /// <param name="data">Exactly the part's bytes (<see cref="PartLayout.LengthOf"/>).</param>
    /// <returns>The payload.</returns>
    public static byte[] Encode(string deviceId, SegmentReference segment, PartLayout layout, int partIndex, ReadOnlySpan<byte> data)
    {
        DeviceIdentifier.Validate(deviceId);
        if (data.Length != layout.LengthOf(partIndex))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Part {partIndex} of this layout is {layout.LengthOf(partIndex)} bytes, not {data.Length}."), nameof(data));
        }

        CheckSegment(segment);
        Span<byte> hash = stackalloc byte[ProtocolCbor.Sha256Length];
        SHA256.HashData(data, hash);
        CborWriter writer = ProtocolCbor.Writer();
        writer.WriteStartArray(10);
        writer.WriteTextString(Type);
        writer.WriteTextString(deviceId);
        ProtocolCbor.WriteSessionId(writer, segment.SessionId);
        writer.WriteInt32(segment.SegmentIndex);
        writer.WriteInt32(partIndex);
        writer.WriteInt32(layout.PartCount);
        writer.WriteInt32(layout.PartSize);
        writer.WriteInt64(layout.CiphertextLength);
        writer.WriteByteString(hash);
        writer.WriteByteString(data);
        writer.WriteEndArray();
        return writer.Encode();
    }

    /// <summary>
    /// The most bytes a part message adds around its data for this device id (so that data plus overhead plus the
    /// MQTT packet's own header stays within a broker's maximum packet size).
    /// </summary>
    /// <param name="deviceId">The device.</param>
    /// <returns>An upper bound of the encoded size minus the data length.</returns>
    public static int MaximumOverhead(string deviceId)
    {
        DeviceIdentifier.Validate(deviceId);
        // Array head 1, type 1+19, device id 2+len, session 1+16, four int32 at 5 each, int64 9, hash 2+32, data head 5.
        return 1 + 1 + Type.Length + 2 + deviceId.Length + 1 + ProtocolCbor.SessionIdLength + (4 * 5) + 9 + 2 + ProtocolCbor.Sha256Length + 5;
    }

    /// <summary>Decodes and checks a part message: layout consistent, part length as the layout says, hash matching the data.</summary>
    /// <param name="payload">The received payload.</param>
    /// <returns>The part; its <see cref="SegmentPart.Data"/> is a slice of <paramref name="payload"/>.</returns>
    /// <exception cref="ProtocolFormatException">Malformed, oversized or inconsistent.</exception>
    public static SegmentPart Decode(ReadOnlyMemory<byte> payload) =>
        ProtocolCbor.Decode(payload, ProtocolLimits.MaximumPartMessageLength, What, Read);

    private static SegmentPart Read(CborReader reader)
    {
        ProtocolCbor.ReadArrayStart(reader, 10, What);
        ProtocolCbor.ReadType(reader, Type, What);
        string deviceId = ProtocolCbor.ReadDeviceId(reader, What);
        Guid sessionId = ProtocolCbor.ReadSessionId(reader, What);
        int segmentIndex = ProtocolCbor.ReadNonNegativeInt32(reader, What + " segment index");
        int partIndex = ProtocolCbor.ReadNonNegativeInt32(reader, What + " part index");
        int partCount = ProtocolCbor.ReadNonNegativeInt32(reader, What + " part count");
        int partSize = ProtocolCbor.ReadNonNegativeInt32(reader, What + " part size");
        long ciphertextLength = ProtocolCbor.ReadNonNegativeInt64(reader, What + " ciphertext length");
        byte[] hash = ProtocolCbor.ReadFixedBytes(reader, ProtocolCbor.Sha256Length, What + " part hash");
        ReadOnlyMemory<byte> data = ProtocolCbor.ReadBoundedBytes(reader, ProtocolLimits.MaximumPartSize, What + " data");
        reader.ReadEndArray();

        var layout = new PartLayout(ciphertextLength, partSize);
        if (layout.PartCount != partCount)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{What} says {partCount} parts, but {ciphertextLength} bytes in parts of {partSize} make {layout.PartCount}."));
        }

        if (partIndex >= partCount)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{What} has part index {partIndex} of {partCount} parts."));
        }

        if (data.Length != layout.LengthOf(partIndex))
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{What} part {partIndex} carries {data.Length} bytes; the layout says {layout.LengthOf(partIndex)}."));
        }

        Span<byte> actual = stackalloc byte[ProtocolCbor.Sha256Length];
        SHA256.HashData(data.Span, actual);
        if (!actual.SequenceEqual(hash))
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture, $"{What} part {partIndex}: the data does not match its SHA-256."));
        }

        return new SegmentPart(deviceId, new SegmentReference(sessionId, segmentIndex), layout, partIndex, hash, data);
    }

    internal static void CheckSegment(SegmentReference segment)
    {
        if (segment.SegmentIndex < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(segment), "A segment index is not negative.");
        }
    }
}
