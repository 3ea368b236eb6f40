using System.Text;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Tests;

/// <summary>"Governed control": signed, trusted, role-checked, addressed, in time, never twice.</summary>
public sealed class CommandAuthorizerTests : IDisposable
{
    private readonly FleetTestKit _kit = new("box-1", "floor-3");

    private CommandAuthorizer Authorizer() => new(_kit.DeviceId, _kit.Configuration, new SeenCommandRegistry(_kit.Database), _kit.Time);

    [Fact]
    public void An_operator_signed_command_for_this_box_is_accepted()
    {
        CommandDecision decision = Authorizer().Authorize(_kit.SignedFor(FleetCommandNames.StopRecording));
        Assert.True(decision.IsAccepted, decision.Detail);
        Assert.Equal("it-alice", decision.Signer!.Name);
    }

    [Fact]
    public void An_unsigned_command_is_rejected()
    {
        byte[] envelope = SignedFleetMessage.WithoutSignature(FleetMessageKind.Command, FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Device("box-1"), _kit.Time.GetUtcNow()).Encode());
        Assert.Equal(FleetRejections.NotSigned, Authorizer().Authorize(envelope).Reason);
    }

    [Fact]
    public void A_command_signed_by_an_untrusted_key_is_rejected()
    {
        Assert.Equal(FleetRejections.UnknownSigner, Authorizer().Authorize(_kit.SignedFor(FleetCommandNames.Status, _kit.Stranger)).Reason);
    }

    [Fact]
    public void A_forged_signature_claiming_a_trusted_key_is_rejected()
    {
        // Signed by a stranger, but the envelope names the operator's key.
        FleetCommand command = FleetTestKit.Command(FleetCommandNames.StopRecording, FleetTarget.Device("box-1"), _kit.Time.GetUtcNow());
        string genuine = Encoding.UTF8.GetString(_kit.Signed(command, _kit.Stranger));
        string forged = genuine.Replace(_kit.Stranger.PublicKey.ToString(), _kit.Operator.PublicKey.ToString(), StringComparison.Ordinal);
        Assert.Equal(FleetRejections.BadSignature, Authorizer().Authorize(Encoding.UTF8.GetBytes(forged)).Reason);
    }

    [Fact]
    public void An_altered_payload_under_a_valid_signature_is_rejected()
    {
        FleetCommand command = FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Device("box-1"), _kit.Time.GetUtcNow());
        SignedFleetMessage genuine = SignedFleetMessage.Decode(_kit.Signed(command));
        byte[] altered = (command with { Name = FleetCommandNames.PurgeOutbox }).Encode();
        string text = Encoding.UTF8.GetString(_kit.Signed(command)).Replace(Convert.ToBase64String(genuine.Payload.Span), Convert.ToBase64String(altered), StringComparison.Ordinal);
        Assert.Equal(FleetRejections.BadSignature, Authorizer().Authorize(Encoding.UTF8.GetBytes(text)).Reason);
    }

    [Fact]
    public void An_operator_signed_set_recipients_is_rejected_for_wrong_role()
    {
        CommandDecision decision = Authorizer().Authorize(_kit.SignedFor(FleetCommandNames.SetRecipients, _kit.Operator));
        Assert.Equal(FleetRejections.WrongRole, decision.Reason);
        Assert.Contains("custodian", decision.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_custodian_signed_set_recipients_is_accepted_but_the_custodian_cannot_stop_recording()
    {
        Assert.True(Authorizer().Authorize(_kit.SignedFor(FleetCommandNames.SetRecipients, _kit.Custodian)).IsAccepted);
        Assert.Equal(FleetRejections.WrongRole, Authorizer().Authorize(_kit.SignedFor(FleetCommandNames.StopRecording, _kit.Custodian)).Reason);
    }

    [Fact]
    public void An_expired_command_is_rejected_beyond_the_clock_tolerance_only()
    {
        FleetCommand command = FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Device("box-1"), _kit.Time.GetUtcNow(), lifetime: TimeSpan.FromMinutes(1));
        byte[] envelope = _kit.Signed(command);
        _kit.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(31));
        Assert.Equal(FleetRejections.Expired, Authorizer().Authorize(envelope).Reason);

        FleetCommand late = FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Device("box-1"), _kit.Time.GetUtcNow() - TimeSpan.FromMinutes(1) - TimeSpan.FromSeconds(29), lifetime: TimeSpan.FromMinutes(1));
        Assert.True(Authorizer().Authorize(_kit.Signed(late)).IsAccepted);
    }

    [Fact]
    public void A_command_issued_in_the_future_is_not_yet_valid_beyond_the_tolerance()
    {
        FleetCommand future = FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Device("box-1"), _kit.Time.GetUtcNow() + TimeSpan.FromSeconds(31));
        Assert.Equal(FleetRejections.NotYetValid, Authorizer().Authorize(_kit.Signed(future)).Reason);
        FleetCommand slightlyAhead = FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Device("box-1"), _kit.Time.GetUtcNow() + TimeSpan.FromSeconds(29));
        Assert.True(Authorizer().Authorize(_kit.Signed(slightlyAhead)).IsAccepted);
    }

    [Fact]
    public void A_command_valid_for_longer_than_the_maximum_lifetime_is_rejected()
    {
        FleetCommand command = FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Device("box-1"), _kit.Time.GetUtcNow(), lifetime: TimeSpan.FromDays(2));
        Assert.Equal(FleetRejections.LifetimeTooLong, Authorizer().Authorize(_kit.Signed(command)).Reason);
    }

    [Fact]
    public void A_command_for_another_device_or_group_is_rejected_and_a_group_of_the_box_is_accepted()
    {
        Assert.Equal(FleetRejections.WrongDevice, Authorizer().Authorize(_kit.Signed(FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Device("box-2"), _kit.Time.GetUtcNow()))).Reason);
        Assert.Equal(FleetRejections.WrongDevice, Authorizer().Authorize(_kit.Signed(FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Group("floor-4"), _kit.Time.GetUtcNow()))).Reason);
        Assert.True(Authorizer().Authorize(_kit.Signed(FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Group("floor-3"), _kit.Time.GetUtcNow()))).IsAccepted);
    }

    [Fact]
    public void A_replayed_command_is_rejected_even_after_a_restart()
    {
        byte[] envelope = _kit.SignedFor(FleetCommandNames.StopRecording);
        Assert.True(Authorizer().Authorize(envelope).IsAccepted);
        Assert.Equal(FleetRejections.Replayed, Authorizer().Authorize(envelope).Reason);
        _kit.Reopen();
        Assert.Equal(FleetRejections.Replayed, Authorizer().Authorize(envelope).Reason);
    }

    [Fact]
    public void Seen_ids_are_forgotten_only_once_the_command_could_no_longer_pass_the_expiry_check()
    {
        var seen = new SeenCommandRegistry(_kit.Database);
        byte[] envelope = _kit.SignedFor(FleetCommandNames.Status);
        Assert.True(new CommandAuthorizer(_kit.DeviceId, _kit.Configuration, seen, _kit.Time).Authorize(envelope).IsAccepted);
        _kit.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(29));
        Assert.Equal(FleetRejections.Replayed, new CommandAuthorizer(_kit.DeviceId, _kit.Configuration, seen, _kit.Time).Authorize(envelope).Reason);
        _kit.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(FleetRejections.Expired, new CommandAuthorizer(_kit.DeviceId, _kit.Configuration, seen, _kit.Time).Authorize(envelope).Reason);
        seen.TryRecord("another-id-1", _kit.Time.GetUtcNow() + TimeSpan.FromMinutes(1), _kit.Time.GetUtcNow());
        Assert.Equal(1, seen.Count());
    }

    [Fact]
    public void A_desired_configuration_envelope_is_not_a_command()
    {
        byte[] desired = _kit.Desired(FleetTarget.Device("box-1"), 1, "{}");
        Assert.Equal(FleetRejections.Malformed, Authorizer().Authorize(desired).Reason);
    }

    [Fact]
    public void Unknown_commands_and_bad_arguments_are_malformed()
    {
        Assert.Equal(FleetRejections.Malformed, Authorizer().Authorize(_kit.SignedFor("type-text")).Reason);
        Assert.Equal(FleetRejections.Malformed, Authorizer().Authorize(_kit.SignedFor(FleetCommandNames.ForgetWindow, arguments: "{\"minutes\":0}")).Reason);
        Assert.Equal(FleetRejections.Malformed, Authorizer().Authorize(_kit.SignedFor(FleetCommandNames.StopRecording, arguments: "{\"force\":true}")).Reason);
        Assert.Equal(FleetRejections.Malformed, Authorizer().Authorize(_kit.SignedFor(FleetCommandNames.SetRecipients, _kit.Custodian, "{\"recipients\":[\"age1notarecipient\"]}")).Reason);
    }

    public void Dispose() => _kit.Dispose();
}
