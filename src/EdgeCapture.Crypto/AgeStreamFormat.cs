using System.Buffers.Binary;
using NSec.Cryptography;

namespace EdgeCapture.Crypto;

/// <summary>
/// The age payload: a 16-byte nonce, a key derived from it and the file key, then STREAM chunks of 64 KiB
/// sealed with ChaCha20-Poly1305 under nonce = 11-byte big-endian counter || last-chunk flag.
/// </summary>
internal static class AgeStreamFormat
{
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    public const int EncryptedChunkSize = ChunkSize + TagSize;
    public const int PayloadNonceSize = 16;
    public const int ChunkNonceSize = 12;

    /// <summary>The payload key as an NSec key, for sealing (derived as <see cref="DerivePayloadKey(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>; the bytes pass through a wiped stack buffer).</summary>
    public static Key DerivePayloadKey(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> payloadNonce)
    {
        Span<byte> payloadKey = stackalloc byte[PayloadKeySize];
        try
        {
            DerivePayloadKey(fileKey, payloadNonce, payloadKey);
            return Key.Import(AeadAlgorithm.ChaCha20Poly1305, payloadKey, KeyBlobFormat.RawSymmetricKey);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(payloadKey);
        }
    }

    /// <summary>The payload key as bytes: HKDF-SHA-256 of the file key, salt = the payload nonce, info = "payload".</summary>
    public static void DerivePayloadKey(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> payloadNonce, Span<byte> payloadKey) =>
        System.Security.Cryptography.HKDF.DeriveKey(System.Security.Cryptography.HashAlgorithmName.SHA256, fileKey, payloadKey, payloadNonce, "payload"u8);

    /// <summary>Size of the payload key (ChaCha20-Poly1305).</summary>
    public const int PayloadKeySize = 32;

    public static void ChunkNonce(ulong counter, bool last, Span<byte> nonce)
    {
        // The counter is 88 bits; files never reach 2^64 chunks, so the top three bytes stay zero.
        nonce[..3].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[3..11], counter);
        nonce[11] = last ? (byte)1 : (byte)0;
    }

    public static void Seal(Key payloadKey, ulong counter, bool last, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        Span<byte> nonce = stackalloc byte[ChunkNonceSize];
        ChunkNonce(counter, last, nonce);
        AeadAlgorithm.ChaCha20Poly1305.Encrypt(payloadKey, nonce, ReadOnlySpan<byte>.Empty, plaintext, ciphertext[..(plaintext.Length + TagSize)]);
    }

    /// <summary>Degree of parallelism to use: 1 or more, capped by the processor count.</summary>
    public static int Parallelism(int requested) => Math.Clamp(requested, 1, Math.Max(1, Environment.ProcessorCount));
}
