namespace EdgeCapture.Fleet.Operators;

/// <summary>The broker could not be reached, refused the operator's connection, or refused a publish (its ACL).</summary>
public sealed class FleetBrokerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FleetBrokerException()
    {
    }

    /// <summary>Creates the exception with its reason.</summary>
    /// <param name="message">What failed and why.</param>
    public FleetBrokerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its reason and cause.</summary>
    /// <param name="message">What failed and why.</param>
    /// <param name="innerException">The cause.</param>
    public FleetBrokerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
