using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Storage;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeCapture.Appliance.Tests;

/// <summary>The appliance with an <c>upload</c> section: sealed segments reach a collector, and a missing broker changes nothing for the relay.</summary>
public sealed class ApplianceUploadTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-appliance-upload-");
    private readonly AgeIdentity _custodian = AgeIdentity.Generate();
    private readonly DeviceSigningKey _collectorKey = DeviceSigningKey.Generate();

    public void Dispose()
    {
        _custodian.Dispose();
        _collectorKey.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Sealed_segments_leave_the_outbox_on_the_collectors_signed_stored()
    {
        int port = FreePort();
        var factory = new MqttServerFactory();
        using MqttServer broker = factory.CreateMqttServer(factory.CreateServerOptionsBuilder().WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port).Build());
        await broker.StartAsync();
        var stored = new ConcurrentDictionary<SegmentReference, byte[]>();
        await using var collector = await Responder.StartAsync(port, new SigningKeyMessageSigner(_collectorKey), stored);

        long sealedCount = 0;
        await using (Appliance appliance = Appliance.Start(Configuration(new Uri($"mqtt://127.0.0.1:{port}")), new ApplianceSimulation { Seed = 8 },
            onSegmentSealed: _ => Interlocked.Increment(ref sealedCount)))
        {
            Assert.NotNull(appliance.Upload);
            await WaitUntilAsync(() => Interlocked.Read(ref sealedCount) >= 3 && appliance.Upload!.Uploader.Statistics.SegmentsStored >= 3, "three segments stored");
            await appliance.StopAsync();
            Assert.Equal(0, appliance.TapDroppedEvents);
            Assert.True(stored.Count >= 3);
        }

        await broker.StopAsync(new MqttServerStopOptions());
    }

    [Fact]
    public async Task An_uploader_whose_outbox_queue_fails_is_restarted_and_uploads_every_segment()
    {
        int port = FreePort();
        var factory = new MqttServerFactory();
        using MqttServer broker = factory.CreateMqttServer(factory.CreateServerOptionsBuilder().WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port).Build());
        await broker.StartAsync();
        var stored = new ConcurrentDictionary<SegmentReference, byte[]>();
        await using var collector = await Responder.StartAsync(port, new SigningKeyMessageSigner(_collectorKey), stored);

        long sealedCount = 0;
        long keys = 0;
        var faults = new Hosting.ApplianceFaultInjection { UploadBacklog = backlog => new FailingUploadBacklog(backlog) };
        await using (Appliance appliance = Appliance.Start(Configuration(new Uri($"mqtt://127.0.0.1:{port}")), new Hardware.SimulatedHardware(new ApplianceSimulation { Seed = 10 }),
            null, info =>
            {
                Interlocked.Increment(ref sealedCount);
                Interlocked.Add(ref keys, info.Counts.Keys);
            }, null, faults, notifier: null))
        {
            // Long enough for the simulated user to type a sentence or two through it (the relay check needs one in full).
            await WaitUntilAsync(() => Interlocked.Read(ref sealedCount) >= 3 && appliance.Upload!.Uploader.Statistics.SegmentsStored >= 3 && Interlocked.Read(ref keys) >= 160, "three segments stored after the uploader's restart");
            await appliance.StopAsync();
            Hosting.PartFault fault = Assert.Single(appliance.Health.Faults);
            Assert.Equal("upload", fault.Part);
            Assert.True(fault.Restarts >= 1, $"{fault}");
            Assert.True(appliance.SimulatedRelayResult!.Value.Typing.IsIntact, $"{appliance.SimulatedRelayResult.Value.Typing}");
        }

        await broker.StopAsync(new MqttServerStopOptions());
    }

    /// <summary>The outbox's upload queue, whose first read throws as a database on a failing disk would.</summary>
    private sealed class FailingUploadBacklog(IUploadBacklog inner) : IUploadBacklog
    {
        private int _failed;

        public IReadOnlyList<OutboxSegment> GetPendingUploads(int max) =>
            Interlocked.Exchange(ref _failed, 1) == 0 ? throw new IOException("disk I/O error") : inner.GetPendingUploads(max);

        public OutboxSegment? GetSegment(SegmentKey key) => inner.GetSegment(key);

        public bool TryOpenCiphertext(SegmentKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Stream? ciphertext) => inner.TryOpenCiphertext(key, out ciphertext);

        public bool MarkUploading(SegmentKey key) => inner.MarkUploading(key);

        public bool MarkUploaded(SegmentKey key) => inner.MarkUploaded(key);

        public bool ReturnToPending(SegmentKey key) => inner.ReturnToPending(key);

        public bool MarkRejected(SegmentKey key, string reason) => inner.MarkRejected(key, reason);

        public bool MarkAcknowledged(SegmentKey key) => inner.MarkAcknowledged(key);

        public IReadOnlyList<PendingRetraction> GetPendingRetractions(int max) => inner.GetPendingRetractions(max);

        public bool MarkRetractionDelivered(long retractionId) => inner.MarkRetractionDelivered(retractionId);

        public bool MarkRetractionRejected(long retractionId, string reason) => inner.MarkRetractionRejected(retractionId, reason);
    }

    [Fact]
    public async Task An_unreachable_broker_changes_nothing_for_the_relay_and_the_recorder()
    {
        long sealedCount = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using Appliance appliance = Appliance.Start(Configuration(new Uri($"mqtt://127.0.0.1:{FreePort()}")), new ApplianceSimulation { Seed = 9 },
            onSegmentSealed: _ => Interlocked.Increment(ref sealedCount));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), "start does not wait for the broker");
        await WaitUntilAsync(() => Interlocked.Read(ref sealedCount) >= 3, "three segments sealed");
        Assert.Null(appliance.Upload!.Connection.Current);
        await appliance.StopAsync();
        Assert.Equal(0, appliance.TapDroppedEvents);
        Assert.True(appliance.Outbox.GetPendingUploads(100).Count >= 3, "the segments wait in the outbox");
    }

    private ApplianceConfiguration Configuration(Uri broker) => new()
    {
        DeviceId = "upload-box",
        DataDirectory = Path.Combine(_directory.FullName, "box"),
        Recipients = [_custodian.Recipient],
        SegmentSeconds = 0.3,
        Upload = new UploadConfiguration { BrokerUri = broker, CollectorKey = _collectorKey.PublicKey, PartSizeBytes = 16 * 1024, AnswerTimeoutSeconds = 5 },
    };

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddMinutes(2);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting until " + what);
            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The smallest honest collector: stages parts, answers each commit stored or missing, signed.</summary>
    private sealed class Responder : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly Channel<MqttApplicationMessage> _inbox = Channel.CreateUnbounded<MqttApplicationMessage>();
        private readonly ConcurrentDictionary<(SegmentReference, int), byte[]> _parts = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _worker = Task.CompletedTask;

        public static async Task<Responder> StartAsync(int port, IMessageSigner key, ConcurrentDictionary<SegmentReference, byte[]> stored)
        {
            var responder = new Responder();
            responder._client.ApplicationMessageReceivedAsync += arguments =>
            {
                responder._inbox.Writer.TryWrite(arguments.ApplicationMessage);
                return Task.CompletedTask;
            };
            await responder._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("responder").Build());
            await responder._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(UploadTopics.AllParts, MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter(UploadTopics.AllCommits, MqttQualityOfServiceLevel.AtLeastOnce).Build());
            responder._worker = Task.Run(() => responder.WorkAsync(key, stored, responder._stop.Token));
            return responder;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _worker;
            }
            catch (OperationCanceledException)
            {
            }

            _client.Dispose();
            _stop.Dispose();
        }

        private async Task WorkAsync(IMessageSigner key, ConcurrentDictionary<SegmentReference, byte[]> stored, CancellationToken cancellationToken)
        {
            await foreach (MqttApplicationMessage message in _inbox.Reader.ReadAllAsync(cancellationToken))
            {
                byte[] payload = message.Payload.ToArray();
                if (message.Topic.EndsWith("/" + UploadTopics.PartSuffix, StringComparison.Ordinal))
                {
                    SegmentPart part = SegmentPartCodec.Decode(payload);
                    _parts[(part.Segment, part.PartIndex)] = part.Data.ToArray();
                    continue;
                }

                SegmentCommit commit = SegmentCommitCodec.Decode(payload);
                int[] missing = Enumerable.Range(0, commit.Layout.PartCount).Where(index => !_parts.ContainsKey((commit.Segment, index))).ToArray();
                CollectorAnswer answer;
                if (missing.Length > 0)
                {
                    answer = CollectorAnswer.SegmentMissing(commit.DeviceId, commit.Segment, commit.CiphertextSha256, missing, message.CorrelationData, DateTimeOffset.UtcNow);
                }
                else
                {
                    byte[] ciphertext = Enumerable.Range(0, commit.Layout.PartCount).SelectMany(index => _parts[(commit.Segment, index)]).ToArray();
                    Assert.Equal(commit.CiphertextSha256.ToArray(), SHA256.HashData(ciphertext));
                    stored[commit.Segment] = ciphertext;
                    answer = CollectorAnswer.SegmentStored(commit.DeviceId, commit.Segment, commit.CiphertextSha256, message.CorrelationData, DateTimeOffset.UtcNow);
                }

                await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(message.ResponseTopic)
                    .WithPayload(CollectorAnswerCodec.Encode(answer, key)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
            }
        }
    }
}
