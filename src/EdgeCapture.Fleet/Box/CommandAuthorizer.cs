using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>
/// Decides whether a received command may run ("Governed control"): signed, by a trusted key, with a valid signature, by
/// a role allowed to issue it, addressed to this box or one of its groups, inside its validity (with the stated clock
/// tolerance), for no longer than the maximum lifetime, and never seen before. The id of an accepted command is recorded
/// durably before it is acted on, so it is never run twice, even across a crash.
/// </summary>
public sealed class CommandAuthorizer
{
    private readonly string _deviceId;
    private readonly FleetBoxConfiguration _configuration;
    private readonly SeenCommandRegistry _seen;
    private readonly TimeProvider _time;

    /// <summary>Creates the authorizer of one box.</summary>
    /// <param name="deviceId">The box's id.</param>
    /// <param name="configuration">Trusted signers, groups and limits (root-owned).</param>
    /// <param name="seen">The durable record of accepted ids.</param>
    /// <param name="time">The clock.</param>
    public CommandAuthorizer(string deviceId, FleetBoxConfiguration configuration, SeenCommandRegistry seen, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentNullException.ThrowIfNull(time);
        _deviceId = deviceId;
        _configuration = configuration;
        _seen = seen;
        _time = time;
    }

    /// <summary>Judges one received payload; never throws for any input.</summary>
    /// <param name="envelope">The MQTT payload.</param>
    /// <returns>The decision.</returns>
    public CommandDecision Authorize(ReadOnlyMemory<byte> envelope)
    {
        SignedFleetMessage message;
        try
        {
            message = SignedFleetMessage.Decode(envelope);
        }
        catch (FleetMessageFormatException exception)
        {
            return Reject(null, null, null, FleetRejections.Malformed, exception.Message);
        }

        if (message.Kind != FleetMessageKind.Command)
        {
            return Reject(null, null, null, FleetRejections.Malformed, $"a '{message.Kind}' message is not a command");
        }

        FleetCommand? command = TryDecode(message, out string? decodeError);
        if (!message.IsSigned)
        {
            return Reject(command, null, null, FleetRejections.NotSigned, "the command carries no signer or no signature");
        }

        string fingerprint = FleetFingerprint.Of(message.Signer!.ToString());
        TrustedSigner? signer = _configuration.TrustedSigners.FirstOrDefault(trusted => trusted.PublicKey.Equals(message.Signer));
        if (signer is null)
        {
            return Reject(command, null, fingerprint, FleetRejections.UnknownSigner, $"signer {fingerprint} is not trusted by this box");
        }

        if (!message.HasValidSignature())
        {
            return Reject(command, signer, fingerprint, FleetRejections.BadSignature, $"the signature does not verify for {signer.Name} ({fingerprint}): forged or altered");
        }

        if (command is null)
        {
            return Reject(null, signer, fingerprint, FleetRejections.Malformed, decodeError!);
        }

        if (!command.Target.Addresses(_deviceId, _configuration.Groups))
        {
            return Reject(command, signer, fingerprint, FleetRejections.WrongDevice, $"addressed to {command.Target}, this is {_deviceId} in groups [{string.Join(", ", _configuration.Groups)}]");
        }

        if (!FleetCommandNames.IsAllowed(command.Name, signer.Role))
        {
            return Reject(command, signer, fingerprint, FleetRejections.WrongRole, $"{command.Name} needs the {FleetCommandNames.RequiredRoleDescription(command.Name)} role; {signer.Name} is {FleetRoleNames.Name(signer.Role)}");
        }

        DateTimeOffset now = _time.GetUtcNow();
        TimeSpan tolerance = _configuration.ClockTolerance;
        if (command.IssuedAt > now + tolerance)
        {
            return Reject(command, signer, fingerprint, FleetRejections.NotYetValid, $"issued at {FleetJson.FormatTime(command.IssuedAt)}, after this box's {FleetJson.FormatTime(now)} plus the {tolerance.TotalSeconds:0} s clock tolerance");
        }

        if (command.ExpiresAt < now - tolerance)
        {
            return Reject(command, signer, fingerprint, FleetRejections.Expired, $"expired at {FleetJson.FormatTime(command.ExpiresAt)}, before this box's {FleetJson.FormatTime(now)} minus the {tolerance.TotalSeconds:0} s clock tolerance");
        }

        if (command.ExpiresAt - command.IssuedAt > _configuration.MaximumCommandLifetime)
        {
            return Reject(command, signer, fingerprint, FleetRejections.LifetimeTooLong, $"valid for {(command.ExpiresAt - command.IssuedAt).TotalSeconds:0} s; this box accepts at most {_configuration.MaximumCommandLifetime.TotalSeconds:0} s");
        }

        // Remembered until it can no longer pass the expiry check above.
        if (!_seen.TryRecord(command.Id, command.ExpiresAt + tolerance + TimeSpan.FromSeconds(1), now))
        {
            return Reject(command, signer, fingerprint, FleetRejections.Replayed, $"command id {command.Id} was accepted before");
        }

        return new CommandDecision { Command = command, Signer = signer, SignerFingerprint = fingerprint };
    }

    private static FleetCommand? TryDecode(SignedFleetMessage message, out string? error)
    {
        try
        {
            error = null;
            return FleetCommand.Decode(message.Payload);
        }
        catch (FleetMessageFormatException exception)
        {
            error = exception.Message;
            return null;
        }
    }

    private static CommandDecision Reject(FleetCommand? command, TrustedSigner? signer, string? fingerprint, string reason, string detail) =>
        new() { Command = command, Signer = signer, SignerFingerprint = fingerprint, Reason = reason, Detail = detail };
}
