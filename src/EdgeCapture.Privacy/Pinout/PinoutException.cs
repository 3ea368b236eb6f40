namespace EdgeCapture.Privacy.Pinout;

/// <summary>The pinout file is missing, unreadable or invalid. The message names the file, the JSON path and the problem.</summary>
public sealed class PinoutException : Exception
{
    /// <summary>Creates an exception for a problem at <paramref name="jsonPath"/> of <paramref name="source"/>.</summary>
    /// <param name="source">The file path or source name.</param>
    /// <param name="jsonPath">Where in the document, like <c>$.privacySwitch.line</c>.</param>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public PinoutException(string source, string jsonPath, string problem, Exception? innerException = null)
        : base($"{source}: {jsonPath}: {problem}", innerException)
    {
        SourceName = source;
        JsonPath = jsonPath;
        Problem = problem;
    }

    /// <summary>Creates an exception with a message.</summary>
    public PinoutException()
        : this("pinout", "$", "invalid pinout")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public PinoutException(string message)
        : this("pinout", "$", message)
    {
    }

    /// <summary>Creates an exception with a message and cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PinoutException(string message, Exception innerException)
        : this("pinout", "$", message, innerException)
    {
    }

    /// <summary>The file path or source name.</summary>
    public string SourceName { get; }

    /// <summary>Where in the document the problem is.</summary>
    public string JsonPath { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}
