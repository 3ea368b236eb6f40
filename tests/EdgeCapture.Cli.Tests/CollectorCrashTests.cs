using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Index;
using EdgeCapture.Collector.Storage;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCapture.Cli.Tests;

/// <summary>
/// "Exactly once" across collector crashes, with the real program as the child: <c>edgecapture collector run</c> (its
/// embedded broker in the same process) is killed with SIGKILL while parts are being staged and again right after a
/// commit, then started again on the same store. A box that resends whatever was not confirmed ends with every segment
/// stored exactly once (one index row and one .age file each, nothing staged), every answer verified, the chain intact.
/// </summary>
public sealed class CollectorCrashTests : IDisposable
{
    private const int PartSize = 64 * 1024;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-collector-crash-");

    [Fact]
    public async Task Every_segment_is_stored_exactly_once_after_sigkill_mid_ingest_and_mid_commit()
    {
        string store = Path.Combine(_directory.FullName, "collector");
        using DeviceSigningKey deviceKey = DeviceSigningKey.Generate();
        const string deviceId = "crash-box";
        using (CollectorStore enrolment = CollectorStore.Open(new CollectorOptions { StoreDirectory = store }))
        {
            enrolment.Index.Enroll(deviceId, deviceKey.PublicKey, false, DateTimeOffset.UtcNow);
        }

        int port = FreePort();
        var collector = CollectorChild.Start(store, port);
        DevicePublicKey collectorKey = collector.PublicKey;
        var segments = SealSegments(deviceId, deviceKey, count: 6);
        await using var box = new ResendingBox(deviceId, port, collectorKey);
        try
        {
            for (int index = 0; index < segments.Count; index++)
            {
                Segment segment = segments[index];
                Action? crash = index switch
                {
                    2 => () => collector = collector.KillAndRestart(), // mid-ingest: after 10 of the parts
                    4 => () => collector = collector.KillAndRestart(), // mid-commit: right after the commit went out
                    _ => null,
                };
                AnswerOutcome outcome = await box.UploadAsync(segment, crashAfterPart: index == 2 ? 10 : null, crashAfterCommit: index == 4, crash);
                Assert.Equal(AnswerOutcome.Stored, outcome);
            }
        }
        finally
        {
            collector.Kill();
        }

        Assert.Equal(2, collector.Restarts);
        using CollectorStore result = CollectorStore.Open(new CollectorOptions { StoreDirectory = store });
        IReadOnlyList<StoredSegment> rows = result.Index.ListSegments();
        Assert.Equal(segments.Select(segment => segment.Reference), rows.Select(row => row.Segment));
        Assert.Equal(segments.Count, Directory.EnumerateFiles(Path.Combine(store, "segments"), "*.age", SearchOption.AllDirectories).Count());
        foreach ((Segment segment, StoredSegment row) in segments.Zip(rows))
        {
            using Stream blob = result.Blobs.OpenRead(row.Address)!;
            Assert.Equal(segment.Ciphertext, ReadAll(blob));
        }

        Assert.DoesNotContain(result.Staging.ListSegments(), staged => staged.Parts > 0);
        VerificationReport report = SegmentChainVerifier.Verify(
            [.. rows.Select(row => new VerifiableSegment(new SegmentKey(row.Segment.SessionId, row.Segment.SegmentIndex), UploadState.Uploaded, row.Manifest, row.ManifestSha256,
                row.WallClockStartUtc, row.WallClockEndUtc, () => result.Blobs.OpenRead(row.Address)))],
            deviceKey.PublicKey);
        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        Assert.All(rows, row => Assert.True(row.ChainLinked));
    }

