using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCapture.Collector.Tests;

/// <summary>A minimal MQTT 5 client standing in for a box (or an attacker's box) in broker-level tests.</summary>
internal sealed class TestMqttBox : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentQueue<MqttApplicationMessage> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private TestMqttBox(string identity) => Identity = identity;

    public string Identity { get; }

    public IReadOnlyCollection<MqttApplicationMessage> Received => _received;

    public static async Task<TestMqttBox> ConnectAsync(string identity, int port, TestCertificates? tls = null, string? userName = null)
    {
        var box = new TestMqttBox(identity);
        box._client.ApplicationMessageReceivedAsync += received =>
        {
            box._received.Enqueue(received.ApplicationMessage);
            box._arrived.Release();
            return Task.CompletedTask;
        };
        MqttClientOptionsBuilder options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(identity + "-" + Guid.NewGuid().ToString("N")[..6]).WithCleanStart(true);
        if (tls is not null)
        {
            X509Certificate2 certificate = tls.Issue(identity);
            options = options.WithTlsOptions(o => o.UseTls().WithTrustChain([tls.Authority]).WithClientCertificates([certificate]));
        }
        else
        {
            options = options.WithCredentials(userName ?? identity, string.Empty);
        }

        await box._client.ConnectAsync(options.Build());
        return box;
    }

    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter)
    {
        MqttClientSubscribeResult result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return result.Items.Single().ResultCode;
    }

    public async Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload, byte[]? correlation = null) =>
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(UploadTopics.Answer(Identity)).WithCorrelationData(correlation ?? [7]).Build());

    /// <summary>Publishes every part then the commit, and waits for the collector's answer, verified with its key.</summary>
    public async Task<CollectorAnswer> UploadAsync(TestSegment segment, DevicePublicKey collector, int partSize = 1024, TimeSpan? timeout = null)
    {
        foreach (byte[] part in segment.Parts(partSize))
        {
            Assert.True((await PublishAsync(UploadTopics.Part(segment.DeviceId), part)).IsSuccess);
        }

        byte[] correlation = Guid.NewGuid().ToByteArray();
        Assert.True((await PublishAsync(UploadTopics.Commit(segment.DeviceId), segment.Commit(partSize), correlation)).IsSuccess);
        return await NextAnswerAsync(collector, correlation, timeout ?? TimeSpan.FromSeconds(20));
    }

    public async Task<CollectorAnswer> NextAnswerAsync(DevicePublicKey collector, byte[] correlation, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (true)
        {
            await _arrived.WaitAsync(cancellation.Token);
            foreach (MqttApplicationMessage message in _received)
            {
                if (message.Topic == UploadTopics.Answer(Identity) && message.CorrelationData is { } data && data.AsSpan().SequenceEqual(correlation))
                {
                    SignedMessage<CollectorAnswer> answer = CollectorAnswerCodec.Decode(System.Buffers.BuffersExtensions.ToArray(message.Payload));
                    Assert.True(answer.IsSignedBy(collector));
                    return answer.Message;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
        _arrived.Dispose();
    }
}
