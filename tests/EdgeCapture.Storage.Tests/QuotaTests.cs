namespace EdgeCapture.Storage.Tests;

public sealed class QuotaTests : IDisposable
{
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Append_beyond_the_quota_is_refused_with_storage_full_and_stores_nothing()
    {
        using SegmentOutbox outbox = _directory.Open(new OutboxOptions { QuotaBytes = 3_000 });
        var session = Guid.NewGuid();
        SealedSegmentRecord first = Segments.Create(new SegmentKey(session, 0), ciphertextLength: 1_000, manifestLength: 200);
        SealedSegmentRecord second = Segments.Create(new SegmentKey(session, 1), ciphertextLength: 1_000, manifestLength: 200);
        SealedSegmentRecord third = Segments.Create(new SegmentKey(session, 2), ciphertextLength: 1_000, manifestLength: 200);

        Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(first));
        Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(second));
        Assert.False(outbox.IsStorageFull);
        Assert.False(outbox.CanAccept(1_200));

        Assert.Equal(AppendResult.StorageFull, outbox.AppendSealedSegment(third));

        Assert.True(outbox.IsStorageFull);
        Assert.Equal(2_400, outbox.StoredBytes);
        Assert.Null(outbox.GetSegment(third.Key));
        Assert.Equal(1, outbox.GetChainHead(session)!.LastSegmentIndex);
        Assert.Contains(_directory.Logger.Entries, entry => entry.Message.Contains("Outbox full", StringComparison.Ordinal));
    }

    [Fact]
    public void Acknowledging_gives_the_space_back_and_clears_the_full_state()
    {
        using SegmentOutbox outbox = _directory.Open(new OutboxOptions { QuotaBytes = 3_000 });
        var session = Guid.NewGuid();
        SealedSegmentRecord first = Segments.Create(new SegmentKey(session, 0), ciphertextLength: 1_000, manifestLength: 200);
        SealedSegmentRecord second = Segments.Create(new SegmentKey(session, 1), ciphertextLength: 1_000, manifestLength: 200);
        SealedSegmentRecord third = Segments.Create(new SegmentKey(session, 2), ciphertextLength: 1_000, manifestLength: 200);
        outbox.AppendSealedSegment(first);
        outbox.AppendSealedSegment(second);
        Assert.Equal(AppendResult.StorageFull, outbox.AppendSealedSegment(third));

        outbox.MarkUploaded(first.Key);
        outbox.MarkAcknowledged(first.Key);

        Assert.False(outbox.IsStorageFull);
        Assert.Equal(1_200, outbox.StoredBytes);
        Assert.True(outbox.CanAccept(1_200));
        Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(third));
    }

    [Fact]
    public void Forgetting_gives_the_space_back()
    {
        using SegmentOutbox outbox = _directory.Open(new OutboxOptions { QuotaBytes = 2_500 });
        var session = Guid.NewGuid();
        SealedSegmentRecord first = Segments.Create(new SegmentKey(session, 0), ciphertextLength: 1_000, manifestLength: 200);
        SealedSegmentRecord second = Segments.Create(new SegmentKey(session, 1), ciphertextLength: 1_000, manifestLength: 200);
        SealedSegmentRecord third = Segments.Create(new SegmentKey(session, 2), ciphertextLength: 1_000, manifestLength: 200);
        outbox.AppendSealedSegment(first);
        outbox.AppendSealedSegment(second);
        Assert.Equal(AppendResult.StorageFull, outbox.AppendSealedSegment(third));

        outbox.ForgetWindow(second.WallClockStartUtc, second.WallClockEndUtc);

        Assert.False(outbox.IsStorageFull);
        Assert.Equal(1_200, outbox.StoredBytes);
        Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(third));
    }

    [Fact]
    public void Quota_is_recomputed_from_the_database_on_reopen()
    {
        var session = Guid.NewGuid();
        using (SegmentOutbox outbox = _directory.Open(new OutboxOptions { QuotaBytes = 3_000 }))
        {
            outbox.AppendSealedSegment(Segments.Create(new SegmentKey(session, 0), ciphertextLength: 1_000, manifestLength: 200));
            outbox.AppendSealedSegment(Segments.Create(new SegmentKey(session, 1), ciphertextLength: 1_000, manifestLength: 200));
        }

        using SegmentOutbox reopened = _directory.Open(new OutboxOptions { QuotaBytes = 3_000 });

        Assert.Equal(2_400, reopened.StoredBytes);
        Assert.Equal(AppendResult.StorageFull,
            reopened.AppendSealedSegment(Segments.Create(new SegmentKey(session, 2), ciphertextLength: 1_000, manifestLength: 200)));
    }

    [Fact]
    public void Acknowledged_segments_give_their_pages_back_to_the_file_system()
    {
        using SegmentOutbox outbox = _directory.Open(new OutboxOptions { IncrementalVacuumThresholdBytes = 0 });
        var session = Guid.NewGuid();
        var keys = Enumerable.Range(0, 8).Select(index => new SegmentKey(session, index)).ToArray();
        foreach (SegmentKey key in keys)
        {
            outbox.AppendSealedSegment(Segments.Create(key, ciphertextLength: 512 * 1024));
        }

        long full = outbox.GetStatistics().DatabaseFileBytes;
        foreach (SegmentKey key in keys)
        {
            outbox.MarkAcknowledged(key);
        }

        OutboxStatistics emptied = outbox.GetStatistics();
        Assert.True(emptied.DatabaseFileBytes < full / 10, $"database shrank from {full} only to {emptied.DatabaseFileBytes} bytes");
        Assert.Equal(8, emptied.AcknowledgedTombstones);
        Assert.Equal(0, emptied.StoredBytes);
    }

    [Fact]
    public void File_system_full_during_an_append_returns_storage_full_and_leaves_nothing_half_written()
    {
        // 40 pages of 4 KiB: the schema takes a few, so a 100 KB segment cannot fit while 30 KB ones can.
        using SegmentOutbox outbox = _directory.Open(new OutboxOptions { MaximumPageCount = 40, IncrementalVacuumThresholdBytes = 0 });
        var session = Guid.NewGuid();
        SealedSegmentRecord small = Segments.Create(new SegmentKey(session, 0), ciphertextLength: 30_000);
        SealedSegmentRecord large = Segments.Create(new SegmentKey(session, 1), ciphertextLength: 100_000);
        Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(small));

        Assert.Equal(AppendResult.StorageFull, outbox.AppendSealedSegment(large));

        Assert.True(outbox.IsStorageFull);
        Assert.Null(outbox.GetSegment(large.Key));
        Assert.Equal(0, outbox.GetChainHead(session)!.LastSegmentIndex);
        Assert.Equal(small.Ciphertext.Length + small.Manifest.Length, outbox.StoredBytes);
        Assert.Contains(_directory.Logger.Entries, entry => entry.Message.Contains("File system full", StringComparison.Ordinal));

        // The outbox keeps working: the stored segment reads back, and once it is acknowledged a smaller segment fits.
        Assert.Equal(small.Ciphertext.ToArray(), Segments.ReadCiphertext(outbox, small.Key));
        outbox.MarkAcknowledged(small.Key);
        Assert.False(outbox.IsStorageFull);
        Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(Segments.Create(new SegmentKey(session, 1), ciphertextLength: 60_000)));
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _directory.Open(new OutboxOptions { QuotaBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _directory.Open(new OutboxOptions { AcknowledgedRetention = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _directory.Open(new OutboxOptions { StartupCheck = (OutboxStartupCheck)7 }));
    }
}
