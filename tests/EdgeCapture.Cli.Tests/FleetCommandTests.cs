using System.CommandLine;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Fleet.View;
using EdgeCapture.Protocol;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Cli.Tests;

/// <summary><c>edgecapture fleet devices|status|audit</c> against the collector's fleet view file, and the refusals of <c>fleet command</c>.</summary>
public sealed class FleetCommandTests : IDisposable
{
    private const string Device = "cli-box";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-cli-fleet-");
    private readonly DeviceSigningKey _deviceKey = DeviceSigningKey.Generate();

    private string ViewPath => Path.Combine(_directory.FullName, "fleet-view.db");

    public void Dispose()
    {
        _deviceKey.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Devices_lists_the_box_as_json_and_as_a_table()
    {
        WriteView(breakChain: false);
        (int code, string output, _) = await RunAsync("fleet", "devices", "--view", ViewPath, "--json");
        Assert.Equal(0, code);
        using JsonDocument document = JsonDocument.Parse(output);
        JsonElement device = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal(Device, device.GetProperty("deviceId").GetString());
        Assert.True(device.GetProperty("online").GetBoolean());
        Assert.Equal("1.2.3", device.GetProperty("birth").GetProperty("versions").GetProperty("app").GetString());
        Assert.Equal(FleetPrivacyStates.Recording, device.GetProperty("status").GetProperty("privacy").GetString());

        (code, output, _) = await RunAsync("fleet", "devices", "--view", ViewPath);
        Assert.Equal(0, code);
        Assert.Contains(Device, output, StringComparison.Ordinal);
        Assert.Contains("online", output, StringComparison.Ordinal);
        Assert.Contains("3 seg", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_shows_one_box_and_an_unknown_box_fails_naming_it()
    {
        WriteView(breakChain: false);
        (int code, string output, _) = await RunAsync("fleet", "status", Device, "--view", ViewPath, "--json");
        Assert.Equal(0, code);
        using JsonDocument document = JsonDocument.Parse(output);
        Assert.Equal(7, document.RootElement.GetProperty("birth").GetProperty("bdSeq").GetInt64());
        Assert.True(document.RootElement.GetProperty("status").GetProperty("indicatorLit").GetBoolean());

        (code, output, _) = await RunAsync("fleet", "status", Device, "--view", ViewPath);
        Assert.Equal(0, code);
        Assert.Contains("v4l2-bridge", output, StringComparison.Ordinal);

        (code, _, string error) = await RunAsync("fleet", "status", "other-box", "--view", ViewPath);
        Assert.Equal(1, code);
        Assert.Contains("other-box", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_shows_the_entries_with_the_chain_checked_and_fails_on_a_broken_chain()
    {
        WriteView(breakChain: false);
        (int code, string output, _) = await RunAsync("fleet", "audit", "--view", ViewPath, "--json");
        Assert.Equal(0, code);
        using (JsonDocument document = JsonDocument.Parse(output))
        {
            Assert.Equal(2, document.RootElement.GetArrayLength());
            Assert.All(document.RootElement.EnumerateArray(), entry => Assert.True(entry.GetProperty("chainOk").GetBoolean()));
        }

        WriteView(breakChain: true);
        (code, output, _) = await RunAsync("fleet", "audit", "--view", ViewPath);
        Assert.Equal(1, code);
        Assert.Contains("BROKEN", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_view_file_a_missing_key_and_a_bad_target_are_refused_with_the_reason()
    {
        (int code, _, string error) = await RunAsync("fleet", "devices", "--view", Path.Combine(_directory.FullName, "none.db"));
        Assert.Equal(1, code);
        Assert.Contains("cannot read the fleet view", error, StringComparison.Ordinal);

        (code, _, error) = await RunAsync("fleet", "command", Device, "status", "--key", Path.Combine(_directory.FullName, "missing.key"), "--broker", "127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.Contains("cannot use the signing key", error, StringComparison.Ordinal);

        (code, _, error) = await RunAsync("fleet", "command", "a/+", "status", "--key", "k");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.NotEmpty(error);

        (code, _, error) = await RunAsync("fleet", "command", Device, "type-keys", "--key", "k");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("unknown command", error, StringComparison.Ordinal);
    }

    /// <summary>What the collector's observer stores for one box: its signed presence birth, a status and two audit entries.</summary>
    private void WriteView(bool breakChain)
    {
        File.Delete(ViewPath);
        using FleetViewStore store = FleetViewStore.Open(ViewPath);
        var observer = new FleetObserver(store, TimeProvider.System);
        var birth = new FleetBirth(Device, 7, DateTimeOffset.UtcNow, new FleetVersions("1.2.3", "fw-4", "Raspberry Pi 4"), "v4l2-bridge",
            new FleetKeyFingerprints(FleetFingerprint.Of(_deviceKey.PublicKey.ToString()), _deviceKey.PublicKey.ToString(), [], []), "sha256:00", FleetPrivacyStates.Recording, []);
        byte[] presence = PresenceCodec.Encode(new PresenceMessage(Device, true, 7, DateTimeOffset.UtcNow, FleetJsonMessages.Encode(birth)), new SigningKeyMessageSigner(_deviceKey));
        observer.Receive(new FleetIncomingMessage(UploadTopics.Presence(Device), presence, true, null, default));
        var status = new FleetStatus(Device, 7, 1, DateTimeOffset.UtcNow, FleetPrivacyStates.Recording, true, false, new FleetRelayCounters(10, 0, 0),
            new FleetCaptureState(true, "1920x1080", 2), new FleetOutboxBacklog(3, 4096), 1 << 30, 12, null);
        observer.Receive(new FleetIncomingMessage(FleetTopics.Status(Device), FleetJsonMessages.Encode(status), true, null, default));
        using FleetDatabase database = FleetDatabase.Open(Path.Combine(_directory.FullName, $"box-{Guid.NewGuid():N}.db"));
        var audit = new AuditLog(database, Device);
        FleetAuditEntry first = audit.Append(DateTimeOffset.UtcNow, "command", "stop-recording", "c1", "f", "operator", FleetOutcomes.Done, null, null);
        FleetAuditEntry second = audit.Append(DateTimeOffset.UtcNow, "command", "set-recipients", "c2", "f", "operator", FleetOutcomes.Rejected, "wrong-role", null);
        observer.Receive(new FleetIncomingMessage(FleetTopics.Audit(Device), FleetJsonMessages.Encode(first), false, null, default));
        observer.Receive(new FleetIncomingMessage(FleetTopics.Audit(Device), FleetJsonMessages.Encode(breakChain ? second with { PreviousHash = first.PreviousHash } : second), false, null, default));
        Assert.Equal(0, observer.View.Malformed);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await Program.RunAsync(arguments, new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
