using EdgeCapture.Dataset.Export;
using EdgeCapture.Dataset.Sources;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// An export from an outbox leaves the outbox exactly as it found it: the database, its write-ahead log and the device key
/// byte for byte, no file added or removed (no lock file), even where the box's own open would change it (segments sent
/// but never confirmed are requeued by the box's open, its write-ahead log checkpointed on close).
/// </summary>
public sealed class OutboxReadOnlyTests : IClassFixture<RecordedBox>
{
    private readonly RecordedBox _box;

    public OutboxReadOnlyTests(RecordedBox box) => _box = box;

    [Fact]
    public async Task An_export_leaves_a_closed_outbox_byte_for_byte_as_it_was()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-readonly-");
        using var cleanup = new DirectoryCleanup(work);
        string box = _box.CopyBox(work);

        // Two segments in flight when the box stopped: the box's own open would put both back to pending.
        int held;
        using (SegmentOutbox outbox = SegmentOutbox.Open(Path.Combine(box, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System))
        {
            IReadOnlyList<OutboxSegment> segments = outbox.GetAllSegments();
            held = segments.Count;
            Assert.True(outbox.MarkUploading(segments[0].Key));
            Assert.True(outbox.MarkUploaded(segments[1].Key));
        }

        File.Delete(Path.Combine(box, "outbox.db.lock"));
        Dictionary<string, byte[]> before = Snapshot(box);
        Assert.False(before.ContainsKey("outbox.db-wal"), "a cleanly closed outbox has no write-ahead log");

        ExportResult result = await ExportAsync(box, Path.Combine(work.FullName, "export"));

        Assert.Equal(held, result.Segments);
        AssertUnchanged(before, Snapshot(box));
    }

    [Fact]
    public async Task An_export_leaves_a_copy_of_a_running_box_with_its_write_ahead_log_as_it_was()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-readonly-wal-");
        using var cleanup = new DirectoryCleanup(work);
        string running = _box.CopyBox(work);
        string copy = Path.Combine(work.FullName, "copy");
        Directory.CreateDirectory(copy);

        // Copied while the box has the outbox open, with a state change only in its write-ahead log.
        int held;
        using (SegmentOutbox outbox = SegmentOutbox.Open(Path.Combine(running, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System))
        {
            IReadOnlyList<OutboxSegment> segments = outbox.GetAllSegments();
            held = segments.Count;
            Assert.True(outbox.MarkUploading(segments[0].Key));
            foreach (string file in Directory.GetFiles(running).Where(file => !file.EndsWith(".lock", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
        }

        Dictionary<string, byte[]> before = Snapshot(copy);
        Assert.True(before.TryGetValue("outbox.db-wal", out byte[]? wal) && wal.Length > 0, "the copy must hold a write-ahead log with content");

        ExportResult result = await ExportAsync(copy, Path.Combine(work.FullName, "export"));

        Assert.Equal(held, result.Segments);
        Dictionary<string, byte[]> after = Snapshot(copy);

        // Only SQLite's shared-memory index (-shm) may be rebuilt by a reader; the data files are never written.
        before.Remove("outbox.db-shm");
        after.Remove("outbox.db-shm");
        AssertUnchanged(before, after);
    }

    [Fact]
    public void A_read_only_outbox_refuses_every_change()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-readonly-refuse-");
        using var cleanup = new DirectoryCleanup(work);
        string box = _box.CopyBox(work);
        using SegmentOutbox outbox = SegmentOutbox.OpenReadOnly(Path.Combine(box, "outbox.db"), OutboxStartupCheck.SchemaOnly, NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
        SegmentKey key = outbox.GetAllSegments()[0].Key;

        Assert.True(outbox.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => outbox.MarkUploading(key));
        Assert.Throws<InvalidOperationException>(() => outbox.MarkAcknowledged(key));
        Assert.Throws<InvalidOperationException>(() => outbox.ForgetWindow(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow));
        Assert.True(outbox.TryOpenCiphertext(key, out Stream? ciphertext));
        using (ciphertext)
        {
            Assert.True(ciphertext.ReadByte() >= 0);
        }

        Assert.False(File.Exists(Path.Combine(box, "outbox.db-wal")));
        Assert.False(File.Exists(Path.Combine(box, "outbox.db-shm")));
    }

    private async Task<ExportResult> ExportAsync(string box, string output)
    {
        using OutboxSegmentSource source = OutboxSegmentSource.Open(box);
        return await DatasetExporter.ExportAsync(source, new ExportOptions { OutputDirectory = output, Identities = _box.LoadIdentity(), Format = ExportFormat.HuggingFace });
    }

    private static Dictionary<string, byte[]> Snapshot(string directory) =>
        Directory.GetFiles(directory).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes, StringComparer.Ordinal);

    private static void AssertUnchanged(Dictionary<string, byte[]> before, Dictionary<string, byte[]> after)
    {
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        foreach ((string name, byte[] bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed ({bytes.Length} bytes before, {after[name].Length} after)");
        }
    }
}
