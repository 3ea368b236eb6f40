using System.Text;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.Operators;
using EdgeCapture.Fleet.View;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Tests;

/// <summary>
/// The box's agent against a real broker: the embedded MQTTnet broker and a real Mosquitto started by the test.
/// Presence, status, desired configuration and every command, accepted or rejected, with correlated signed responses.
/// </summary>
public sealed class AgentOverBrokerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static TheoryData<string> Brokers => ["embedded", "mosquitto"];

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Birth_on_connect_death_on_a_killed_box_and_a_stale_death_is_ignored(string broker)
    {
        await using ITestBroker server = await StartBrokerAsync(broker);
        using var kit = new FleetTestKit("box-1") { Clock = TimeProvider.System };
        await using FleetOperatorSession operatorSession = await ConnectOperatorAsync(server);
        TestBox box = await TestBox.StartAsync(kit, server.Port);
        await Eventually.TrueAsync(() => operatorSession.View.Device("box-1")?.IsOnline == true, Wait, "birth seen");
        FleetBirth birth = operatorSession.View.Device("box-1")!.Birth!;
        Assert.Equal(1, birth.BdSeq);
        Assert.Equal(kit.DeviceKey.PublicKey.ToString(), birth.Keys.DevicePublicKey);
        Assert.Equal(2, birth.Keys.TrustedSigners.Count);
        Assert.Equal("v4l2-bridge", birth.CapturePath);

        await box.KillAsync();
        await Eventually.TrueAsync(() => operatorSession.View.Device("box-1")?.IsOnline == false, Wait, "death seen");
        Assert.Equal(1, operatorSession.View.Device("box-1")!.Death!.BdSeq);

        // The box comes back (same database: the next bdSeq), then a late Will of the old connection arrives.
        await using TestBox again = await TestBox.StartAsync(kit, server.Port);
        // Every connect attempt takes a new bdSeq (the cut box may have tried again before it stopped): only "newer" matters.
        await Eventually.TrueAsync(() => operatorSession.View.Device("box-1")?.Birth?.BdSeq > 1 && operatorSession.View.Device("box-1")!.IsOnline, Wait, "fresh birth seen");
        await PublishRawAsync(server, FleetTopics.Death("box-1"), FleetJsonMessages.Encode(new FleetDeath("box-1", 1)), retain: true);
        await using FleetOperatorSession late = await ConnectOperatorAsync(server);
        await Eventually.TrueAsync(() => late.View.Device("box-1")?.Death?.BdSeq == 1 && late.View.Device("box-1")?.Birth?.BdSeq > 1, Wait, "retained birth and stale death read by a new observer");
        Assert.True(late.View.Device("box-1")!.IsOnline);
        Assert.True(operatorSession.View.Device("box-1")!.IsOnline);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Status_reflects_a_switch_flip_within_one_interval(string broker)
    {
        await using ITestBroker server = await StartBrokerAsync(broker);
        using var kit = new FleetTestKit("box-1") { Clock = TimeProvider.System };
        await using FleetOperatorSession operatorSession = await ConnectOperatorAsync(server);
        await using TestBox box = await TestBox.StartAsync(kit, server.Port);
        await Eventually.TrueAsync(() => operatorSession.View.Device("box-1")?.Status?.Privacy == FleetPrivacyStates.Recording, Wait, "first status");
        DateTime flipped = DateTime.UtcNow;
        box.Facts.SetPrivacy(FleetPrivacyStates.Private, indicatorLit: false);
        await Eventually.TrueAsync(() => operatorSession.View.Device("box-1")?.Status?.Privacy == FleetPrivacyStates.Private, kit.Configuration.StatusInterval, "private status within one interval");
        Assert.False(operatorSession.View.Device("box-1")!.Status!.IndicatorLit);
        Assert.True(DateTime.UtcNow - flipped <= kit.Configuration.StatusInterval);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Every_command_round_trips_with_a_correlated_signed_response(string broker)
    {
        await using ITestBroker server = await StartBrokerAsync(broker);
        using var kit = new FleetTestKit("box-1") { Clock = TimeProvider.System };
        await using FleetOperatorSession operatorSession = await ConnectOperatorAsync(server);
        await using TestBox box = await TestBox.StartAsync(kit, server.Port);
        await Eventually.TrueAsync(() => operatorSession.View.Device("box-1")?.IsOnline == true, Wait, "birth");
        foreach (string name in FleetCommandNames.All)
        {
            var key = name == FleetCommandNames.SetRecipients ? kit.Custodian : kit.Operator;
            FleetCommand command = FleetTestKit.Command(name, FleetTarget.Device("box-1"), DateTimeOffset.UtcNow);
            VerifiedResponse response = Assert.Single(await operatorSession.SendAsync(command, key, 1, Wait, null, CancellationToken.None));
            Assert.Equal(command.Id, response.Response.CommandId);
            Assert.True(response.SignatureVerified, name);
            Assert.Equal(FleetOutcomes.Done, response.Response.Outcome);
            Assert.Equal(name, response.Response.Command);
        }

        Assert.Contains("purge-outbox", box.Actions.Calls);
        Assert.Contains("restart-service", box.Actions.Calls);
        Assert.Contains("forget-window 5", box.Actions.Calls);
        Assert.NotNull(box.Actions.Recipients);
        Assert.False(box.Hold.IsStopped);
        Assert.True(box.Agent.Audit.Verify(out _));
        Assert.Equal(FleetCommandNames.All.Count, box.Agent.Audit.ReadAll().Count(entry => entry.Kind == "command"));
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task A_group_command_reaches_every_box_of_the_group_only(string broker)
    {
        await using ITestBroker server = await StartBrokerAsync(broker);
        await using FleetOperatorSession operatorSession = await ConnectOperatorAsync(server);
        var kits = new List<FleetTestKit>();
        var boxes = new List<TestBox>();
        using var shared = new FleetTestKit("unused") { Clock = TimeProvider.System };
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var kit = new FleetTestKit($"box-{i}", i < 3 ? ["floor-3"] : ["floor-4"]) { Clock = TimeProvider.System };
                kit.Configuration = kit.Configuration with { TrustedSigners = shared.Configuration.TrustedSigners };
                kits.Add(kit);
                boxes.Add(await TestBox.StartAsync(kit, server.Port));
            }

            await Eventually.TrueAsync(() => operatorSession.View.Devices().Count(d => d.IsOnline) == 4, Wait, "four births");
            Assert.Equal(3, operatorSession.OnlineDevicesOf(FleetTarget.Group("floor-3")).Count);
            FleetCommand command = FleetTestKit.Command(FleetCommandNames.StopRecording, FleetTarget.Group("floor-3"), DateTimeOffset.UtcNow);
            IReadOnlyList<VerifiedResponse> responses = await operatorSession.SendAsync(command, shared.Operator, 3, Wait, null, CancellationToken.None);
            Assert.Equal(["box-0", "box-1", "box-2"], responses.Select(r => r.Response.Device).Order(StringComparer.Ordinal));
            Assert.All(responses, r => Assert.True(r.SignatureVerified && r.Response.Outcome == FleetOutcomes.Done));
            Assert.True(boxes[0].Hold.IsStopped && boxes[1].Hold.IsStopped && boxes[2].Hold.IsStopped);
            Assert.False(boxes[3].Hold.IsStopped);
        }
        finally
        {
            foreach (TestBox box in boxes)
            {
                await box.DisposeAsync();
            }

            kits.ForEach(kit => kit.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Unsigned_forged_wrong_role_expired_replayed_and_wrong_device_commands_are_rejected_over_the_wire(string broker)
    {
        await using ITestBroker server = await StartBrokerAsync(broker);
        using var kit = new FleetTestKit("box-1") { Clock = TimeProvider.System };
        await using FleetOperatorSession operatorSession = await ConnectOperatorAsync(server);
        await using TestBox box = await TestBox.StartAsync(kit, server.Port);
        await Eventually.TrueAsync(() => operatorSession.View.Device("box-1")?.IsOnline == true, Wait, "birth");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        FleetTarget me = FleetTarget.Device("box-1");

        async Task<string?> ReasonAsync(FleetTarget topicTarget, FleetCommand command, byte[] envelope)
        {
            VerifiedResponse response = Assert.Single(await operatorSession.SendEnvelopeAsync(topicTarget, command.Id, envelope, 1, Wait, null, CancellationToken.None));
            Assert.True(response.SignatureVerified);
            Assert.Equal(FleetOutcomes.Rejected, response.Response.Outcome);
            return response.Response.Reason;
        }

        FleetCommand stop = FleetTestKit.Command(FleetCommandNames.StopRecording, me, now);
        Assert.Equal(FleetRejections.NotSigned, await ReasonAsync(me, stop, SignedFleetMessage.WithoutSignature(FleetMessageKind.Command, stop.Encode())));
        string forged = Encoding.UTF8.GetString(kit.Signed(stop, kit.Stranger)).Replace(kit.Stranger.PublicKey.ToString(), kit.Operator.PublicKey.ToString(), StringComparison.Ordinal);
        Assert.Equal(FleetRejections.BadSignature, await ReasonAsync(me, stop, Encoding.UTF8.GetBytes(forged)));
        Assert.Equal(FleetRejections.UnknownSigner, await ReasonAsync(me, stop, kit.Signed(stop, kit.Stranger)));
        FleetCommand recipients = FleetTestKit.Command(FleetCommandNames.SetRecipients, me, now);
        Assert.Equal(FleetRejections.WrongRole, await ReasonAsync(me, recipients, kit.Signed(recipients, kit.Operator)));
        FleetCommand expired = FleetTestKit.Command(FleetCommandNames.StopRecording, me, now - TimeSpan.FromMinutes(10), lifetime: TimeSpan.FromMinutes(1));
        Assert.Equal(FleetRejections.Expired, await ReasonAsync(me, expired, kit.Signed(expired)));
        FleetCommand future = FleetTestKit.Command(FleetCommandNames.StopRecording, me, now + TimeSpan.FromMinutes(10));
        Assert.Equal(FleetRejections.NotYetValid, await ReasonAsync(me, future, kit.Signed(future)));
        FleetCommand other = FleetTestKit.Command(FleetCommandNames.StopRecording, FleetTarget.Device("box-2"), now);
        Assert.Equal(FleetRejections.WrongDevice, await ReasonAsync(me, other, kit.Signed(other)));
        FleetCommand status = FleetTestKit.Command(FleetCommandNames.Status, me, now);
        byte[] statusEnvelope = kit.Signed(status);
        Assert.Single(await operatorSession.SendEnvelopeAsync(me, status.Id, statusEnvelope, 1, Wait, null, CancellationToken.None));
        Assert.Equal(FleetRejections.Replayed, await ReasonAsync(me, status, statusEnvelope));

        Assert.False(box.Hold.IsStopped);
        Assert.Null(box.Actions.Recipients);
        IReadOnlyList<FleetAuditEntry> audit = box.Agent.Audit.ReadAll();
        Assert.Contains(audit, entry => entry.Subject == FleetCommandNames.SetRecipients && entry.Reason == FleetRejections.WrongRole && entry.Role == "operator");
        Assert.True(box.Agent.Audit.Verify(out _));
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Desired_configuration_is_applied_and_invalid_settings_are_reported_with_reasons(string broker)
    {
        await using ITestBroker server = await StartBrokerAsync(broker);
        using var kit = new FleetTestKit("box-1", "floor-3") { Clock = TimeProvider.System };
        await using FleetOperatorSession operatorSession = await ConnectOperatorAsync(server);
        await operatorSession.PublishDesiredAsync(new FleetDesiredConfiguration { Target = FleetTarget.Group("floor-3"), Version = 3, IssuedAt = DateTimeOffset.UtcNow, SettingsJson = "{\"videoJpegQuality\":60}" }, kit.Operator, CancellationToken.None);
        await using TestBox box = await TestBox.StartAsync(kit, server.Port);
        await operatorSession.PublishDesiredAsync(new FleetDesiredConfiguration { Target = FleetTarget.Device("box-1"), Version = 1, BaseVersion = 0, IssuedAt = DateTimeOffset.UtcNow, SettingsJson = "{\"segmentSeconds\":12,\"recordingIndicator\":false,\"quotaBytes\":5}" }, kit.Operator, CancellationToken.None);
        await Eventually.TrueAsync(() => operatorSession.View.Device("box-1")?.Reported is { DeviceVersion: 1 } reported && reported.GroupVersions["floor-3"] == 3, Wait, "reported versions");
        FleetReportedConfiguration report = operatorSession.View.Device("box-1")!.Reported!;
        Assert.Equal(12, report.Applied["segmentSeconds"].GetDouble());
        Assert.Equal(60, report.Applied["videoJpegQuality"].GetInt32());
        Assert.Contains(report.Rejected, r => r.Key == "recordingIndicator" && r.Reason.Contains("indicator", StringComparison.Ordinal));
        Assert.Contains(report.Rejected, r => r.Key == "quotaBytes" && r.Reason.Contains("whole number", StringComparison.Ordinal));
        Assert.Equal(12, box.Actions.Settings["segmentSeconds"].GetDouble());
        Assert.True(report.Safety.IndicatorFollowsRecording);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Garbage_on_the_command_and_desired_topics_is_answered_or_dropped_and_the_box_keeps_working(string broker)
    {
        await using ITestBroker server = await StartBrokerAsync(broker);
        using var kit = new FleetTestKit("box-1") { Clock = TimeProvider.System };
        await using FleetOperatorSession operatorSession = await ConnectOperatorAsync(server);
        await using TestBox box = await TestBox.StartAsync(kit, server.Port);
        await Eventually.TrueAsync(() => operatorSession.View.Device("box-1")?.IsOnline == true, Wait, "birth");
        var random = new Random(12);
        for (int i = 0; i < 50; i++)
        {
            byte[] garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            VerifiedResponse answer = Assert.Single(await operatorSession.SendEnvelopeAsync(FleetTarget.Device("box-1"), "unknown", garbage, 1, Wait, null, CancellationToken.None));
            Assert.Equal(FleetOutcomes.Rejected, answer.Response.Outcome);
            await PublishRawAsync(server, FleetTopics.DeviceDesired("box-1"), garbage.Length == 0 ? [1] : garbage, retain: false);
        }

        FleetCommand status = FleetTestKit.Command(FleetCommandNames.Status, FleetTarget.Device("box-1"), DateTimeOffset.UtcNow);
        Assert.Equal(FleetOutcomes.Done, Assert.Single(await operatorSession.SendAsync(status, kit.Operator, 1, Wait, null, CancellationToken.None)).Response.Outcome);
        Assert.True(box.Agent.Audit.Verify(out _));
        Assert.Equal(0, box.Agent.DroppedMessages);
    }

    internal static async Task<ITestBroker> StartBrokerAsync(string broker) =>
        broker == "mosquitto" ? await MosquittoBroker.StartAsync() : await EmbeddedBroker.StartAsync();

    internal static Task<FleetOperatorSession> ConnectOperatorAsync(ITestBroker server) =>
        FleetOperatorSession.ConnectAsync("127.0.0.1", server.Port, TimeProvider.System, null, followDesired: true, CancellationToken.None);

    private static async Task PublishRawAsync(ITestBroker server, string topic, byte[] payload, bool retain)
    {
        await using var link = new MqttFleetLink(new MqttFleetLinkOptions { Host = "127.0.0.1", Port = server.Port, ClientId = "raw-" + Guid.NewGuid().ToString("N") }, Microsoft.Extensions.Logging.Abstractions.NullLogger<MqttFleetLink>.Instance);
        var connected = new TaskCompletionSource();
        await link.StartAsync(new FleetLinkSession { Subscriptions = [], NextWill = () => null, OnConnected = () => { connected.TrySetResult(); return []; }, OnMessage = _ => { } }, CancellationToken.None);
        await connected.Task.WaitAsync(Wait);
        Assert.True(await link.PublishAsync(new FleetOutgoingMessage(topic, payload, retain), CancellationToken.None));
    }
}
