using System.Formats.Cbor;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Manifests;

/// <summary>
/// Encodes and decodes signed manifests: <c>[body: bstr, signature: bstr]</c>, where body is a canonical CBOR map
/// with integer keys and the Ed25519 signature covers <see cref="SignatureContext"/> followed by the body bytes.
/// </summary>
public static class ManifestCodec
{
    /// <summary>Manifest format version this build writes and reads.</summary>
    public const int Version = 2;

    private const int FieldCount = 14;

    /// <summary>Length of a SHA-256 hash.</summary>
    public const int HashLength = 32;

    /// <summary>Length of an Ed25519 signature.</summary>
    public const int SignatureLength = 64;

    /// <summary>Length of an Ed25519 public key.</summary>
    public const int PublicKeyLength = 32;

    /// <summary>Largest manifest accepted by <see cref="Decode"/> (a manifest is a few hundred bytes).</summary>
    public const int MaximumEncodedLength = 64 * 1024;

    /// <summary>Domain separation for the signature, so a manifest signature can never be replayed as another signed document.</summary>
    public static ReadOnlySpan<byte> SignatureContext => "edgecapture/segment-manifest/v1\0"u8;

    private enum Field
    {
        Version = 1,
        DeviceId = 2,
        SessionId = 3,
        SegmentIndex = 4,
        MonotonicStart = 5,
        MonotonicEnd = 6,
        WallClockStart = 7,
        WallClockEnd = 8,
        CiphertextLength = 11,
        CiphertextSha256 = 12,
        PreviousManifestSha256 = 13,
        EndsSession = 14,
        Recipients = 15,
        SigningPublicKey = 16,
    }

    /// <summary>Encodes the unsigned body (canonical CBOR map).</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>The body bytes.</returns>
    public static byte[] EncodeBody(SegmentManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(FieldCount);
        writer.WriteInt32((int)Field.Version);
        writer.WriteInt32(manifest.FormatVersion);
        writer.WriteInt32((int)Field.DeviceId);
        writer.WriteTextString(manifest.DeviceId);
        writer.WriteInt32((int)Field.SessionId);
        Span<byte> sessionId = stackalloc byte[SegmentFormat.SessionIdLength];
        manifest.SessionId.TryWriteBytes(sessionId, bigEndian: true, out _);
        writer.WriteByteString(sessionId);
        writer.WriteInt32((int)Field.SegmentIndex);
        writer.WriteInt32(manifest.SegmentIndex);
        writer.WriteInt32((int)Field.MonotonicStart);
        writer.WriteInt64(manifest.MonotonicStartNanoseconds);
        writer.WriteInt32((int)Field.MonotonicEnd);
        writer.WriteInt64(manifest.MonotonicEndNanoseconds);
        writer.WriteInt32((int)Field.WallClockStart);
        writer.WriteInt64(manifest.WallClockStartUnixNanoseconds);
        writer.WriteInt32((int)Field.WallClockEnd);
        writer.WriteInt64(manifest.WallClockEndUnixNanoseconds);
        writer.WriteInt32((int)Field.CiphertextLength);
        writer.WriteInt64(manifest.CiphertextLength);
        writer.WriteInt32((int)Field.CiphertextSha256);
        writer.WriteByteString(manifest.CiphertextSha256.Span);
        writer.WriteInt32((int)Field.PreviousManifestSha256);
        writer.WriteByteString(manifest.PreviousManifestSha256.Span);
        writer.WriteInt32((int)Field.EndsSession);
        writer.WriteBoolean(manifest.EndsSession);
        writer.WriteInt32((int)Field.Recipients);
        writer.WriteStartArray(manifest.Recipients.Count);
        foreach (string recipient in manifest.Recipients)
        {
            writer.WriteTextString(recipient);
        }

        writer.WriteEndArray();
        writer.WriteInt32((int)Field.SigningPublicKey);
        writer.WriteByteString(manifest.SigningPublicKey.Span);
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>The exact bytes the device signs for a body: <see cref="SignatureContext"/> followed by the body.</summary>
    /// <param name="body">The encoded body.</param>
    /// <returns>The message to sign or verify.</returns>
    public static byte[] SignedMessage(ReadOnlySpan<byte> body)
    {
        byte[] message = new byte[SignatureContext.Length + body.Length];
        SignatureContext.CopyTo(message);
        body.CopyTo(message.AsSpan(SignatureContext.Length));
        return message;
    }

    /// <summary>Wraps a body and its signature into the stored manifest.</summary>
    /// <param name="body">The encoded body.</param>
    /// <param name="signature">The Ed25519 signature over <see cref="SignedMessage"/>.</param>
    /// <returns>The signed manifest bytes.</returns>
    public static byte[] EncodeSigned(ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureLength)
        {
            throw new ArgumentException($"An Ed25519 signature is {SignatureLength} bytes, not {signature.Length}.", nameof(signature));
        }

        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(2);
        writer.WriteByteString(body);
        writer.WriteByteString(signature);
        writer.WriteEndArray();
        return writer.Encode();
    }

