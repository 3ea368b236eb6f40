namespace EdgeCapture.Appliance;

/// <summary>A device, key or database the appliance needs could not be opened; nothing was left running.</summary>
public sealed class ApplianceStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ApplianceStartException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public ApplianceStartException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public ApplianceStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Which part failed: <c>pinout</c>, <c>device key</c>, <c>outbox</c> or <c>relay</c>.</summary>
    public string? Component { get; init; }
}
