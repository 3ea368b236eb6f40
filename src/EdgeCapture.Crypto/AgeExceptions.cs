namespace EdgeCapture.Crypto;

/// <summary>
/// Base class of every failure reading or writing an age file. Messages describe what is wrong with the
/// file and where; they never contain key material or plaintext.
/// </summary>
/// <remarks>
/// The subclasses map one to one to the outcome classes of the C2SP age test vectors:
/// <see cref="AgeHeaderException"/> (header failure), <see cref="AgeHmacException"/> (HMAC failure),
/// <see cref="AgePayloadException"/> (payload failure), <see cref="AgeNoIdentityMatchException"/> (no match),
/// <see cref="AgeArmorException"/> (armor failure). <see cref="AgeKeyFormatException"/> is for key strings and files.
/// </remarks>
public class AgeException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public AgeException()
        : base("The age file could not be processed.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    public AgeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AgeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The header is malformed or uses something this reader refuses: wrong version line, unknown line,
/// non-canonical base64, a malformed stanza, an invalid X25519 stanza (wrong share length, all-zero shared
/// secret, wrong wrapped-key length), a malformed MAC line, or a missing payload nonce.
/// </summary>
public sealed class AgeHeaderException : AgeException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public AgeHeaderException()
        : base("The age header is malformed.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    public AgeHeaderException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AgeHeaderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The file key was unwrapped but the header MAC does not match: the header was changed after it was written.
/// </summary>
public sealed class AgeHmacException : AgeException
{
    /// <summary>Creates the exception with the standard message.</summary>
    public AgeHmacException()
        : base("The age header MAC does not match: the header was modified.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    public AgeHmacException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AgeHmacException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The encrypted payload is damaged: a chunk fails authentication (modified, reordered, or truncated),
/// the final chunk is missing or empty, or data follows the final chunk. Plaintext of the chunks before the
/// failing one may already have been returned; nothing at or after it ever is.
/// </summary>
public sealed class AgePayloadException : AgeException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public AgePayloadException()
        : base("The age payload is damaged.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    public AgePayloadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AgePayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// None of the given identities can open the file: no X25519 stanza unwraps with any of them, no identity was
/// given at all, or the file and identities only use recipient types this implementation does not support
/// (scrypt passphrases, post-quantum <c>mlkem768x25519</c>, plugins).
/// </summary>
public class AgeNoIdentityMatchException : AgeException
{
    /// <summary>Creates the exception with the standard message.</summary>
    public AgeNoIdentityMatchException()
        : base("No identity matches any recipient of this age file.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    public AgeNoIdentityMatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AgeNoIdentityMatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// An identity is a valid age identity of a type this implementation does not support
/// (<c>AGE-SECRET-KEY-PQ-1…</c>, <c>AGE-PLUGIN-…</c>). It can never match, hence the base class.
/// </summary>
public sealed class AgeUnsupportedIdentityException : AgeNoIdentityMatchException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public AgeUnsupportedIdentityException()
        : base("The identity is of an age type this implementation does not support; only X25519 identities are.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    public AgeUnsupportedIdentityException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AgeUnsupportedIdentityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The ASCII armor (PEM <c>AGE ENCRYPTED FILE</c>) is malformed: wrong begin or end line, a line too long or
/// too short, non-canonical or unpadded base64, whitespace inside, or data outside the armor.
/// </summary>
public sealed class AgeArmorException : AgeException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public AgeArmorException()
        : base("The age armor is malformed.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    public AgeArmorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AgeArmorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A recipient (<c>age1…</c>), identity (<c>AGE-SECRET-KEY-1…</c>), recipients file or identity file is malformed.
/// The message names the problem and the line number, never the key text.
/// </summary>
public sealed class AgeKeyFormatException : AgeException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public AgeKeyFormatException()
        : base("The age key is malformed.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    public AgeKeyFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong, without key material.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AgeKeyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