    private static List<Segment> SealSegments(string deviceId, DeviceSigningKey key, int count)
    {
        var session = Guid.NewGuid();
        byte[] previous = new byte[32];
        var segments = new List<Segment>();
        for (int index = 0; index < count; index++)
        {
            byte[] ciphertext = RandomNumberGenerator.GetBytes((20 * PartSize) + 1234);
            var manifest = new SegmentManifest(ManifestCodec.Version, deviceId, session, index, index, index + 1, 0, 1, ciphertext.Length,
                SHA256.HashData(ciphertext), previous, index == count - 1, ["age1test"], key.PublicKey.ToArray());
            byte[] body = ManifestCodec.EncodeBody(manifest);
            byte[] signed = ManifestCodec.EncodeSigned(body, key.Sign(ManifestCodec.SignedMessage(body)));
            previous = SHA256.HashData(signed);
            segments.Add(new Segment(deviceId, new SegmentReference(session, index), ciphertext, signed));
        }

        return segments;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private sealed record Segment(string DeviceId, SegmentReference Reference, byte[] Ciphertext, byte[] SignedManifest)
    {
        public PartLayout Layout => new(Ciphertext.Length, PartSize);

        public byte[] Part(int index) => SegmentPartCodec.Encode(DeviceId, Reference, Layout, index, Ciphertext.AsSpan((int)Layout.OffsetOf(index), Layout.LengthOf(index)));

        public byte[] Commit() => SegmentCommitCodec.Encode(new SegmentCommit(DeviceId, Reference, Layout, SHA256.HashData(Ciphertext), SignedManifest));
    }

    /// <summary>The collector as a child process; killed with SIGKILL and started again on the same store and port.</summary>
    private sealed class CollectorChild
    {
        private readonly Process _process;
        private readonly string _store;
        private readonly int _port;

        private CollectorChild(Process process, string store, int port, DevicePublicKey key, int restarts)
        {
            _process = process;
            _store = store;
            _port = port;
            PublicKey = key;
            Restarts = restarts;
        }

        public DevicePublicKey PublicKey { get; }

        public int Restarts { get; }

        public static CollectorChild Start(string store, int port, int restarts = 0)
        {
            var process = Process.Start(new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "edgecapture"),
                ["collector", "run", "--store", store, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            DevicePublicKey? key = null;
            while (key is null && process.StandardOutput.ReadLine() is { } line)
            {
                if (line.StartsWith("collector public key: ", StringComparison.Ordinal))
                {
                    key = DevicePublicKey.Parse(line["collector public key: ".Length..]);
                }
            }

            Assert.NotNull(key);
            return new CollectorChild(process, store, port, key, restarts);
        }

        public CollectorChild KillAndRestart()
        {
            Kill();
            CollectorChild next = Start(_store, _port, Restarts + 1);
            Assert.Equal(PublicKey, next.PublicKey);
            return next;
        }

        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.WaitForExit();
            _process.Dispose();
        }
    }

    /// <summary>
    /// A box that keeps each segment until a verified <c>stored</c>: parts, then a commit; on <c>missing</c> it resends those
    /// parts; on a lost connection or no answer it reconnects and commits first (the collector says what it lacks).
    /// </summary>
    private sealed class ResendingBox(string deviceId, int port, DevicePublicKey collector) : IAsyncDisposable
    {
        private IMqttClient? _client;
        private TaskCompletionSource<CollectorAnswer>? _waiting;
        private byte[] _correlation = [];

        public async Task<AnswerOutcome> UploadAsync(Segment segment, int? crashAfterPart, bool crashAfterCommit, Action? crash)
        {
            IEnumerable<int> toSend = Enumerable.Range(0, segment.Layout.PartCount);
            for (int round = 0; round < 20; round++)
            {
                try
                {
                    await EnsureConnectedAsync();
                    foreach (int part in toSend)
                    {
                        await PublishAsync(UploadTopics.Part(deviceId), segment.Part(part), null);
                        if (part == crashAfterPart && crash is not null)
                        {
                            crash();
                            crash = null;
                        }
                    }

                    _correlation = Guid.NewGuid().ToByteArray();
                    _waiting = new TaskCompletionSource<CollectorAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
                    await PublishAsync(UploadTopics.Commit(deviceId), segment.Commit(), _correlation);
                    if (crashAfterCommit && crash is not null)
                    {
                        crash();
                        crash = null;
                    }

                    CollectorAnswer answer = await _waiting.Task.WaitAsync(TimeSpan.FromSeconds(5));
                    if (answer.Outcome != AnswerOutcome.Missing)
                    {
                        Assert.Equal(segment.Reference, answer.Segment);
                        return answer.Outcome;
                    }

                    toSend = answer.MissingParts;
                }
                catch (Exception error) when (error is TimeoutException or MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException or InvalidOperationException or OperationCanceledException)
                {
                    // Lost the collector: reconnect and commit first; the answer says what to send.
                    toSend = [];
                }
            }

            throw new TimeoutException($"segment {segment.Reference} was never stored");
        }

        private async Task EnsureConnectedAsync()
        {
            if (_client is { IsConnected: true })
            {
                return;
            }

            _client?.Dispose();
            _client = new MqttClientFactory().CreateMqttClient();
            _client.ApplicationMessageReceivedAsync += received =>
            {
                SignedMessage<CollectorAnswer> answer = CollectorAnswerCodec.Decode(System.Buffers.BuffersExtensions.ToArray(received.ApplicationMessage.Payload));
                if (answer.IsSignedBy(collector) && answer.Message.CorrelationData.Span.SequenceEqual(_correlation))
                {
                    _waiting?.TrySetResult(answer.Message);
                }

                return Task.CompletedTask;
            };
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500)
                        .WithClientId(deviceId).WithCredentials(deviceId, string.Empty).WithTimeout(TimeSpan.FromSeconds(5)).Build());
                    await _client.SubscribeAsync(UploadTopics.Answer(deviceId), MqttQualityOfServiceLevel.AtLeastOnce);
                    return;
                }
                catch (Exception error) when (attempt < 100 && error is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or SocketException)
                {
                    await Task.Delay(100);
                }
            }
        }

        private async Task PublishAsync(string topic, byte[] payload, byte[]? correlation)
        {
            MqttApplicationMessageBuilder message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (correlation is not null)
            {
                message = message.WithResponseTopic(UploadTopics.Answer(deviceId)).WithCorrelationData(correlation);
            }

            MqttClientPublishResult result = await _client!.PublishAsync(message.Build());
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"publish failed: {result.ReasonCode}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_client is { IsConnected: true })
            {
                await _client.DisconnectAsync();
            }

            _client?.Dispose();
        }
    }
}
