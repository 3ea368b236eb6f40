using System.Formats.Cbor;
using System.Globalization;

namespace EdgeCapture.Protocol;

/// <summary>
/// Encodes and strictly decodes commit messages:
/// <c>["edgecapture/commit/v1", device-id, session-id: bstr(16), segment-index, part-count, part-size, ciphertext-length, ciphertext-sha256: bstr(32), signed-manifest: bstr]</c>.
/// </summary>
public static class SegmentCommitCodec
{
    /// <summary>The message type string.</summary>
    public const string Type = "edgecapture/commit/v1";

    private const string What = "Commit message";

    /// <summary>Encodes a commit.</summary>
    /// <param name="commit">The commit.</param>
    /// <returns>The payload.</returns>
    public static byte[] Encode(SegmentCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        DeviceIdentifier.Validate(commit.DeviceId);
        SegmentPartCodec.CheckSegment(commit.Segment);
        if (commit.CiphertextSha256.Length != ProtocolCbor.Sha256Length)
        {
            throw new ArgumentException("The ciphertext hash is 32 bytes.", nameof(commit));
        }

        if (commit.SignedManifest.IsEmpty || commit.SignedManifest.Length > ProtocolLimits.MaximumManifestLength)
        {
            throw new ArgumentException($"The signed manifest is 1 to {ProtocolLimits.MaximumManifestLength} bytes.", nameof(commit));
        }

        if (commit.Layout.PartSize == 0)
        {
            throw new ArgumentException("The commit needs its part layout.", nameof(commit));
        }

        CborWriter writer = ProtocolCbor.Writer();
        writer.WriteStartArray(9);
        writer.WriteTextString(Type);
        writer.WriteTextString(commit.DeviceId);
        ProtocolCbor.WriteSessionId(writer, commit.Segment.SessionId);
        writer.WriteInt32(commit.Segment.SegmentIndex);
        writer.WriteInt32(commit.Layout.PartCount);
        writer.WriteInt32(commit.Layout.PartSize);
        writer.WriteInt64(commit.Layout.CiphertextLength);
        writer.WriteByteString(commit.CiphertextSha256.Span);
        writer.WriteByteString(commit.SignedManifest.Span);
        writer.WriteEndArray();
        return writer.Encode();
    }

    /// <summary>Decodes and checks a commit message (the manifest stays opaque).</summary>
    /// <param name="payload">The received payload.</param>
    /// <returns>The commit.</returns>
    /// <exception cref="ProtocolFormatException">Malformed, oversized or inconsistent.</exception>
    public static SegmentCommit Decode(ReadOnlyMemory<byte> payload) =>
        ProtocolCbor.Decode(payload, ProtocolLimits.MaximumCommitLength, What, Read);

    private static SegmentCommit Read(CborReader reader)
    {
        ProtocolCbor.ReadArrayStart(reader, 9, What);
        ProtocolCbor.ReadType(reader, Type, What);
        string deviceId = ProtocolCbor.ReadDeviceId(reader, What);
        Guid sessionId = ProtocolCbor.ReadSessionId(reader, What);
        int segmentIndex = ProtocolCbor.ReadNonNegativeInt32(reader, What + " segment index");
        int partCount = ProtocolCbor.ReadNonNegativeInt32(reader, What + " part count");
        int partSize = ProtocolCbor.ReadNonNegativeInt32(reader, What + " part size");
        long ciphertextLength = ProtocolCbor.ReadNonNegativeInt64(reader, What + " ciphertext length");
        byte[] hash = ProtocolCbor.ReadFixedBytes(reader, ProtocolCbor.Sha256Length, What + " ciphertext hash");
        ReadOnlyMemory<byte> manifest = ProtocolCbor.ReadBoundedBytes(reader, ProtocolLimits.MaximumManifestLength, What + " manifest");
        reader.ReadEndArray();
        if (manifest.IsEmpty)
        {
            throw new ProtocolFormatException($"{What} carries no manifest.");
        }

        var layout = new PartLayout(ciphertextLength, partSize);
        if (layout.PartCount != partCount)
        {
            throw new ProtocolFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{What} says {partCount} parts, but {ciphertextLength} bytes in parts of {partSize} make {layout.PartCount}."));
        }

        return new SegmentCommit(deviceId, new SegmentReference(sessionId, segmentIndex), layout, hash, manifest.ToArray());
    }
}
