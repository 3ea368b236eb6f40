using System.Security.Cryptography;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Transport.Tests;

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds, failing after <paramref name="seconds"/> of real time.</summary>
    public static async Task HoldsAsync(Func<bool> condition, string what, double seconds = 30, Func<string>? diagnostics = null)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting until " + what + (diagnostics is null ? string.Empty : "\n" + diagnostics()));
            await Task.Delay(20);
        }
    }
}

/// <summary>
/// One box against the embedded broker and the fake collector: a real SQLite outbox in a temporary directory, the
/// shared connection and the uploader, which can be stopped and started again (a restart) with the same outbox file.
/// </summary>
internal sealed class UploadRig : IAsyncDisposable
{
    public const string DeviceId = "box-test-1";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgecapture-upload-" + Guid.NewGuid().ToString("N"));
    private CancellationTokenSource? _stop;
    private Task? _connectionTask;
    private Task? _uploaderTask;

    private UploadRig(EmbeddedBroker broker, FakeCollector collector)
    {
        Broker = broker;
        Collector = collector;
        Directory.CreateDirectory(_directory);
        Outbox = OpenOutbox();
    }

    public EmbeddedBroker Broker { get; }

    public FakeCollector Collector { get; }

    public SegmentOutbox Outbox { get; private set; }

    public DeviceSigningKey DeviceKey { get; } = DeviceSigningKey.Generate();

    public InMemoryPresenceSequence Sequence { get; } = new();

    public BoxMqttConnection? Connection { get; private set; }

    public SegmentUploader? Uploader { get; private set; }

    public RecordingLogger<SegmentUploader> UploaderLog { get; private set; } = new();

    public RecordingLogger<BoxMqttConnection> ConnectionLog { get; private set; } = new();

    public Func<UploaderOptions, UploaderOptions> ConfigureUploader { get; set; } = options => options;

    public TimeProvider UploaderTime { get; set; } = TimeProvider.System;

    public static async Task<UploadRig> StartAsync(uint announcedMaximumPacketSize = 0)
    {
        EmbeddedBroker broker = await EmbeddedBroker.StartAsync(announcedMaximumPacketSize);
        FakeCollector collector = await FakeCollector.StartAsync(broker);
        return new UploadRig(broker, collector);
    }

    public MqttConnectionOptions ConnectionOptions() => new()
    {
        BrokerUri = Broker.Uri,
        DeviceId = DeviceId,
        PingInterval = TimeSpan.FromMilliseconds(200),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        MinimumReconnectDelay = TimeSpan.FromMilliseconds(50),
        MaximumReconnectDelay = TimeSpan.FromMilliseconds(400),
        Presence = new PresenceOptions { DeviceKey = new SigningKeyMessageSigner(DeviceKey), Sequence = Sequence },
    };

    public void StartBox()
    {
        _stop = new CancellationTokenSource();
        UploaderLog = new RecordingLogger<SegmentUploader>();
        ConnectionLog = new RecordingLogger<BoxMqttConnection>();
        Connection = new BoxMqttConnection(ConnectionOptions(), TimeProvider.System, ConnectionLog);
        Uploader = new SegmentUploader(Outbox, Connection, ConfigureUploader(new UploaderOptions
        {
            CollectorKey = Collector.PublicKey,
            MaximumPartSize = 4096,
            AnswerTimeout = TimeSpan.FromSeconds(3),
            RetryDelay = TimeSpan.FromMilliseconds(100),
            IdlePollInterval = TimeSpan.FromMilliseconds(50),
        }), UploaderTime, UploaderLog);
        _connectionTask = Connection.RunAsync(_stop.Token);
        _uploaderTask = Uploader.RunAsync(_stop.Token);
    }

    /// <summary>Asks the box to stop, synchronously, without waiting for it (then <see cref="StopBoxAsync"/>).</summary>
    public void RequestStop() => _stop?.Cancel();

    /// <summary>Stops the box (uploader and connection) the way a service stop does.</summary>
    public async Task StopBoxAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        await _uploaderTask!;
        await _connectionTask!;
        await Connection!.DisposeAsync();
        _stop.Dispose();
        _stop = null;
    }

    /// <summary>Closes and reopens the outbox file, as a restarted process does.</summary>
    public void ReopenOutbox()
    {
        Outbox.Dispose();
        Outbox = OpenOutbox();
    }

    public SegmentKey[] AppendSegments(int count, int ciphertextLength, Guid? session = null)
    {
        Guid sessionId = session ?? Guid.NewGuid();
        var keys = new SegmentKey[count];
        for (int index = 0; index < count; index++)
        {
            byte[] ciphertext = RandomNumberGenerator.GetBytes(ciphertextLength);
            byte[] manifest = RandomNumberGenerator.GetBytes(200);
            DateTimeOffset start = DateTimeOffset.UtcNow.AddMinutes(-10 + index);
            keys[index] = new SegmentKey(sessionId, index);
            Assert.Equal(AppendResult.Stored, Outbox.AppendSealedSegment(new SealedSegmentRecord
            {
                Key = keys[index],
                MonotonicStartNanoseconds = index * 1_000_000_000L,
                MonotonicEndNanoseconds = (index + 1) * 1_000_000_000L,
                WallClockStartUtc = start,
                WallClockEndUtc = start.AddSeconds(1),
                Ciphertext = ciphertext,
                Manifest = manifest,
                CiphertextSha256 = SHA256.HashData(ciphertext),
                ManifestSha256 = SHA256.HashData(manifest),
            }));
        }

        return keys;
    }

    public byte[] Ciphertext(SegmentKey key)
    {
        Assert.True(Outbox.TryOpenCiphertext(key, out Stream? stream));
        using (stream)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }

    public UploadState? State(SegmentKey key) => Outbox.GetSegment(key)?.State;

    /// <summary>The box's connection and uploader log, for failure messages.</summary>
    public string Logs() => string.Join("\n", ConnectionLog.Entries.Concat(UploaderLog.Entries).Select(entry => $"{entry.Level} {entry.EventId.Id} {entry.Message}"));

    public static SegmentReference Reference(SegmentKey key) => new(key.SessionId, key.SegmentIndex);

    public async ValueTask DisposeAsync()
    {
        await StopBoxAsync();
        await Collector.DisposeAsync();
        await Broker.DisposeAsync();
        Outbox.Dispose();
        DeviceKey.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private SegmentOutbox OpenOutbox() =>
        SegmentOutbox.Open(Path.Combine(_directory, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
}
