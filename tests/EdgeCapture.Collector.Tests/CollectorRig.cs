using EdgeCapture.Collector.Ingest;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Collector.Tests;

/// <summary>A collector store in a temporary directory with ingest called directly (no broker), and a log that tests can read.</summary>
internal sealed class CollectorRig : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("edgecapture-collector-");

    public CollectorRig(Func<CollectorOptions, CollectorOptions>? configure = null)
    {
        var options = new CollectorOptions { StoreDirectory = Path.Combine(_directory.FullName, "store") };
        Options = configure?.Invoke(options) ?? options;
        Store = CollectorStore.Open(Options);
        CollectorKey = DeviceSigningKey.Generate();
        Log = new ListLogger<SegmentIngest>();
        Ingest = new SegmentIngest(Store, new SigningKeyMessageSigner(CollectorKey), Time, Log);
    }

    public string Directory => _directory.FullName;

    public CollectorOptions Options { get; }

    public CollectorStore Store { get; }

    public DeviceSigningKey CollectorKey { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    public ListLogger<SegmentIngest> Log { get; }

    public SegmentIngest Ingest { get; }

    public void Enroll(TestDevice device) => Store.Index.Enroll(device.DeviceId, device.Key.PublicKey, replace: false, Time.GetUtcNow());

    public IngestResult Send(string topic, byte[] payload, byte[]? correlation = null) =>
        Ingest.Handle(new IncomingMessage(topic, payload, null, correlation ?? [1, 2, 3]));

    public IngestResult SendParts(TestSegment segment, int partSize = 1024, IEnumerable<int>? only = null)
    {
        IngestResult? last = null;
        foreach (int index in only ?? Enumerable.Range(0, segment.Layout(partSize).PartCount))
        {
            last = Send(UploadTopics.Part(segment.DeviceId), segment.Part(index, partSize));
        }

        return last!;
    }

    public IngestResult Commit(TestSegment segment, int partSize = 1024) => Send(UploadTopics.Commit(segment.DeviceId), segment.Commit(partSize));

    public IngestResult Upload(TestSegment segment, int partSize = 1024)
    {
        SendParts(segment, partSize);
        return Commit(segment, partSize);
    }

    /// <summary>Checks that an answer is signed by the collector and returns what it says.</summary>
    public CollectorAnswer Verified(IngestResult result)
    {
        Assert.NotNull(result.Answer);
        SignedMessage<CollectorAnswer> signed = CollectorAnswerCodec.Decode(result.Answer!.Payload);
        Assert.True(signed.IsSignedBy(CollectorKey.PublicKey), "the answer must be signed by the collector's key");
        return signed.Message;
    }

    public void Dispose()
    {
        Store.Dispose();
        CollectorKey.Dispose();
        _directory.Delete(recursive: true);
    }
}

/// <summary>A logger that keeps what was logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly Lock _lock = new();
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock)
        {
            _entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
