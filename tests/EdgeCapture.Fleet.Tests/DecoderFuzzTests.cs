using System.Text;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeCapture.Fleet.Tests;

/// <summary>"Bad input loses nothing": random and malformed payloads never crash a decoder; each gets a reason.</summary>
public sealed class DecoderFuzzTests : IDisposable
{
    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", "\"kind\":", "\"command\"", "\"payload\":", "\"signature\":", "\"signer\":", "\"ed25519:AAAA\"", ",", ":", "null",
        "true", "1e309", "-1", "\"\\u0000\"", "\"AAAA\"", "\"desired-configuration\"", "\"response\"", "\"version\":", "\"settings\":", "{}", "\u00ff",
    ];

    private readonly FleetTestKit _kit = new("box-1", "floor-3");

    [Property(MaxTest = 300)]
    public bool Random_bytes_on_the_command_topic_are_rejected_with_a_reason(byte[] payload)
    {
        CommandDecision decision = new CommandAuthorizer(_kit.DeviceId, _kit.Configuration, new SeenCommandRegistry(_kit.Database), _kit.Time).Authorize(payload);
        return !decision.IsAccepted && decision.Reason is not null && !string.IsNullOrEmpty(decision.Detail);
    }

    [Property(MaxTest = 300)]
    public Property Json_shaped_garbage_on_the_command_topic_is_rejected_with_a_reason()
    {
        Gen<string> garbage = Gen.Elements(Fragments).ListOf().Select(parts => string.Concat(parts));
        return Prop.ForAll(garbage.ToArbitrary(), text =>
        {
            CommandDecision decision = new CommandAuthorizer(_kit.DeviceId, _kit.Configuration, new SeenCommandRegistry(_kit.Database), _kit.Time).Authorize(Encoding.UTF8.GetBytes(text));
            return !decision.IsAccepted && decision.Reason is not null;
        });
    }

    [Property(MaxTest = 200)]
    public Property Any_single_byte_change_to_a_signed_command_is_never_accepted()
    {
        byte[] genuine = _kit.SignedFor(FleetCommandNames.StopRecording);
        return Prop.ForAll(Gen.Choose(0, genuine.Length - 1).ToArbitrary(), Gen.Choose(1, 255).ToArbitrary(), (index, delta) =>
        {
            byte[] mutated = (byte[])genuine.Clone();
            mutated[index] = (byte)(mutated[index] + delta);
            CommandDecision decision = new CommandAuthorizer(_kit.DeviceId, _kit.Configuration, new SeenCommandRegistry(_kit.Database), _kit.Time).Authorize(mutated);

            // A change inside base64 padding bits could decode to the same bytes; it must then still be the genuine command.
            return !decision.IsAccepted || SignedFleetMessage.Decode(mutated).Payload.Span.SequenceEqual(SignedFleetMessage.Decode(genuine).Payload.Span);
        });
    }

    [Property(MaxTest = 300)]
    public bool Random_bytes_never_crash_the_message_decoders(byte[] payload)
    {
        Expect(() => SignedFleetMessage.Decode(payload));
        Expect(() => FleetCommand.Decode(payload));
        Expect(() => FleetDesiredConfiguration.Decode(payload));
        Expect(() => FleetJsonMessages.Decode<FleetBirth>(payload));
        Expect(() => FleetJsonMessages.Decode<FleetStatus>(payload));
        Expect(() => FleetJsonMessages.Decode<FleetAuditEntry>(payload));
        Expect(() => FleetBoxConfiguration.Parse(payload, "fleet.json"));
        return true;
    }

    [Property(MaxTest = 200)]
    public Property Json_shaped_garbage_on_the_desired_topic_is_refused_with_a_reason()
    {
        Gen<string> garbage = Gen.Elements(Fragments).ListOf().Select(parts => string.Concat(parts));
        var actions = new RecordingFleetActions();
        var reconciler = new DesiredConfigurationReconciler(_kit.DeviceId, _kit.Configuration, _kit.Database, new AuditLog(_kit.Database, _kit.DeviceId), actions, new FakeDeviceFacts(_kit.DeviceKey.PublicKey), _kit.Time);
        return Prop.ForAll(garbage.ToArbitrary(), text =>
        {
            reconciler.HandleDesired(Encoding.UTF8.GetBytes(text), out string outcome);
            return outcome.Contains("refused", StringComparison.Ordinal) && reconciler.Effective().Count == 0;
        });
    }

    [Property(MaxTest = 200)]
    public Property Random_settings_in_a_signed_desired_document_are_each_applied_or_refused_with_a_reason()
    {
        string[] keys = [.. RemoteSettings.Keys, "recordingIndicator", "privacySwitch", "recipients", "deviceId", "gateBypass", "x"];
        string[] values = ["0", "1", "2", "60", "59", "1e9", "-5", "true", "false", "null", "\"text\"", "[]", "{}", "0.05", "600.5"];
        Gen<(string Key, string Value)[]> settings = Gen.Elements(keys).Zip(Gen.Elements(values)).ArrayOf();
        return Prop.ForAll(settings.ToArbitrary(), pairs =>
        {
            var distinct = pairs.DistinctBy(pair => pair.Key).ToArray();
            string json = "{" + string.Join(",", distinct.Select(pair => $"\"{pair.Key}\":{pair.Value}")) + "}";
            var actions = new RecordingFleetActions();
            var reconciler = new DesiredConfigurationReconciler(_kit.DeviceId, _kit.Configuration, _kit.Database, new AuditLog(_kit.Database, _kit.DeviceId), actions, new FakeDeviceFacts(_kit.DeviceKey.PublicKey), _kit.Time);
            long version = reconciler.Report().DeviceVersion + 1;
            reconciler.HandleDesired(_kit.Desired(FleetTarget.Device(_kit.DeviceId), version, json), out string outcome);
            FleetReportedConfiguration report = reconciler.Report();
            bool everyKeyAccounted = distinct.All(pair => report.Applied.ContainsKey(pair.Key) != report.Rejected.Any(r => r.Key == pair.Key && r.Version == version && r.Reason.Length > 0));
            bool noProtectedKey = !report.Applied.Keys.Any(key => key is "recordingIndicator" or "privacySwitch" or "recipients" or "deviceId" or "gateBypass");
            return everyKeyAccounted && noProtectedKey ? true : throw new InvalidOperationException(outcome + " / " + System.Text.Json.JsonSerializer.Serialize(report));
        });
    }

    public void Dispose() => _kit.Dispose();

    private static void Expect(Action decode)
    {
        try
        {
            decode();
        }
        catch (FleetMessageFormatException)
        {
            // The one failure a decoder may report.
        }
    }
}
