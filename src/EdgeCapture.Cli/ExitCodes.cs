using ApplianceHost = EdgeCapture.Appliance.Appliance;

namespace EdgeCapture.Cli;

/// <summary>
/// The exit codes of every <c>edgecapture</c> command, one set, so scripts and systemd read them the same way whatever
/// the command. Nothing else in the CLI defines an exit code or returns a bare number other than 0.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>
    /// The command ran and the answer is no: a verification or decryption failed, an export found tampering or a gap, the
    /// installed HID descriptors differ from this build's, a fleet command was refused, a device is not enrolled.
    /// </summary>
    public const int Failed = 1;

    /// <summary>The command line or the configuration is wrong (unknown option, malformed argument, a key refused); nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>Something the command needs cannot be opened or reached: a device, file, key file, database or broker.</summary>
    public const int Unavailable = 3;

    /// <summary>The appliance stopped for a signed <c>restart-service</c> command; systemd's <c>Restart=</c> starts it again.</summary>
    public const int RestartRequested = ApplianceHost.RestartExitCode;
}