    /// <summary>Decodes a signed manifest without checking the signature (see <see cref="SegmentChainVerifier"/>).</summary>
    /// <param name="signedManifest">The stored manifest bytes.</param>
    /// <returns>The manifest, its body bytes and the signature.</returns>
    /// <exception cref="SegmentFormatException">The bytes are not a valid manifest.</exception>
    public static DecodedManifest Decode(ReadOnlyMemory<byte> signedManifest)
    {
        if (signedManifest.Length > MaximumEncodedLength)
        {
            throw new SegmentFormatException($"Manifest is {signedManifest.Length} bytes, more than {MaximumEncodedLength}");
        }

        try
        {
            var outer = new CborReader(signedManifest, CborConformanceMode.Canonical);
            if (outer.ReadStartArray() != 2)
            {
                throw new SegmentFormatException("Signed manifest is not a two-item array");
            }

            byte[] body = outer.ReadByteString();
            byte[] signature = outer.ReadByteString();
            outer.ReadEndArray();
            if (outer.BytesRemaining != 0)
            {
                throw new SegmentFormatException($"{outer.BytesRemaining} bytes after the signed manifest");
            }

            if (signature.Length != SignatureLength)
            {
                throw new SegmentFormatException($"Manifest signature is {signature.Length} bytes, expected {SignatureLength}");
            }

            return new DecodedManifest(DecodeBody(body), body, signature);
        }
        catch (CborContentException exception)
        {
            throw new SegmentFormatException($"Malformed manifest CBOR: {exception.Message}", exception);
        }
        catch (InvalidOperationException exception)
        {
            throw new SegmentFormatException($"Unexpected value in manifest: {exception.Message}", exception);
        }
        catch (OverflowException exception)
        {
            throw new SegmentFormatException("A manifest number is out of range", exception);
        }
    }

    private static SegmentManifest DecodeBody(byte[] body)
    {
        var reader = new CborReader(body, CborConformanceMode.Canonical);
        int? count = reader.ReadStartMap();
        if (count != FieldCount)
        {
            throw new SegmentFormatException($"Manifest body has {count?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "indefinite"} fields, expected {FieldCount}");
        }

        Expect(reader, Field.Version);
        int version = reader.ReadInt32();
        if (version != Version)
        {
            throw new SegmentFormatException($"Unsupported manifest version {version}; this build reads version {Version}");
        }

        Expect(reader, Field.DeviceId);
        string deviceId = reader.ReadTextString();
        Expect(reader, Field.SessionId);
        byte[] sessionId = reader.ReadByteString();
        if (sessionId.Length != SegmentFormat.SessionIdLength)
        {
            throw new SegmentFormatException($"Manifest session id is {sessionId.Length} bytes, expected {SegmentFormat.SessionIdLength}");
        }

        Expect(reader, Field.SegmentIndex);
        int segmentIndex = reader.ReadInt32();
        Expect(reader, Field.MonotonicStart);
        long monotonicStart = reader.ReadInt64();
        Expect(reader, Field.MonotonicEnd);
        long monotonicEnd = reader.ReadInt64();
        Expect(reader, Field.WallClockStart);
        long wallStart = reader.ReadInt64();
        Expect(reader, Field.WallClockEnd);
        long wallEnd = reader.ReadInt64();
        Expect(reader, Field.CiphertextLength);
        long ciphertextLength = reader.ReadInt64();
        Expect(reader, Field.CiphertextSha256);
        byte[] ciphertextHash = ReadFixed(reader, HashLength, "ciphertext hash");
        Expect(reader, Field.PreviousManifestSha256);
        byte[] previousHash = ReadFixed(reader, HashLength, "previous manifest hash");
        Expect(reader, Field.EndsSession);
        bool endsSession = reader.ReadBoolean();

        Expect(reader, Field.Recipients);
        int recipientCount = reader.ReadStartArray() ?? throw new SegmentFormatException("Indefinite recipient list");
        if (recipientCount > 64)
        {
            throw new SegmentFormatException($"Manifest lists {recipientCount} recipients, more than 64");
        }

        string[] recipients = new string[recipientCount];
        for (int index = 0; index < recipientCount; index++)
        {
            recipients[index] = reader.ReadTextString();
        }

        reader.ReadEndArray();
        Expect(reader, Field.SigningPublicKey);
        byte[] publicKey = ReadFixed(reader, PublicKeyLength, "signing public key");
        reader.ReadEndMap();
        if (reader.BytesRemaining != 0)
        {
            throw new SegmentFormatException($"{reader.BytesRemaining} bytes after the manifest body");
        }

        if (segmentIndex < 0 || monotonicEnd < monotonicStart || ciphertextLength < 0)
        {
            throw new SegmentFormatException("Manifest has a negative index or length, or ends before it starts");
        }

        return new SegmentManifest(version, deviceId, new Guid(sessionId, bigEndian: true), segmentIndex, monotonicStart, monotonicEnd,
            wallStart, wallEnd, ciphertextLength, ciphertextHash, previousHash, endsSession, recipients, publicKey);
    }

    private static void Expect(CborReader reader, Field field)
    {
        int key = reader.ReadInt32();
        if (key != (int)field)
        {
            throw new SegmentFormatException($"Manifest field {key} where field {(int)field} ({field}) was expected");
        }
    }

    private static byte[] ReadFixed(CborReader reader, int length, string what)
    {
        byte[] value = reader.ReadByteString();
        if (value.Length != length)
        {
            throw new SegmentFormatException($"Manifest {what} is {value.Length} bytes, expected {length}");
        }

        return value;
    }
}

/// <summary>A decoded signed manifest.</summary>
/// <param name="Manifest">The fields.</param>
/// <param name="Body">The exact body bytes the signature covers (after <see cref="ManifestCodec.SignatureContext"/>).</param>
/// <param name="Signature">The Ed25519 signature.</param>
public sealed record DecodedManifest(SegmentManifest Manifest, ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> Signature);
