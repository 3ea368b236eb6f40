using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace EdgeCapture.Crypto;

/// <summary>
/// The one Ed25519 key-file format shared by the device key and the operator/custodian signing keys: comment lines
/// (<c>#</c>), then exactly one line <c>TAG BASE64(seed)</c> with the canonical padded base64 of the 32-byte seed. Every
/// copy of the seed is wiped after use.
/// </summary>
internal static class Ed25519SeedFile
{
    /// <summary>The Ed25519 private seed length.</summary>
    public const int SeedSize = 32;

    /// <summary>Keys this format imports can be exported again (to be saved).</summary>
    public static KeyCreationParameters ExportableKey => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };

    /// <summary>Parses the file contents into a key; wipe <paramref name="contents"/> afterwards.</summary>
    /// <param name="contents">The file bytes.</param>
    /// <param name="tag">The key line's tag (which kind of key the file must hold).</param>
    /// <param name="fileName">How errors name the file ("Device key file").</param>
    /// <param name="wrongTagHint">Appended to the error for a line with another tag, or empty.</param>
    /// <returns>The imported key.</returns>
    /// <exception cref="DeviceKeyFormatException">The contents are malformed or hold another kind.</exception>
    public static Key Parse(byte[] contents, string tag, string fileName, string wrongTagHint)
    {
        ArgumentNullException.ThrowIfNull(contents);
        byte[] prefix = Encoding.ASCII.GetBytes(tag + " ");
        Span<byte> seed = stackalloc byte[SeedSize + 3];
        int found = 0;
        try
        {
            foreach ((int lineNumber, int start, int length) in SecretFile.Lines(contents))
            {
                ReadOnlySpan<byte> line = SecretFile.Trim(contents.AsSpan(start, length));
                if (line.IsEmpty || line[0] == (byte)'#')
                {
                    continue;
                }

                if (!line.StartsWith(prefix))
                {
                    throw new DeviceKeyFormatException($"{fileName} line {lineNumber} is not a comment and does not start with '{tag} '{wrongTagHint}.");
                }

                if (++found > 1)
                {
                    throw new DeviceKeyFormatException($"{fileName} has more than one key line (line {lineNumber}).");
                }

                if (!StrictBase64.TryDecodePadded(line[prefix.Length..], seed, out int seedLength) || seedLength != SeedSize)
                {
                    throw new DeviceKeyFormatException($"{fileName} line {lineNumber}: the key is not the canonical padded base64 of {SeedSize} bytes.");
                }
            }

            if (found == 0)
            {
                throw new DeviceKeyFormatException($"{fileName} has no '{tag}' line.");
            }

            return Key.Import(SignatureAlgorithm.Ed25519, seed[..SeedSize], KeyBlobFormat.RawPrivateKey, ExportableKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Writes the file: the heading comment, the creation time and public key as comments, then the key line.</summary>
    /// <param name="writer">Where to write (the caller decides where the secret may go).</param>
    /// <param name="key">The key (exportable).</param>
    /// <param name="tag">The key line's tag.</param>
    /// <param name="heading">The first comment line, without <c>#</c>.</param>
    /// <param name="publicKey">The public key as printed.</param>
    /// <param name="created">Creation time written in a comment.</param>
    public static void Write(TextWriter writer, Key key, string tag, string heading, string publicKey, DateTimeOffset created)
    {
        writer.Write("# " + heading + "\n");
        writer.Write("# created: " + created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + "\n");
        writer.Write("# public key: " + publicKey + "\n");
        Span<byte> seed = stackalloc byte[SeedSize];
        Span<byte> encoded = stackalloc byte[44];
        Span<char> text = stackalloc char[44];
        try
        {
            key.TryExport(KeyBlobFormat.RawPrivateKey, seed, out _);
            int length = StrictBase64.EncodePadded(seed, encoded);
            for (int i = 0; i < length; i++)
            {
                text[i] = (char)encoded[i];
            }

            writer.Write(tag + " ");
            writer.Write(text[..length]);
            writer.Write('\n');
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(encoded);
            text.Clear();
        }
    }
}
