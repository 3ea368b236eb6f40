namespace EdgeCapture.Appliance;

/// <summary>
/// The appliance configuration was refused: malformed JSON, an unknown key, a value of the wrong type or out of range.
/// The message names the offending key (as a JSON path such as <c>recipients[1]</c>); nothing of the configuration is applied.
/// </summary>
public sealed class ApplianceConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ApplianceConfigurationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong.</param>
    public ApplianceConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public ApplianceConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one key.</summary>
    /// <param name="key">The JSON path of the key.</param>
    /// <param name="message">What is wrong with it.</param>
    public ApplianceConfigurationException(string key, string message)
        : base($"{key}: {message}")
    {
        Key = key;
    }

    /// <summary>The JSON path of the offending key, when one key is at fault.</summary>
    public string? Key { get; init; }
}
