namespace EdgeCapture.Protocol.Fleet;

/// <summary>A fleet message is malformed; the message says what is wrong (never with key material).</summary>
public sealed class FleetMessageFormatException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public FleetMessageFormatException()
        : base("The fleet message is malformed.")
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    /// <param name="message">What is wrong.</param>
    public FleetMessageFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public FleetMessageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
