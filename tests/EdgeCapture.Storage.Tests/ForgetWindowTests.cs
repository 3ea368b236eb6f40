namespace EdgeCapture.Storage.Tests;

public sealed class ForgetWindowTests : IDisposable
{
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Forget_deletes_pending_segments_and_names_uploaded_ones_for_a_retraction()
    {
        using SegmentOutbox outbox = _directory.Open();
        var session = Guid.NewGuid();
        // Segments of 5 s starting at Epoch + 0, 5, 10, 15, 20, 25 s.
        SealedSegmentRecord[] records = [.. Enumerable.Range(0, 6).Select(index => Segments.Create(new SegmentKey(session, index)))];
        foreach (SealedSegmentRecord record in records)
        {
            outbox.AppendSealedSegment(record);
        }

        outbox.MarkUploaded(records[1].Key);
        outbox.MarkUploading(records[2].Key);
        outbox.MarkAcknowledged(records[3].Key);

        // Window 7 s .. 21 s overlaps segments 1 (5-10), 2, 3, 4 (20-25); not 0 (0-5) or 5 (25-30).
        ForgetResult result = outbox.ForgetWindow(Segments.Epoch.AddSeconds(7), Segments.Epoch.AddSeconds(21));

        Assert.Equal([records[4].Key], result.DeletedBeforeUpload);
        Assert.Equal([records[1].Key, records[2].Key, records[3].Key], result.RequireRetraction);
        foreach (int index in new[] { 1, 2, 3, 4 })
        {
            Assert.Null(outbox.GetSegment(records[index].Key));
            Assert.False(outbox.TryOpenCiphertext(records[index].Key, out _));
        }

        Assert.Equal([records[0].Key, records[5].Key], outbox.GetPendingUploads(10).Select(segment => segment.Key));
        Assert.Equal(result.RequireRetraction, outbox.GetSegmentsAwaitingRetraction());
        Assert.Equal(2 * 1_200, outbox.StoredBytes);
        Assert.False(outbox.MarkUploaded(records[2].Key));
    }

    [Fact]
    public void Window_edges_that_only_touch_a_segment_do_not_forget_it()
    {
        using SegmentOutbox outbox = _directory.Open();
        var session = Guid.NewGuid();
        SealedSegmentRecord first = Segments.Create(new SegmentKey(session, 0));
        SealedSegmentRecord second = Segments.Create(new SegmentKey(session, 1));
        outbox.AppendSealedSegment(first);
        outbox.AppendSealedSegment(second);

        ForgetResult result = outbox.ForgetWindow(first.WallClockEndUtc, first.WallClockEndUtc);

        Assert.Empty(result.DeletedBeforeUpload);
        Assert.Empty(result.RequireRetraction);
        Assert.Equal(2, outbox.GetPendingUploads(10).Count);
    }

    [Fact]
    public void Queued_retraction_clears_the_awaiting_list_and_is_delivered_once()
    {
        using SegmentOutbox outbox = _directory.Open();
        var session = Guid.NewGuid();
        SealedSegmentRecord record = Segments.Create(new SegmentKey(session, 0));
        outbox.AppendSealedSegment(record);
        outbox.MarkUploaded(record.Key);
        ForgetResult result = outbox.ForgetWindow(record.WallClockStartUtc, record.WallClockEndUtc);
        byte[] document = [1, 2, 3, 4, 5];

        long retractionId = outbox.QueueRetraction(document, result.RequireRetraction);

        Assert.Empty(outbox.GetSegmentsAwaitingRetraction());
        PendingRetraction pending = Assert.Single(outbox.GetPendingRetractions(10));
        Assert.Equal(retractionId, pending.RetractionId);
        Assert.Equal(document, pending.Document.ToArray());
        Assert.Equal([record.Key], pending.Segments);
        Assert.Equal(_directory.Time.GetUtcNow(), pending.CreatedUtc);
        Assert.True(outbox.MarkRetractionDelivered(retractionId));
        Assert.False(outbox.MarkRetractionDelivered(retractionId));
        Assert.Empty(outbox.GetPendingRetractions(10));
    }

