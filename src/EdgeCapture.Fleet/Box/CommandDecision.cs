using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>The verdict on a received command: accepted (with what and by whom) or rejected with a reason code.</summary>
public sealed record CommandDecision
{
    /// <summary>Whether the command may run.</summary>
    public bool IsAccepted => Reason is null;

    /// <summary>The command, when it could be decoded (also for most rejections).</summary>
    public FleetCommand? Command { get; init; }

    /// <summary>The trusted signer, when the signer is trusted.</summary>
    public TrustedSigner? Signer { get; init; }

    /// <summary>Fingerprint of the key that claimed to sign, or null when unsigned.</summary>
    public string? SignerFingerprint { get; init; }

    /// <summary>A <see cref="FleetRejections"/> code, or null when accepted.</summary>
    public string? Reason { get; init; }

    /// <summary>What exactly is wrong, for the response, the audit and the log.</summary>
    public string? Detail { get; init; }
}
