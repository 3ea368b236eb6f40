using System.Formats.Cbor;
using EdgeCapture.Crypto;

namespace EdgeCapture.Protocol;

/// <summary>
/// The signed form every signed message shares with the recorder's manifests and retractions:
/// <c>[body: bstr, signature: bstr(64)]</c>, the Ed25519 signature covering a per-type domain separation context
/// followed by the body bytes, so a signature of one message type can never pass as another.
/// </summary>
internal static class SignedEnvelope
{
    internal const int SignatureLength = DeviceSigningKey.SignatureSize;

    internal static byte[] Seal(ReadOnlySpan<byte> context, ReadOnlySpan<byte> body, IMessageSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        byte[] message = new byte[context.Length + body.Length];
        context.CopyTo(message);
        body.CopyTo(message.AsSpan(context.Length));
        Span<byte> signature = stackalloc byte[SignatureLength];
        signer.Sign(message, signature);
        CborWriter writer = ProtocolCbor.Writer();
        writer.WriteStartArray(2);
        writer.WriteByteString(body);
        writer.WriteByteString(signature);
        writer.WriteEndArray();
        return writer.Encode();
    }

    /// <summary>Reads the envelope and hands the body to <paramref name="readBody"/>.</summary>
    internal static (T Value, ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> Signature) Open<T>(
        ReadOnlyMemory<byte> bytes, int maximumLength, string what, Func<CborReader, T> readBody) =>
        ProtocolCbor.Decode(bytes, maximumLength, what, reader =>
        {
            ProtocolCbor.ReadArrayStart(reader, 2, what + " envelope");
            ReadOnlyMemory<byte> body = ProtocolCbor.ReadBoundedBytes(reader, maximumLength, what + " body");
            ReadOnlyMemory<byte> signature = ProtocolCbor.ReadBoundedBytes(reader, SignatureLength, what + " signature");
            reader.ReadEndArray();
            if (signature.Length != SignatureLength)
            {
                throw new ProtocolFormatException($"{what} signature is not {SignatureLength} bytes.");
            }

            T value = ProtocolCbor.Decode(body, maximumLength, what + " body", readBody);
            return (value, body, signature);
        });

    internal static bool Verify(ReadOnlySpan<byte> context, ReadOnlySpan<byte> body, ReadOnlySpan<byte> signature, DevicePublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] message = new byte[context.Length + body.Length];
        context.CopyTo(message);
        body.CopyTo(message.AsSpan(context.Length));
        return key.Verify(message, signature);
    }
}
