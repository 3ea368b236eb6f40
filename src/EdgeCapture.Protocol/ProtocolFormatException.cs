namespace EdgeCapture.Protocol;

/// <summary>
/// A message on an EdgeCapture topic is malformed, oversized, of an unknown type or version, or inconsistent
/// ("Bad input loses nothing": the receiver logs the message and drops the message, never its own data).
/// The message says what is wrong and never contains payload bytes.
/// </summary>
public sealed class ProtocolFormatException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ProtocolFormatException()
        : base("The message is malformed.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong.</param>
    public ProtocolFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ProtocolFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
