using EdgeCapture.Collector.Broker;
using EdgeCapture.Collector.Index;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeCapture.Collector.Tests;

/// <summary>
/// Uploads through both brokers the collector supports, and their access rules: through a real Mosquitto running the
/// shipped configuration (TLS, client certificates, use_identity_as_username, the ACL), and through the embedded broker.
/// Device A can neither publish as device B nor read B's topics.
/// </summary>
public sealed class BrokerAccessTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-broker-access-");
    private readonly TestCertificates _certificates = new();

    [Fact]
    public async Task Through_mosquitto_with_the_shipped_config_a_segment_is_stored_and_device_a_can_neither_publish_as_b_nor_read_b()
    {
        using MosquittoBroker? mosquitto = MosquittoBroker.Start(_certificates);
        if (mosquitto is null)
        {
            return;
        }

        var handled = new List<IngestResult>();
        await using CollectorService collector = await StartCollectorAsync(new CollectorServiceOptions { Store = StoreOptions("mosquitto"), ExternalBroker = mosquitto.CollectorConnection() }, handled);
        Assert.True(await collector.WaitConnectedAsync(TimeSpan.FromSeconds(20)), "the collector did not connect to mosquitto: " + File.ReadAllText(mosquitto.Log));
        await RunAccessScenarioAsync(collector, handled, port => TestMqttBox.ConnectAsync("box-a", port, _certificates), port => TestMqttBox.ConnectAsync("box-b", port, _certificates), mosquitto.Port, subscriptionsRefused: false);
    }

    [Fact]
    public async Task Through_the_embedded_broker_the_same_rules_hold()
    {
        int port = MosquittoBroker.FreePort();
        var handled = new List<IngestResult>();
        await using CollectorService collector = await StartCollectorAsync(
            new CollectorServiceOptions { Store = StoreOptions("embedded"), EmbeddedBroker = new EmbeddedBrokerOptions { Port = port } }, handled);
        await RunAccessScenarioAsync(collector, handled, p => TestMqttBox.ConnectAsync("box-a", p), p => TestMqttBox.ConnectAsync("box-b", p), port, subscriptionsRefused: true);
    }

    [Fact]
    public async Task The_embedded_broker_over_tls_takes_the_device_from_its_certificate_not_from_the_user_name()
    {
        int port = MosquittoBroker.FreePort();
        var handled = new List<IngestResult>();
        await using CollectorService collector = await StartCollectorAsync(new CollectorServiceOptions
        {
            Store = StoreOptions("embedded-tls"),
            EmbeddedBroker = new EmbeddedBrokerOptions { Port = port, ServerCertificate = _certificates.Server, ClientCertificateAuthority = _certificates.Authority },
        }, handled);
        await RunAccessScenarioAsync(collector, handled, p => TestMqttBox.ConnectAsync("box-a", p, _certificates), p => TestMqttBox.ConnectAsync("box-b", p, _certificates), port, subscriptionsRefused: true);
    }

    [Fact]
    public void The_embedded_rules_match_the_shipped_acl()
    {
        string acl = File.ReadAllText(Path.Combine(MosquittoBroker.ShippedDirectory, "acl"));
        Assert.Contains("pattern write edgecapture/v1/%u/up/#", acl, StringComparison.Ordinal);
        Assert.Contains("pattern read edgecapture/v1/%u/down/#", acl, StringComparison.Ordinal);
        Assert.True(TopicAccess.MayPublish("box-a", "edgecapture/v1/box-a/up/part"));
        Assert.False(TopicAccess.MayPublish("box-a", "edgecapture/v1/box-b/up/part"));
        Assert.False(TopicAccess.MayPublish("box-a", "edgecapture/v1/box-a/down/answer"));
        Assert.True(TopicAccess.MaySubscribe("box-a", "edgecapture/v1/box-a/down/#"));
        Assert.False(TopicAccess.MaySubscribe("box-a", "edgecapture/v1/box-b/down/#"));
        Assert.False(TopicAccess.MaySubscribe("box-a", "edgecapture/v1/+/down/#"));
        Assert.False(TopicAccess.MaySubscribe("box-a", "#"));
        Assert.False(TopicAccess.MaySubscribe("box-a", "edgecapture/v1/box-a/up/#"));
        Assert.True(TopicAccess.MaySubscribe(EmbeddedBroker.CollectorUserName, UploadTopics.AllParts));
        Assert.Contains("pattern read edgecapture/v1/groups/+/down/fleet/command", acl, StringComparison.Ordinal);
        Assert.True(TopicAccess.MaySubscribe("box-a", "edgecapture/v1/groups/floor-3/down/fleet/command"));
        Assert.True(TopicAccess.MaySubscribe("box-a", "edgecapture/v1/groups/floor-3/down/fleet/desired"));
        Assert.False(TopicAccess.MaySubscribe("box-a", "edgecapture/v1/groups/+/down/fleet/command"));
        Assert.False(TopicAccess.MaySubscribe("box-a", "edgecapture/v1/groups/floor-3/down/#"));
        Assert.False(TopicAccess.MayPublish("box-a", "edgecapture/v1/groups/floor-3/down/fleet/command"));
        Assert.True(TopicAccess.MayPublish(EmbeddedBroker.CollectorUserName, "edgecapture/v1/box-a/down/answer"));

        // The operator role: as the ACL's "user edgecapture-operator" block.
        Assert.Contains("user " + EmbeddedBroker.OperatorUserName, acl, StringComparison.Ordinal);
        Assert.Contains("topic write edgecapture/v1/groups/+/down/fleet/command", acl, StringComparison.Ordinal);
        const string role = TopicAccess.OperatorIdentity;
        Assert.True(TopicAccess.MayPublish(role, "edgecapture/v1/groups/floor-3/down/fleet/command"));
        Assert.True(TopicAccess.MayPublish(role, "edgecapture/v1/groups/floor-3/down/fleet/desired"));
        Assert.True(TopicAccess.MayPublish(role, "edgecapture/v1/box-a/down/fleet/command"));
        Assert.True(TopicAccess.MayPublish(role, "edgecapture/v1/box-a/down/fleet/desired"));
        Assert.False(TopicAccess.MayPublish(role, "edgecapture/v1/box-a/down/answer"));
        Assert.False(TopicAccess.MayPublish(role, "edgecapture/v1/box-a/up/part"));
        Assert.False(TopicAccess.MayPublish(role, "edgecapture/v1/+/down/fleet/command"));
        Assert.True(TopicAccess.MaySubscribe(role, "edgecapture/v1/+/up/fleet/response"));
        Assert.True(TopicAccess.MaySubscribe(role, "edgecapture/v1/+/up/presence"));
        Assert.True(TopicAccess.MaySubscribe(role, "edgecapture/v1/groups/+/down/fleet/desired"));
        Assert.False(TopicAccess.MaySubscribe(role, "edgecapture/v1/+/up/part"));
        Assert.False(TopicAccess.MaySubscribe(role, "edgecapture/v1/+/down/answer"));
        Assert.False(TopicAccess.MaySubscribe(role, "edgecapture/v1/+/down/fleet/command"));
        Assert.False(TopicAccess.MaySubscribe(role, "#"));
        Assert.False(TopicAccess.MaySubscribe(role, "edgecapture/v1/#"));

        // No box writes a command or a desired document, its own included.
        Assert.False(TopicAccess.MayPublish("box-a", "edgecapture/v1/box-a/down/fleet/command"));
        Assert.False(TopicAccess.MayPublish("box-a", "edgecapture/v1/box-b/down/fleet/desired"));
        Assert.False(TopicAccess.MayPublish("box-a", "edgecapture/v1/groups/floor-3/down/fleet/desired"));
    }

    private static async Task RunAccessScenarioAsync(CollectorService collector, List<IngestResult> handled, Func<int, Task<TestMqttBox>> connectA, Func<int, Task<TestMqttBox>> connectB, int port, bool subscriptionsRefused)
    {
        using var deviceA = new TestDevice("box-a");
        using var deviceB = new TestDevice("box-b");
        collector.Store.Index.Enroll("box-a", deviceA.Key.PublicKey, false, DateTimeOffset.UtcNow);
        collector.Store.Index.Enroll("box-b", deviceB.Key.PublicKey, false, DateTimeOffset.UtcNow);
        await using TestMqttBox boxA = await connectA(port);
        await using TestMqttBox boxB = await connectB(port);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await boxB.SubscribeAsync(UploadTopics.Answer("box-b")));

        // A tries to read B's answers and B's uploads. The embedded broker refuses the subscription; Mosquitto 2.0 grants
        // filters with wildcards and checks read access per delivered message. Either way nothing may arrive (checked below).
        MqttClientSubscribeResultCode readAnswers = await boxA.SubscribeAsync("edgecapture/v1/box-b/down/#");
        MqttClientSubscribeResultCode readUploads = await boxA.SubscribeAsync("edgecapture/v1/box-b/up/#");
        if (subscriptionsRefused)
        {
            Assert.NotEqual(MqttClientSubscribeResultCode.GrantedQoS1, readAnswers);
            Assert.NotEqual(MqttClientSubscribeResultCode.GrantedQoS1, readUploads);
        }

        // A tries to publish as B: a segment signed with B's key (A stole a manifest), sent on B's topics.
        TestSegment stolen = deviceB.Seal();
        foreach (byte[] part in stolen.Parts())
        {
            MqttClientPublishResult refused = await boxA.PublishAsync(UploadTopics.Part("box-b"), part);
            Assert.False(refused.IsSuccess, "the broker must refuse a publish to another device's topic");
        }

        Assert.False((await boxA.PublishAsync(UploadTopics.Commit("box-b"), stolen.Commit())).IsSuccess);

        // B uploads its own segment: stored, answered to B only.
        TestSegment own = deviceB.Seal();
        CollectorAnswer answer = await boxB.UploadAsync(own, collector.PublicKey);
        Assert.Equal(AnswerOutcome.Stored, answer.Outcome);
        StoredSegment stored = Assert.Single(collector.Store.Index.ListSegments());
        Assert.Equal(own.Reference, stored.Segment);
        Assert.DoesNotContain(handled.ToArray(), result => result.Detail.Contains(stolen.Reference.SessionId.ToString(), StringComparison.Ordinal));
        // B's answer was delivered after everything A could have been sent, on the same broker: A received nothing.
        Assert.Empty(boxA.Received);
    }

    private static async Task<CollectorService> StartCollectorAsync(CollectorServiceOptions options, List<IngestResult> handled) =>
        await CollectorService.StartAsync(options, NullLoggerFactory.Instance, TimeProvider.System, result =>
        {
            lock (handled)
            {
                handled.Add(result);
            }
        });

    private CollectorOptions StoreOptions(string name) => new() { StoreDirectory = Path.Combine(_directory.FullName, name) };

    public void Dispose()
    {
        _certificates.Dispose();
        _directory.Delete(recursive: true);
    }
}
