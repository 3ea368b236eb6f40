using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCapture.Upload.Benchmarks;

/// <summary>
/// A box as the broker and the collector see it: one MQTT 5 client (one sender), a device key, and a session whose
/// segments it signs like the recorder. Ciphertext is generated part by part from a seed (never held whole), so a segment
/// may be far larger than memory.
/// </summary>
internal sealed class SimulatedBox : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly DeviceSigningKey _key = DeviceSigningKey.Generate();
    private readonly Dictionary<Guid, TaskCompletionSource<AnswerOutcome>> _waiting = [];
    private readonly Lock _lock = new();
    private readonly Guid _session = Guid.NewGuid();
    private byte[] _previous = new byte[32];
    private int _next;

    public SimulatedBox(string deviceId) => DeviceId = deviceId;

    public string DeviceId { get; }

    public DevicePublicKey PublicKey => _key.PublicKey;

    public DevicePublicKey? Collector { get; set; }

    public async Task ConnectAsync(int port)
    {
        _client.ApplicationMessageReceivedAsync += received =>
        {
            if (Collector is null || received.ApplicationMessage.CorrelationData is not { Length: 16 } correlation)
            {
                return Task.CompletedTask;
            }

            SignedMessage<CollectorAnswer> answer = CollectorAnswerCodec.Decode(System.Buffers.BuffersExtensions.ToArray(received.ApplicationMessage.Payload));
            if (answer.IsSignedBy(Collector))
            {
                lock (_lock)
                {
                    if (_waiting.Remove(new Guid(correlation), out TaskCompletionSource<AnswerOutcome>? waiter))
                    {
                        waiter.TrySetResult(answer.Message.Outcome);
                    }
                }
            }

            return Task.CompletedTask;
        };
        await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(DeviceId).WithCredentials(DeviceId, string.Empty).WithTimeout(TimeSpan.FromSeconds(60)).Build());
        await _client.SubscribeAsync(UploadTopics.Answer(DeviceId), MqttQualityOfServiceLevel.AtLeastOnce);
    }

    /// <summary>Seals the next segment (hashing its generated ciphertext), publishes its parts and commit; returns the commit's correlation.</summary>
    public async Task<(Guid Correlation, Task<AnswerOutcome> Answer, int Messages)> UploadAsync(long length, int partSize, bool expectAnswer)
    {
        var reference = new SegmentReference(_session, _next);
        var layout = new PartLayout(length, partSize);
        byte[] buffer = new byte[partSize];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int part = 0; part < layout.PartCount; part++)
        {
            Fill(buffer.AsSpan(0, layout.LengthOf(part)), reference, part);
            hash.AppendData(buffer, 0, layout.LengthOf(part));
        }

        byte[] ciphertextHash = hash.GetHashAndReset();
        var manifest = new SegmentManifest(ManifestCodec.Version, DeviceId, _session, _next, 0, 1, 0, 1, length,
            ciphertextHash, _previous, false, ["age1bench"], _key.PublicKey.ToArray());
        byte[] body = ManifestCodec.EncodeBody(manifest);
        byte[] signed = ManifestCodec.EncodeSigned(body, _key.Sign(ManifestCodec.SignedMessage(body)));
        _previous = SHA256.HashData(signed);
        _next++;

        for (int part = 0; part < layout.PartCount; part++)
        {
            Fill(buffer.AsSpan(0, layout.LengthOf(part)), reference, part);
            byte[] payload = SegmentPartCodec.Encode(DeviceId, reference, layout, part, buffer.AsSpan(0, layout.LengthOf(part)));
            await PublishAsync(UploadTopics.Part(DeviceId), payload, null);
        }

        Guid correlation = Guid.NewGuid();
        var waiter = new TaskCompletionSource<AnswerOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (expectAnswer)
        {
            lock (_lock)
            {
                _waiting[correlation] = waiter;
            }
        }

        await PublishAsync(UploadTopics.Commit(DeviceId), SegmentCommitCodec.Encode(new SegmentCommit(DeviceId, reference, layout, ciphertextHash, signed)), correlation.ToByteArray());
        return (correlation, waiter.Task, layout.PartCount + 1);
    }

    private async Task PublishAsync(string topic, byte[] payload, byte[]? correlation)
    {
        MqttApplicationMessageBuilder message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (correlation is not null)
        {
            message = message.WithResponseTopic(UploadTopics.Answer(DeviceId)).WithCorrelationData(correlation);
        }

        MqttClientPublishResult result = await _client.PublishAsync(message.Build());
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"publish to {topic} failed: {result.ReasonCode}");
        }
    }

    /// <summary>Pseudo-random bytes for one part, the same every time (xorshift from the segment and part).</summary>
    private static void Fill(Span<byte> destination, SegmentReference reference, int part)
    {
        ulong state = (ulong)reference.SessionId.GetHashCode() * 0x9E3779B97F4A7C15UL ^ ((ulong)reference.SegmentIndex << 32) ^ (ulong)part ^ 0xD1B54A32D192ED03UL;
        int offset = 0;
        while (offset + 8 <= destination.Length)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            BinaryPrimitives.WriteUInt64LittleEndian(destination[offset..], state);
            offset += 8;
        }

        for (; offset < destination.Length; offset++)
        {
            destination[offset] = (byte)offset;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
        _key.Dispose();
    }
}
