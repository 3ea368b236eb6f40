using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeCapture.Transport.Tests;

/// <summary>How the fake collector answers a commit.</summary>
internal enum CollectorBehaviour
{
    /// <summary>Stages parts and answers stored / missing like the real one.</summary>
    Honest,

    /// <summary>Answers <c>stored</c> to every commit, signed with a key the box does not trust.</summary>
    ForgeStored,

    /// <summary>Answers <c>stored</c> with the trusted key but about other ciphertext (a different digest).</summary>
    StoredForOtherBytes,

    /// <summary>Answers <c>rejected</c>.</summary>
    Reject,

    /// <summary>Stages parts but never answers.</summary>
    Silent,
}

/// <summary>
/// A collector written in the test: subscribes to every device's parts, commits and retractions on the broker,
/// stages parts in memory, and answers signed with its Ed25519 key. The receive handler only queues (publishing
/// from inside it would wait for a PUBACK the blocked receive loop cannot deliver).
/// </summary>
internal sealed class FakeCollector : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly Channel<MqttApplicationMessage> _inbox = Channel.CreateUnbounded<MqttApplicationMessage>();
    private readonly ConcurrentDictionary<(SegmentReference Segment, int Part), byte[]> _staged = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly DeviceSigningKey _key = DeviceSigningKey.Generate();
    private readonly DeviceSigningKey _forger = DeviceSigningKey.Generate();
    private Task? _worker;

    public DevicePublicKey PublicKey => _key.PublicKey;

    public volatile CollectorBehaviour Behaviour;

    /// <summary>Answers every retraction <c>rejected</c> (signed with the trusted key).</summary>
    public volatile bool RejectRetractions;

    /// <summary>Parts to ignore the first time they arrive (to provoke a <c>missing</c> answer).</summary>
    public ConcurrentDictionary<int, bool> DropFirstArrivalOf { get; } = new();

    public ConcurrentDictionary<(SegmentReference Segment, int Part), int> PartArrivals { get; } = new();

    public ConcurrentDictionary<SegmentReference, int> CommitArrivals { get; } = new();

    public ConcurrentDictionary<SegmentReference, byte[]> Stored { get; } = new();

    public ConcurrentQueue<SignedMessage<RetractionDocument>> Retractions { get; } = new();

    public ConcurrentQueue<string> Order { get; } = new();

    public static async Task<FakeCollector> StartAsync(EmbeddedBroker broker)
    {
        var collector = new FakeCollector();
        collector._client.ApplicationMessageReceivedAsync += arguments =>
        {
            collector._inbox.Writer.TryWrite(arguments.ApplicationMessage);
            return Task.CompletedTask;
        };
        await collector.ConnectAsync(broker);
        collector._worker = Task.Run(() => collector.WorkAsync(collector._stop.Token));
        return collector;
    }

    public void ForgetStagedPart(SegmentReference segment, int part) => _staged.TryRemove((segment, part), out _);

    /// <summary>Connects (again, after a broker restart) and subscribes.</summary>
    public async Task ConnectAsync(EmbeddedBroker broker)
    {
        // After a broker restart the old connection may still be closing: try a few times.
        for (int attempt = 0; _client.IsConnected is false && attempt < 50; attempt++)
        {
            try
            {
                await ConnectOnceAsync(broker);
                return;
            }
            catch (Exception exception) when (exception is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
            {
                await Task.Delay(100);
            }
        }

        await ConnectOnceAsync(broker);
    }

    private async Task ConnectOnceAsync(EmbeddedBroker broker)
    {
        if (_client.IsConnected)
        {
            return;
        }

        await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("fake-collector").Build());
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(UploadTopics.AllParts, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(UploadTopics.AllCommits, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(UploadTopics.AllRetractions, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
    }

    public async Task PublishRawAnswerAsync(string deviceId, byte[] payload) =>
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(UploadTopics.Answer(deviceId)).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_worker is not null)
        {
            try
            {
                await _worker;
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
        _key.Dispose();
        _forger.Dispose();
        _stop.Dispose();
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (MqttApplicationMessage message in _inbox.Reader.ReadAllAsync(cancellationToken))
        {
            byte[] payload = message.Payload.ToArray();
            if (!UploadTopics.TryParse(message.Topic, out string deviceId, out string suffix))
            {
                continue;
            }

            switch (suffix)
            {
                case UploadTopics.PartSuffix:
                    SegmentPart part = SegmentPartCodec.Decode(payload);
                    Order.Enqueue("part " + part.PartIndex);
                    PartArrivals.AddOrUpdate((part.Segment, part.PartIndex), 1, (_, count) => count + 1);
                    if (DropFirstArrivalOf.TryRemove(part.PartIndex, out _))
                    {
                        break;
                    }

                    _staged[(part.Segment, part.PartIndex)] = part.Data.ToArray();
                    break;
                case UploadTopics.CommitSuffix:
                    SegmentCommit commit = SegmentCommitCodec.Decode(payload);
                    Order.Enqueue("commit");
                    CommitArrivals.AddOrUpdate(commit.Segment, 1, (_, count) => count + 1);
                    await AnswerCommitAsync(deviceId, commit, message, cancellationToken);
                    break;
                case UploadTopics.RetractionSuffix:
                    SignedMessage<RetractionDocument> retraction = RetractionDocumentCodec.Decode(payload);
                    Retractions.Enqueue(retraction);
                    if (RejectRetractions)
                    {
                        await AnswerAsync(message, CollectorAnswer.RetractionRejected(deviceId, RetractionDocumentCodec.Digest(payload), "signature-invalid: not this device's key", message.CorrelationData, DateTimeOffset.UtcNow), _key, cancellationToken);
                        break;
                    }

                    foreach (SegmentReference segment in retraction.Message.Segments)
                    {
                        Stored.TryRemove(segment, out _);
                    }

                    await AnswerAsync(message, CollectorAnswer.RetractionStored(deviceId, RetractionDocumentCodec.Digest(payload), message.CorrelationData, DateTimeOffset.UtcNow), _key, cancellationToken);
                    break;
            }
        }
    }

    private async Task AnswerCommitAsync(string deviceId, SegmentCommit commit, MqttApplicationMessage request, CancellationToken cancellationToken)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        switch (Behaviour)
        {
            case CollectorBehaviour.Silent:
                return;
            case CollectorBehaviour.ForgeStored:
                await AnswerAsync(request, CollectorAnswer.SegmentStored(deviceId, commit.Segment, commit.CiphertextSha256, request.CorrelationData, now), _forger, cancellationToken);
                return;
            case CollectorBehaviour.StoredForOtherBytes:
                await AnswerAsync(request, CollectorAnswer.SegmentStored(deviceId, commit.Segment, SHA256.HashData([1, 2, 3]), request.CorrelationData, now), _key, cancellationToken);
                return;
            case CollectorBehaviour.Reject:
                await AnswerAsync(request, CollectorAnswer.SegmentRejected(deviceId, commit.Segment, commit.CiphertextSha256, "chain gap before this segment", request.CorrelationData, now), _key, cancellationToken);
                return;
        }

        if (Stored.ContainsKey(commit.Segment))
        {
            await AnswerAsync(request, CollectorAnswer.SegmentStored(deviceId, commit.Segment, commit.CiphertextSha256, request.CorrelationData, now), _key, cancellationToken);
            return;
        }

        int[] missing = Enumerable.Range(0, commit.Layout.PartCount).Where(index => !_staged.ContainsKey((commit.Segment, index))).Take(ProtocolLimits.MaximumMissingParts).ToArray();
        if (missing.Length > 0)
        {
            await AnswerAsync(request, CollectorAnswer.SegmentMissing(deviceId, commit.Segment, commit.CiphertextSha256, missing, request.CorrelationData, now), _key, cancellationToken);
            return;
        }

        byte[] ciphertext = new byte[commit.Layout.CiphertextLength];
        for (int index = 0; index < commit.Layout.PartCount; index++)
        {
            _staged[(commit.Segment, index)].CopyTo(ciphertext, commit.Layout.OffsetOf(index));
        }

        if (!SHA256.HashData(ciphertext).AsSpan().SequenceEqual(commit.CiphertextSha256.Span))
        {
            await AnswerAsync(request, CollectorAnswer.SegmentRejected(deviceId, commit.Segment, commit.CiphertextSha256, "ciphertext hash mismatch", request.CorrelationData, now), _key, cancellationToken);
            return;
        }

        Stored[commit.Segment] = ciphertext;
        await AnswerAsync(request, CollectorAnswer.SegmentStored(deviceId, commit.Segment, commit.CiphertextSha256, request.CorrelationData, now), _key, cancellationToken);
    }

    private async Task AnswerAsync(MqttApplicationMessage request, CollectorAnswer answer, DeviceSigningKey key, CancellationToken cancellationToken)
    {
        byte[] payload = CollectorAnswerCodec.Encode(answer, new SigningKeyMessageSigner(key));
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(request.ResponseTopic).WithPayload(payload)
                .WithCorrelationData(request.CorrelationData).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
        }
        catch (Exception error) when (error is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientUnexpectedDisconnectReceivedException && !cancellationToken.IsCancellationRequested)
        {
            // The broker went down under the answer (a broker restart test): the answer is lost, as with a real collector, and
            // the box commits again. The worker must live on; an unhandled exception here ended it, and every later commit
            // went unanswered until the test timed out.
        }
    }
}
