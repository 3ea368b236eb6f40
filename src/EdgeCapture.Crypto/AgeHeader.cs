using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace EdgeCapture.Crypto;

/// <summary>One recipient stanza: <c>-> type args…</c> and its body.</summary>
internal sealed record AgeStanza(string Type, string[] Arguments, byte[] Body);

/// <summary>
/// The age v1 header: parsing (strict, as the C2SP spec and the reference implementation), writing, the
/// header MAC, and X25519 stanza wrap/unwrap.
/// </summary>
internal static class AgeHeader
{
    public const int FileKeySize = 16;
    public const int MacSize = 32;
    public const int BytesPerBodyLine = 48;
    public const int ColumnsPerBodyLine = 64;

    /// <summary>Bound on the header size so a hostile file cannot exhaust memory.</summary>
    public const int MaxHeaderLength = 1024 * 1024;

    private const string X25519Type = "X25519";

    private static ReadOnlySpan<byte> Intro => "age-encryption.org/v1"u8;

    private static ReadOnlySpan<byte> X25519Info => "age-encryption.org/v1/X25519"u8;

    /// <summary>Parses the header from <paramref name="input"/>, leaving it positioned at the payload nonce.</summary>
    public static ParsedHeader Parse(AgeInput input)
    {
        var raw = new ArrayBufferWriter<byte>(1024);
        var stanzas = new List<AgeStanza>();

        ReadOnlySpan<byte> line = ReadHeaderLine(input, raw, "version line");
        if (!line.SequenceEqual(Intro))
        {
            throw new AgeHeaderException(line.StartsWith("age-encryption.org/"u8)
                ? "Unsupported age version: only age-encryption.org/v1 is supported."
                : "Not an age file: the first line is not 'age-encryption.org/v1'.");
        }

        while (true)
        {
            int lineStart = raw.WrittenCount;
            line = ReadHeaderLine(input, raw, "stanza or MAC line");
            if (line.StartsWith("---"u8))
            {
                // The MAC covers the header up to and including "---", not the space after it.
                byte[] macInput = raw.WrittenSpan[..(lineStart + 3)].ToArray();
                return new ParsedHeader(stanzas, ParseMacLine(line), macInput);
            }

            if (!line.StartsWith("->"u8))
            {
                throw new AgeHeaderException($"Malformed age header: line {stanzas.Count + 2} is neither a stanza ('->') nor the MAC line ('---').");
            }

            stanzas.Add(ParseStanza(input, raw, line, stanzas.Count + 1));
        }
    }

    /// <summary>Writes a complete header (stanzas, MAC line) for <paramref name="fileKey"/> and the recipients.</summary>
    public static byte[] Write(ReadOnlySpan<byte> fileKey, IReadOnlyList<AgeRecipient> recipients)
    {
        var text = new StringBuilder(128 + (recipients.Count * 128));
        text.Append("age-encryption.org/v1\n");
        Span<byte> body = stackalloc byte[FileKeySize + 16];
        foreach (AgeRecipient recipient in recipients)
        {
            byte[] share = WrapX25519(fileKey, recipient, body);
            text.Append("-> X25519 ").Append(StrictBase64.EncodeUnpadded(share)).Append('\n');
            AppendBody(text, body);
        }

        text.Append("---");
        byte[] macInput = Encoding.ASCII.GetBytes(text.ToString());
        Span<byte> mac = stackalloc byte[MacSize];
        ComputeMac(fileKey, macInput, mac);
        byte[] header = new byte[macInput.Length + 1 + StrictBase64.UnpaddedEncodedLength(MacSize) + 1];
        macInput.CopyTo(header, 0);
        int position = macInput.Length;
        header[position++] = (byte)' ';
        position += Encoding.ASCII.GetBytes(StrictBase64.EncodeUnpadded(mac), header.AsSpan(position));
        header[position] = (byte)'\n';
        return header;
    }

    /// <summary>
    /// Finds the file key: for each identity in order, each X25519 stanza in order, as the reference
    /// implementation does. A malformed X25519 stanza met on the way is a header failure.
    /// </summary>
    public static void UnwrapFileKey(ParsedHeader header, IReadOnlyList<AgeIdentity> identities, Span<byte> fileKey)
    {
        if (identities.Count == 0)
        {
            throw new AgeNoIdentityMatchException("No identity was given, so none can match this age file.");
        }

        foreach (AgeIdentity identity in identities)
        {
            foreach (AgeStanza stanza in header.Stanzas)
            {
                if (stanza.Type == X25519Type && TryUnwrapX25519(stanza, identity, fileKey))
                {
                    return;
                }
            }
        }

        bool anyX25519 = header.Stanzas.Any(s => s.Type == X25519Type);
        throw new AgeNoIdentityMatchException(anyX25519
            ? "No identity matches any X25519 recipient of this age file."
            : "This age file has no X25519 recipient; its recipient types (" + string.Join(", ", header.Stanzas.Select(s => s.Type).Distinct()) + ") are not supported.");
    }

