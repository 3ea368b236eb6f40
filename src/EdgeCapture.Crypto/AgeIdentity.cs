using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace EdgeCapture.Crypto;

/// <summary>
/// An age X25519 identity (the custodian's secret key, <c>AGE-SECRET-KEY-1…</c>). It opens files encrypted to
/// its <see cref="Recipient"/>. The secret lives in libsodium secure memory; <see cref="ToString"/> shows only the
/// recipient, and the secret leaves the object only through <see cref="WriteTo"/> and <see cref="SaveFile"/>.
/// </summary>
public sealed class AgeIdentity : IDisposable
{
    internal const string Prefix = "AGE-SECRET-KEY-";
    private const int SecretTextLength = 74;

    // Exportable so the key can be written to its file; it is exported only into wiped buffers.
    private static KeyCreationParameters ExportableKey => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };

    private readonly Key _key;

    private AgeIdentity(Key key)
    {
        _key = key;
        Span<byte> publicKey = stackalloc byte[AgeRecipient.KeySize];
        key.PublicKey.TryExport(KeyBlobFormat.RawPublicKey, publicKey, out _);
        Recipient = new AgeRecipient(publicKey);
    }

    /// <summary>The recipient (public key) files must be encrypted to for this identity to open them.</summary>
    public AgeRecipient Recipient { get; }

    internal Key Key
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    private bool _disposed;

    /// <summary>Creates a new random identity.</summary>
    /// <returns>The identity; dispose it to wipe the secret.</returns>
    public static AgeIdentity Generate() => new(Key.Create(KeyAgreementAlgorithm.X25519, ExportableKey));

    /// <summary>Parses one <c>AGE-SECRET-KEY-1…</c> string (upper case, as <c>age-keygen</c> writes it).</summary>
    /// <param name="text">The identity text.</param>
    /// <returns>The identity.</returns>
    /// <exception cref="AgeKeyFormatException">The text is not a valid age identity.</exception>
    /// <exception cref="AgeUnsupportedIdentityException">The text is a post-quantum or plugin identity.</exception>
    public static AgeIdentity Parse(ReadOnlySpan<char> text)
    {
        if (text.Length > Bech32.MaxTextLength)
        {
            throw new AgeKeyFormatException("Invalid age identity: too long.");
        }

        Span<byte> ascii = stackalloc byte[text.Length];
        try
        {
            SecretFile.ToAscii(text, ascii);
            return ParseAscii(ascii, lineNumber: 0);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ascii);
        }
    }

    /// <summary>
    /// Loads an identity file as <c>age-keygen</c> writes it: one <c>AGE-SECRET-KEY-1…</c> per line, lines
    /// starting with <c>#</c> and empty lines ignored. The file contents are wiped from memory after parsing.
    /// </summary>
    /// <param name="path">The identity file.</param>
    /// <returns>The identities in file order; at least one.</returns>
    /// <exception cref="AgeKeyFormatException">A line is malformed (the message names the line, not its text) or there is no identity.</exception>
    /// <exception cref="AgeUnsupportedIdentityException">A line holds a post-quantum or plugin identity.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<AgeIdentity> LoadFile(string path)
    {
        byte[] contents = SecretFile.ReadAll(path);
        try
        {
            return ParseFile(contents);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contents);
        }
    }

    /// <summary>Parses the contents of an identity file (see <see cref="LoadFile"/>); wipe the buffer afterwards.</summary>
    /// <param name="contents">The file bytes (ASCII).</param>
    /// <returns>The identities; at least one.</returns>
    /// <exception cref="AgeKeyFormatException">A line is malformed or there is no identity.</exception>
    /// <exception cref="AgeUnsupportedIdentityException">A line holds a post-quantum or plugin identity.</exception>
    public static IReadOnlyList<AgeIdentity> ParseFile(byte[] contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        var identities = new List<AgeIdentity>();
        try
        {
            foreach ((int lineNumber, int start, int length) in SecretFile.Lines(contents))
            {
                ReadOnlySpan<byte> line = SecretFile.Trim(contents.AsSpan(start, length));
                if (line.IsEmpty || line[0] == (byte)'#')
                {
                    continue;
                }

                identities.Add(ParseAscii(line, lineNumber));
            }
        }
        catch
        {
            foreach (AgeIdentity identity in identities)
            {
                identity.Dispose();
            }

            throw;
        }

        if (identities.Count == 0)
        {
            throw new AgeKeyFormatException("The identity file contains no AGE-SECRET-KEY-1 line.");
        }

        return identities;
    }

    /// <summary>
    /// Writes this identity in <c>age-keygen</c> format: <c># created: …</c>, <c># public key: age1…</c> and the
    /// secret key line. The caller decides where the secret goes (a 0600 file, or stdout on request).
    /// </summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="created">The creation time written in the comment.</param>
    public void WriteTo(TextWriter writer, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("# created: ");
        writer.Write(created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        writer.Write('\n');
        writer.Write("# public key: ");
        writer.Write(Recipient.ToString());
        writer.Write('\n');
        Span<char> secretText = stackalloc char[SecretTextLength];
        Span<byte> secret = stackalloc byte[AgeRecipient.KeySize];
        try
        {
            Key.TryExport(KeyBlobFormat.RawPrivateKey, secret, out _);
            int written = Bech32.Encode(Prefix, secret, secretText, upperCase: true);
            writer.Write(secretText[..written]);
            writer.Write('\n');
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            secretText.Clear();
        }
    }

    /// <summary>
    /// Saves this identity to a new file with mode 0600 in <c>age-keygen</c> format. Never overwrites: an existing
    /// file is an error.
    /// </summary>
    /// <param name="path">The new file.</param>
    /// <param name="created">The creation time written in the comment.</param>
    /// <exception cref="IOException">The file exists or cannot be written.</exception>
    public void SaveFile(string path, DateTimeOffset created) =>
        SecretFile.CreateNew(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 256, leaveOpen: true);
            WriteTo(writer, created);
        });

    /// <summary>Shows the recipient only; the secret is never part of a string.</summary>
    /// <returns>A description naming the recipient.</returns>
    public override string ToString() => "age X25519 identity for " + Recipient;

    /// <summary>Wipes the secret key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _key.Dispose();
        }
    }

    private static AgeIdentity ParseAscii(ReadOnlySpan<byte> text, int lineNumber)
    {
        string where = lineNumber > 0 ? $" at line {lineNumber}" : string.Empty;
        Span<byte> data = stackalloc byte[Bech32.MaxTextLength];
        try
        {
            if (text.StartsWith("AGE-SECRET-KEY-PQ-"u8) || text.StartsWith("AGE-PLUGIN-"u8))
            {
                throw new AgeUnsupportedIdentityException($"Unsupported age identity{where}: only X25519 identities (AGE-SECRET-KEY-1…) are supported, not post-quantum or plugin identities.");
            }

            if (!Bech32.TryDecode(text, data, out int hrpLength, out int dataLength, out string error))
            {
                throw new AgeKeyFormatException($"Invalid age identity{where}: not valid Bech32 ({error}).");
            }

            if (!text[..hrpLength].SequenceEqual("AGE-SECRET-KEY-"u8))
            {
                throw new AgeKeyFormatException($"Invalid age identity{where}: expected the upper-case prefix AGE-SECRET-KEY-1.");
            }

            if (dataLength != AgeRecipient.KeySize)
            {
                throw new AgeKeyFormatException($"Invalid age identity{where}: an X25519 identity holds {AgeRecipient.KeySize} bytes, this one {dataLength}.");
            }

            return new AgeIdentity(Key.Import(KeyAgreementAlgorithm.X25519, data[..AgeRecipient.KeySize], KeyBlobFormat.RawPrivateKey, ExportableKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }
}
