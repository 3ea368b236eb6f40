namespace EdgeCapture.Cli.Commands;

/// <summary>
/// Exit codes of <c>edgecapture keys|encrypt|decrypt</c>, so scripts can tell what went wrong.
/// </summary>
internal static class CryptoExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The age file cannot be opened: damaged header, header MAC, payload or armor, or no identity matches.</summary>
    public const int CryptoFailure = 1;

    /// <summary>The command line is wrong: missing or malformed arguments, malformed recipient, binary output to a terminal.</summary>
    public const int Usage = 2;

    /// <summary>A file problem: a key file is malformed or unreadable, an input or output cannot be opened, a key file already exists.</summary>
    public const int FileProblem = 3;
}
