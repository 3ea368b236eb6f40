using System.Text.Json;

namespace EdgeCapture.Protocol.Fleet;

/// <summary>The outcomes of a command.</summary>
public static class FleetOutcomes
{
    /// <summary>Accepted and carried out.</summary>
    public const string Done = "done";

    /// <summary>Refused before anything happened (see <see cref="FleetRejections"/>).</summary>
    public const string Rejected = "rejected";

    /// <summary>Accepted, but carrying it out failed.</summary>
    public const string Failed = "failed";
}

/// <summary>Why a command or desired document was refused; the reason codes of responses and audit entries.</summary>
public static class FleetRejections
{
    /// <summary>Not an envelope, or a payload that does not decode.</summary>
    public const string Malformed = "malformed";

    /// <summary>No signer or no signature.</summary>
    public const string NotSigned = "unsigned";

    /// <summary>The signer is not among the box's trusted signers.</summary>
    public const string UnknownSigner = "unknown-signer";

    /// <summary>The signature does not verify (forged or altered).</summary>
    public const string BadSignature = "bad-signature";

    /// <summary>The signer's role may not issue this.</summary>
    public const string WrongRole = "wrong-role";

    /// <summary>Past its expiry (beyond the clock tolerance).</summary>
    public const string Expired = "expired";

    /// <summary>Issued in the future (beyond the clock tolerance).</summary>
    public const string NotYetValid = "not-yet-valid";

    /// <summary>Valid for longer than the box accepts (a bounded lifetime bounds the replay memory).</summary>
    public const string LifetimeTooLong = "lifetime-too-long";

    /// <summary>Addressed to another device or a group the box is not in.</summary>
    public const string WrongDevice = "wrong-device";

    /// <summary>Its id was accepted before.</summary>
    public const string Replayed = "replayed";

    /// <summary>A desired document older than or conflicting with the applied version.</summary>
    public const string VersionConflict = "version-conflict";
}

/// <summary>
/// A box's answer to a command, sent as a <see cref="FleetMessageKind.Response"/> envelope signed with the device key to
/// the command's Response Topic with its Correlation Data.
/// </summary>
/// <param name="CommandId">The command's id (or <c>unknown</c> when it could not be read).</param>
/// <param name="Device">The answering device.</param>
/// <param name="Command">The command name (or <c>unknown</c>).</param>
/// <param name="Outcome">See <see cref="FleetOutcomes"/>.</param>
/// <param name="Reason">A <see cref="FleetRejections"/> code for rejections, null otherwise.</param>
/// <param name="Detail">Human-readable detail.</param>
/// <param name="RespondedAt">When.</param>
/// <param name="Result">Command-specific result (e.g. the status), or null.</param>
public sealed record FleetResponse(string CommandId, string Device, string Command, string Outcome, string? Reason, string? Detail, DateTimeOffset RespondedAt, JsonElement? Result);
