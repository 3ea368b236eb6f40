using System.Security.Cryptography;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Index;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Crypto;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Cli.Tests;

/// <summary>
/// The box side of the end-to-end upload fault tests: a data directory with a device key and a real SQLite outbox whose
/// segments were sealed by the production sink (<see cref="OutboxSegmentSink"/>: age to the custodian, signed and chained
/// manifests), and the three checks every fault test ends with ("Exactly once"): every sealed segment stored exactly once
/// by the collector, the box's outbox empty, the chain verifying.
/// </summary>
internal sealed class UploadFaultRig : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-upload-fault-");
    private readonly List<(SegmentKey Key, byte[] Ciphertext)> _sealed = [];

    public UploadFaultRig(string deviceId)
    {
        DeviceId = deviceId;
        Directory.CreateDirectory(DataDirectory);
        DeviceKey = DeviceSigningKey.LoadOrCreate(DeviceKeyPath, DateTimeOffset.UtcNow);
    }

    public string DeviceId { get; }

    public string Root => _directory.FullName;

    public string DataDirectory => Path.Combine(Root, "box");

    public string DeviceKeyPath => Path.Combine(DataDirectory, "device.key");

    public string OutboxPath => Path.Combine(DataDirectory, "outbox.db");

    public string CollectorDirectory => Path.Combine(Root, "collector");

    public AgeIdentity Custodian { get; } = AgeIdentity.Generate();

    public DeviceSigningKey DeviceKey { get; }

    public IReadOnlyList<SegmentKey> Keys => [.. _sealed.Select(item => item.Key)];

    public SegmentOutbox OpenOutbox() => SegmentOutbox.Open(OutboxPath, new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System);

    /// <summary>Seals one session of <paramref name="count"/> segments through the production sink (the last one ends the session).</summary>
    public void SealSession(int count, int plaintextLength)
    {
        using SegmentOutbox outbox = OpenOutbox();
        using var sink = new OutboxSegmentSink(outbox, [Custodian.Recipient], DeviceKey, DeviceId, TimeProvider.System);
        var session = Guid.NewGuid();
        ReadOnlyMemory<byte> previous = ReadOnlyMemory<byte>.Empty;
        DateTimeOffset start = DateTimeOffset.UtcNow.AddMinutes(-10);
        for (int index = 0; index < count; index++)
        {
            byte[] plaintext = RandomNumberGenerator.GetBytes(plaintextLength);
            var request = new SegmentSealRequest(session, index, index * 1_000_000_000L, (index + 1) * 1_000_000_000L, start.AddSeconds(index), start.AddSeconds(index + 1),
                new RecordCounts(1, 1, 0, 0), index == count - 1 ? SessionEndReason.Shutdown : SessionEndReason.None, previous);
            SealedSegment sealedSegment = sink.Seal(request, plaintext) ?? throw new InvalidOperationException("the outbox is full");
            previous = sealedSegment.ManifestSha256;
            var key = new SegmentKey(session, index);
            _sealed.Add((key, ReadCiphertext(outbox, key)));
        }
    }

    public void Enroll(CollectorStore store) => store.Index.Enroll(DeviceId, DeviceKey.PublicKey, replace: false, DateTimeOffset.UtcNow);

    /// <summary>Keys the box's outbox holds as acknowledged (confirmed by a verified <c>stored</c>).</summary>
    public HashSet<SegmentKey> Confirmed()
    {
        using SegmentOutbox outbox = OpenOutbox();
        return [.. Keys.Where(key => outbox.GetSegment(key)?.State == UploadState.Acknowledged)];
    }

    /// <summary>The three checks: stored exactly once (one index row and one .age file each, byte for byte, nothing staged), outbox empty, chain verifying.</summary>
    public void AssertExactlyOnce(CollectorStore store)
    {
        IReadOnlyList<StoredSegment> rows = store.Index.ListSegments(DeviceId);
        Assert.Equal(Keys.Select(key => (key.SessionId, key.SegmentIndex)), rows.Select(row => (row.Segment.SessionId, row.Segment.SegmentIndex)));
        Assert.Equal(_sealed.Count, Directory.EnumerateFiles(Path.Combine(CollectorDirectory, "segments"), "*.age", SearchOption.AllDirectories).Count());
        foreach (((SegmentKey _, byte[] ciphertext), StoredSegment row) in _sealed.Zip(rows))
        {
            using Stream blob = store.Blobs.OpenRead(row.Address)!;
            using var copy = new MemoryStream();
            blob.CopyTo(copy);
            Assert.Equal(ciphertext, copy.ToArray());
        }

        Assert.DoesNotContain(store.Staging.ListSegments(), staged => staged.Parts > 0);

        using (SegmentOutbox outbox = OpenOutbox())
        {
            OutboxStatistics left = outbox.GetStatistics();
            Assert.Equal((0, 0, 0, 0, 0), (left.PendingSegments, left.UploadingSegments, left.UploadedSegments, left.RejectedSegments, left.PendingRetractions));
            Assert.All(Keys, key => Assert.Equal(UploadState.Acknowledged, outbox.GetSegment(key)!.State));
            Assert.All(Keys, key => Assert.False(outbox.TryOpenCiphertext(key, out _), $"{key}'s ciphertext must have left the box"));
        }

        VerificationReport report = SegmentChainVerifier.Verify(
            [.. rows.Select(row => new VerifiableSegment(new SegmentKey(row.Segment.SessionId, row.Segment.SegmentIndex), UploadState.Uploaded, row.Manifest, row.ManifestSha256,
                row.WallClockStartUtc, row.WallClockEndUtc, () => store.Blobs.OpenRead(row.Address)))],
            DeviceKey.PublicKey);
        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        Assert.All(rows, row => Assert.True(row.ChainLinked));
    }

    public static bool IsStored(IngestResult result) => result.Outcome == IngestOutcome.SegmentStored;

    public void Dispose()
    {
        DeviceKey.Dispose();
        Custodian.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private static byte[] ReadCiphertext(SegmentOutbox outbox, SegmentKey key)
    {
        Assert.True(outbox.TryOpenCiphertext(key, out Stream? stream));
        using (stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
