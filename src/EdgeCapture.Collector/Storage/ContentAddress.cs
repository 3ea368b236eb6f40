using System.Security.Cryptography;

namespace EdgeCapture.Collector.Storage;

/// <summary>The SHA-256 of a segment's ciphertext, which names it in the blob store (lowercase hex, 64 characters).</summary>
public readonly record struct ContentAddress
{
    /// <summary>Length of a SHA-256 hash.</summary>
    public const int HashLength = 32;

    private ContentAddress(string hex) => Hex = hex;

    /// <summary>The hash as 64 lowercase hexadecimal characters.</summary>
    public string Hex { get; }

    /// <summary>Creates the address from 32 hash bytes.</summary>
    /// <param name="sha256">The hash.</param>
    /// <returns>The address.</returns>
    /// <exception cref="ArgumentException">The hash is not 32 bytes.</exception>
    public static ContentAddress FromHash(ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != HashLength)
        {
            throw new ArgumentException($"A SHA-256 hash is {HashLength} bytes, not {sha256.Length}.", nameof(sha256));
        }

        return new ContentAddress(Convert.ToHexStringLower(sha256));
    }

    /// <summary>Parses 64 hexadecimal characters (any case).</summary>
    /// <param name="hex">The text.</param>
    /// <param name="address">The address.</param>
    /// <returns>False when the text is not a SHA-256 in hex.</returns>
    public static bool TryParse(string? hex, out ContentAddress address)
    {
        address = default;
        if (hex is null || hex.Length != HashLength * 2 || !hex.All(Uri.IsHexDigit))
        {
            return false;
        }

        address = new ContentAddress(hex.ToLowerInvariant());
        return true;
    }

    /// <summary>Hashes <paramref name="data"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>Their address.</returns>
    public static ContentAddress Of(ReadOnlySpan<byte> data) => FromHash(SHA256.HashData(data));

    /// <summary>The 32 hash bytes.</summary>
    /// <returns>A new array.</returns>
    public byte[] ToHash() => Convert.FromHexString(Hex);

    /// <summary>The hex form.</summary>
    /// <returns><see cref="Hex"/>.</returns>
    public override string ToString() => Hex ?? string.Empty;
}