    [Fact]
    public void Segments_awaiting_retraction_and_queued_retractions_survive_a_restart()
    {
        var session = Guid.NewGuid();
        SealedSegmentRecord first = Segments.Create(new SegmentKey(session, 0));
        SealedSegmentRecord second = Segments.Create(new SegmentKey(session, 1));
        using (SegmentOutbox outbox = _directory.Open())
        {
            outbox.AppendSealedSegment(first);
            outbox.AppendSealedSegment(second);
            outbox.MarkUploaded(first.Key);
            outbox.MarkUploaded(second.Key);
            outbox.ForgetWindow(first.WallClockStartUtc, second.WallClockEndUtc);
            outbox.QueueRetraction(new byte[] { 9 }, [first.Key]);
        }

        using SegmentOutbox reopened = _directory.Open();

        Assert.Equal([second.Key], reopened.GetSegmentsAwaitingRetraction());
        Assert.Equal([first.Key], Assert.Single(reopened.GetPendingRetractions(10)).Segments);
    }

    [Fact]
    public void A_forgotten_segment_cannot_be_appended_again()
    {
        using SegmentOutbox outbox = _directory.Open();
        SealedSegmentRecord record = Segments.Create(new SegmentKey(Guid.NewGuid(), 0));
        outbox.AppendSealedSegment(record);
        outbox.MarkUploaded(record.Key);
        outbox.ForgetWindow(record.WallClockStartUtc, record.WallClockEndUtc);

        ArgumentException error = Assert.Throws<ArgumentException>(() => outbox.AppendSealedSegment(record));

        Assert.Contains("forgotten", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_forget_and_retraction_arguments_are_rejected()
    {
        using SegmentOutbox outbox = _directory.Open();

        Assert.Throws<ArgumentException>(() => outbox.ForgetWindow(Segments.Epoch, Segments.Epoch.AddTicks(-1)));
        Assert.Throws<ArgumentException>(() => outbox.QueueRetraction(ReadOnlyMemory<byte>.Empty, [new SegmentKey(Guid.NewGuid(), 0)]));
        Assert.Throws<ArgumentException>(() => outbox.QueueRetraction(new byte[] { 1 }, []));
    }

    [Fact]
    public void Forgotten_ciphertext_is_gone_from_every_file_of_the_outbox()
    {
        var session = Guid.NewGuid();
        SealedSegmentRecord kept = Segments.Create(new SegmentKey(session, 0), ciphertextLength: 40_000);
        SealedSegmentRecord forgotten = Segments.Create(new SegmentKey(session, 1), ciphertextLength: 40_000);
        using (SegmentOutbox outbox = _directory.Open(new OutboxOptions { IncrementalVacuumThresholdBytes = long.MaxValue }))
        {
            outbox.AppendSealedSegment(kept);
            outbox.AppendSealedSegment(forgotten);
            outbox.ForgetWindow(forgotten.WallClockStartUtc, forgotten.WallClockEndUtc);

            // While the outbox is still open (main file, WAL and shm all present; the lock file is empty and locked), no 64-byte run of the forgotten ciphertext remains.
            byte[] keptProbe = kept.Ciphertext[1000..1064].ToArray();
            byte[][] forgottenProbes = [.. Enumerable.Range(0, 10).Select(chunk => forgotten.Ciphertext.Slice(chunk * 4000, 64).ToArray())];
            byte[] everything = [.. Directory.EnumerateFiles(_directory.DirectoryPath).Where(path => !path.EndsWith(".lock", StringComparison.Ordinal)).SelectMany(ReadShared)];
            Assert.True(everything.AsSpan().IndexOf(keptProbe) >= 0, "control: the kept ciphertext is found");
            foreach (byte[] probe in forgottenProbes)
            {
                Assert.True(everything.AsSpan().IndexOf(probe) < 0, "forgotten ciphertext bytes are still in the outbox files");
            }
        }
    }

    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }
}
