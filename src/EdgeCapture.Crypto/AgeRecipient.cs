using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace EdgeCapture.Crypto;

/// <summary>
/// An age X25519 recipient: the public half of a custodian identity, written <c>age1…</c> (Bech32, prefix
/// <c>age</c>). Files encrypted to it can be opened by the matching <see cref="AgeIdentity"/>. Public data:
/// safe to log, store in configuration and print.
/// </summary>
public sealed class AgeRecipient : IEquatable<AgeRecipient>
{
    internal const string Prefix = "age";
    internal const int KeySize = 32;

    private readonly byte[] _publicKey;
    private readonly string _text;

    internal AgeRecipient(ReadOnlySpan<byte> publicKey)
    {
        _publicKey = publicKey.ToArray();
        _text = Bech32.Encode(Prefix, publicKey, upperCase: false);
        PublicKey = NSec.Cryptography.PublicKey.Import(KeyAgreementAlgorithm.X25519, publicKey, KeyBlobFormat.RawPublicKey);
    }

    internal PublicKey PublicKey { get; }

    internal ReadOnlySpan<byte> PublicKeyBytes => _publicKey;

    /// <summary>Parses an <c>age1…</c> recipient string.</summary>
    /// <param name="text">The recipient, lower case, as <c>age-keygen</c> prints it.</param>
    /// <returns>The recipient.</returns>
    /// <exception cref="AgeKeyFormatException">The text is not a valid X25519 age recipient.</exception>
    public static AgeRecipient Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out AgeRecipient? recipient, out string error))
        {
            throw new AgeKeyFormatException("Invalid age recipient: " + error + ".");
        }

        return recipient;
    }

    /// <summary>Parses an <c>age1…</c> recipient string without throwing.</summary>
    /// <param name="text">The recipient text.</param>
    /// <param name="recipient">The recipient when the result is true.</param>
    /// <returns>Whether the text is a valid X25519 age recipient.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out AgeRecipient? recipient) =>
        TryParse(text, out recipient, out _);

    /// <summary>
    /// Parses a recipients file (as <c>age -R</c> reads it): one <c>age1…</c> recipient per line; empty lines
    /// and lines starting with <c>#</c> are ignored.
    /// </summary>
    /// <param name="reader">The file contents.</param>
    /// <returns>The recipients, in file order; at least one.</returns>
    /// <exception cref="AgeKeyFormatException">A line is not a valid recipient (the message names the line), or there is none.</exception>
    public static IReadOnlyList<AgeRecipient> ParseList(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var recipients = new List<AgeRecipient>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            if (!TryParse(trimmed, out AgeRecipient? recipient, out string error))
            {
                throw new AgeKeyFormatException($"Invalid age recipient at line {lineNumber}: {error}.");
            }

            recipients.Add(recipient);
        }

        if (recipients.Count == 0)
        {
            throw new AgeKeyFormatException("The recipients list contains no recipient.");
        }

        return recipients;
    }

    /// <summary>The recipient as <c>age1…</c>.</summary>
    /// <returns>The Bech32 text.</returns>
    public override string ToString() => _text;

    /// <inheritdoc/>
    public bool Equals(AgeRecipient? other) => other is not null && CryptographicOperations.FixedTimeEquals(_publicKey, other._publicKey);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as AgeRecipient);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);

    private static bool TryParse(string? text, [NotNullWhen(true)] out AgeRecipient? recipient, out string error)
    {
        recipient = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty";
            return false;
        }

        if (text.Length > Bech32.MaxTextLength)
        {
            error = "too long";
            return false;
        }

        if (text.StartsWith("ssh-", StringComparison.Ordinal))
        {
            error = "SSH recipients are not supported, only X25519 age1… recipients";
            return false;
        }

        Span<byte> ascii = stackalloc byte[text.Length];
        SecretFile.ToAscii(text, ascii);
        Span<byte> data = stackalloc byte[Bech32.MaxTextLength];
        if (!Bech32.TryDecode(ascii, data, out int hrpLength, out int dataLength, out string bech32Error))
        {
            error = "not valid Bech32 (" + bech32Error + ")";
            return false;
        }

        ReadOnlySpan<byte> hrp = ascii[..hrpLength];
        if (!hrp.SequenceEqual("age"u8))
        {
            error = hrp.StartsWith("age"u8)
                ? "recipient type '" + text[..hrpLength] + "' is not supported, only X25519 age1… recipients"
                : "not an age recipient (expected the lower-case prefix 'age1')";
            return false;
        }

        if (dataLength != KeySize)
        {
            error = $"an X25519 recipient holds {KeySize} bytes, this one {dataLength}";
            return false;
        }

        var candidate = new AgeRecipient(data[..KeySize]);
        if (!YieldsSharedSecret(candidate))
        {
            // All zeros, one, and the other low-order points of Curve25519: X25519 with them gives an all-zero shared secret
            // whatever the sender's key, so nothing sealed to them could ever be opened. Refused when read, not at the first seal.
            error = "a low-order X25519 point (such as all zeros): every shared secret with it is zero, so no one could ever decrypt what is sealed to it";
            return false;
        }

        recipient = candidate;
        error = string.Empty;
        return true;
    }

    private static bool YieldsSharedSecret(AgeRecipient recipient)
    {
        using Key probe = Key.Create(KeyAgreementAlgorithm.X25519);
        using SharedSecret? shared = KeyAgreementAlgorithm.X25519.Agree(probe, recipient.PublicKey);
        return shared is not null;
    }
}