    /// <summary>Verifies the header MAC in constant time.</summary>
    public static void VerifyMac(ParsedHeader header, ReadOnlySpan<byte> fileKey)
    {
        Span<byte> expected = stackalloc byte[MacSize];
        ComputeMac(fileKey, header.MacInput, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, header.Mac))
        {
            throw new AgeHmacException();
        }
    }

    private static void ComputeMac(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> macInput, Span<byte> mac)
    {
        var parameters = default(KeyCreationParameters);
        using Key macKey = KeyDerivationAlgorithm.HkdfSha256.DeriveKey(fileKey, ReadOnlySpan<byte>.Empty, "header"u8, MacAlgorithm.HmacSha256, in parameters);
        MacAlgorithm.HmacSha256.Mac(macKey, macInput, mac);
    }

    private static byte[] WrapX25519(ReadOnlySpan<byte> fileKey, AgeRecipient recipient, Span<byte> body)
    {
        using Key ephemeral = Key.Create(KeyAgreementAlgorithm.X25519);
        byte[] share = ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        var secretParameters = default(SharedSecretCreationParameters);
        using SharedSecret shared = KeyAgreementAlgorithm.X25519.Agree(ephemeral, recipient.PublicKey, in secretParameters)
            ?? throw new AgeKeyFormatException($"Recipient {recipient} is not a usable X25519 public key (it yields an all-zero shared secret).");
        using Key wrapKey = DeriveWrapKey(shared, share, recipient.PublicKeyBytes);
        Span<byte> nonce = stackalloc byte[12];
        nonce.Clear();
        AeadAlgorithm.ChaCha20Poly1305.Encrypt(wrapKey, nonce, ReadOnlySpan<byte>.Empty, fileKey, body);
        return share;
    }

    private static bool TryUnwrapX25519(AgeStanza stanza, AgeIdentity identity, Span<byte> fileKey)
    {
        if (stanza.Arguments.Length != 1)
        {
            throw new AgeHeaderException($"Invalid X25519 stanza: it has {stanza.Arguments.Length} arguments, expected exactly one (the ephemeral share).");
        }

        Span<byte> share = stackalloc byte[AgeRecipient.KeySize + 3];
        byte[] shareText = Encoding.ASCII.GetBytes(stanza.Arguments[0]);
        if (!StrictBase64.TryDecodeUnpadded(shareText, share, out int shareLength))
        {
            throw new AgeHeaderException("Invalid X25519 stanza: the ephemeral share is not canonical unpadded base64 or has the wrong length.");
        }

        if (shareLength != AgeRecipient.KeySize)
        {
            throw new AgeHeaderException($"Invalid X25519 stanza: the ephemeral share is {shareLength} bytes, expected {AgeRecipient.KeySize}.");
        }

        if (stanza.Body.Length != FileKeySize + 16)
        {
            throw new AgeHeaderException($"Invalid X25519 stanza: the wrapped file key is {stanza.Body.Length} bytes, expected {FileKeySize + 16}.");
        }

        if (!NSec.Cryptography.PublicKey.TryImport(KeyAgreementAlgorithm.X25519, share[..shareLength], KeyBlobFormat.RawPublicKey, out PublicKey? sharePublicKey) || sharePublicKey is null)
        {
            throw new AgeHeaderException("Invalid X25519 stanza: the ephemeral share is not an X25519 public key.");
        }

        var secretParameters = default(SharedSecretCreationParameters);
        using SharedSecret shared = KeyAgreementAlgorithm.X25519.Agree(identity.Key, sharePublicKey, in secretParameters)
            ?? throw new AgeHeaderException("Invalid X25519 stanza: the ephemeral share is a low-order point (all-zero shared secret).");
        using Key wrapKey = DeriveWrapKey(shared, share[..shareLength], identity.Recipient.PublicKeyBytes);
        Span<byte> nonce = stackalloc byte[12];
        nonce.Clear();
        return AeadAlgorithm.ChaCha20Poly1305.Decrypt(wrapKey, nonce, ReadOnlySpan<byte>.Empty, stanza.Body, fileKey);
    }

    private static Key DeriveWrapKey(SharedSecret shared, ReadOnlySpan<byte> share, ReadOnlySpan<byte> recipientPublicKey)
    {
        Span<byte> salt = stackalloc byte[AgeRecipient.KeySize * 2];
        share.CopyTo(salt);
        recipientPublicKey.CopyTo(salt[AgeRecipient.KeySize..]);
        var parameters = default(KeyCreationParameters);
        return KeyDerivationAlgorithm.HkdfSha256.DeriveKey(shared, salt, X25519Info, AeadAlgorithm.ChaCha20Poly1305, in parameters);
    }

    private static void AppendBody(StringBuilder text, ReadOnlySpan<byte> body)
    {
        string encoded = StrictBase64.EncodeUnpadded(body);
        int position = 0;
        // Full 64-column lines, then always a final short line (possibly empty).
        while (encoded.Length - position >= ColumnsPerBodyLine)
        {
            text.Append(encoded, position, ColumnsPerBodyLine).Append('\n');
            position += ColumnsPerBodyLine;
        }

        text.Append(encoded, position, encoded.Length - position).Append('\n');
    }

    private static ReadOnlySpan<byte> ReadHeaderLine(AgeInput input, ArrayBufferWriter<byte> raw, string expected)
    {
        LineStatus status = input.ReadLine(out ReadOnlySpan<byte> line, out bool terminated);
        if (status == LineStatus.TooLong)
        {
            throw new AgeHeaderException($"Malformed age header: a line is longer than {AgeInput.MaxLineLength} bytes.");
        }

        if (status == LineStatus.EndOfStream || !terminated)
        {
            throw new AgeHeaderException($"Truncated age header: the file ends before the {expected}.");
        }

        if (raw.WrittenCount + line.Length + 1 > MaxHeaderLength)
        {
            throw new AgeHeaderException($"The age header is larger than {MaxHeaderLength} bytes.");
        }

        raw.Write(line);
        raw.Write("\n"u8);
        return raw.WrittenSpan.Slice(raw.WrittenCount - line.Length - 1, line.Length);
    }

    private static byte[] ParseMacLine(ReadOnlySpan<byte> line)
    {
        // Exactly "--- " followed by the canonical unpadded base64 of 32 bytes.
        if (line.Length < 4 || line[3] != (byte)' ')
        {
            throw new AgeHeaderException("Malformed age header: the MAC line must be '--- ' followed by the MAC.");
        }

        ReadOnlySpan<byte> encoded = line[4..];
        byte[] mac = new byte[MacSize + 2];
        if (!StrictBase64.TryDecodeUnpadded(encoded, mac, out int length) || length != MacSize)
        {
            throw new AgeHeaderException("Malformed age header: the MAC is not the canonical unpadded base64 of 32 bytes.");
        }

        return mac[..MacSize];
    }

    private static AgeStanza ParseStanza(AgeInput input, ArrayBufferWriter<byte> raw, ReadOnlySpan<byte> opening, int number)
    {
        // "->" then space-separated arguments, each non-empty and printable ASCII without spaces.
        string text = Encoding.ASCII.GetString(opening);
        string[] parts = text.Split(' ');
        if (parts[0] != "->" || parts.Length < 2)
        {
            throw new AgeHeaderException($"Malformed age header: stanza {number} has no type.");
        }

        foreach (byte c in opening[2..])
        {
            if (c != (byte)' ' && (c < 33 || c > 126))
            {
                throw new AgeHeaderException($"Malformed age header: stanza {number} has a character outside printable ASCII.");
            }
        }

        for (int i = 1; i < parts.Length; i++)
        {
            if (parts[i].Length == 0)
            {
                throw new AgeHeaderException($"Malformed age header: stanza {number} has an empty argument.");
            }
        }

        var body = new ArrayBufferWriter<byte>(64);
        Span<byte> decoded = stackalloc byte[BytesPerBodyLine + 3];
        while (true)
        {
            ReadOnlySpan<byte> line = ReadHeaderLine(input, raw, $"end of stanza {number}");
            if (line.Length > ColumnsPerBodyLine)
            {
                throw new AgeHeaderException($"Malformed age header: a body line of stanza {number} is longer than {ColumnsPerBodyLine} columns.");
            }

            if (!StrictBase64.TryDecodeUnpadded(line, decoded, out int length))
            {
                throw new AgeHeaderException(line.StartsWith("->"u8) || line.StartsWith("---"u8)
                    ? $"Malformed age header: stanza {number} ended without a short body line."
                    : $"Malformed age header: a body line of stanza {number} is not canonical unpadded base64.");
            }

            body.Write(decoded[..length]);
            if (length < BytesPerBodyLine)
            {
                return new AgeStanza(parts[1], parts[2..], body.WrittenSpan.ToArray());
            }
        }
    }
}

/// <summary>A parsed header: stanzas, the MAC it carries, and the bytes the MAC covers.</summary>
internal sealed record ParsedHeader(IReadOnlyList<AgeStanza> Stanzas, byte[] Mac, byte[] MacInput);
