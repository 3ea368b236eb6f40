using EdgeCapture.Linux;

namespace EdgeCapture.Storage.Tests;

/// <summary>Forget by monotonic time within the current boot, earlier boots conservatively, leaving only a count.</summary>
public sealed class ForgetRangeTests : IDisposable
{
    private static readonly BootId CurrentBoot = new(Guid.Parse("11111111-1111-4111-8111-111111111111"));
    private static readonly BootId EarlierBoot = new(Guid.Parse("22222222-2222-4222-8222-222222222222"));
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static SealedSegmentRecord Segment(SegmentKey key, BootId? boot, long monotonicStartSeconds, DateTimeOffset wallStart)
    {
        SealedSegmentRecord record = Segments.Create(key, wallStart: wallStart);
        return new SealedSegmentRecord
        {
            Key = record.Key,
            MonotonicStartNanoseconds = monotonicStartSeconds * 1_000_000_000L,
            MonotonicEndNanoseconds = (monotonicStartSeconds + 5) * 1_000_000_000L,
            WallClockStartUtc = record.WallClockStartUtc,
            WallClockEndUtc = record.WallClockEndUtc,
            Ciphertext = record.Ciphertext,
            Manifest = record.Manifest,
            CiphertextSha256 = record.CiphertextSha256,
            ManifestSha256 = record.ManifestSha256,
            BootId = boot,
        };
    }

    private static ForgetRange Range(long fromSeconds, long toSeconds, DateTimeOffset wallFrom, DateTimeOffset wallTo) => new()
    {
        CurrentBoot = CurrentBoot,
        MonotonicFromNanoseconds = fromSeconds * 1_000_000_000L,
        MonotonicToNanoseconds = toSeconds * 1_000_000_000L,
        WallClockFromUtc = wallFrom,
        WallClockToUtc = wallTo,
    };

    [Fact]
    public void Current_boot_segments_are_matched_by_monotonic_range_never_by_a_stepped_wall_clock()
    {
        using SegmentOutbox outbox = _directory.Open();
        var session = Guid.NewGuid();
        DateTimeOffset wall = Segments.Epoch;
        outbox.AppendSealedSegment(Segment(new SegmentKey(session, 0), CurrentBoot, 100, wall));
        outbox.AppendSealedSegment(Segment(new SegmentKey(session, 1), CurrentBoot, 400, wall.AddSeconds(300)));

        // The wall clock was stepped by a day after sealing: a wall-clock match would find nothing, or the wrong segment.
        ForgetResult result = outbox.Forget(Range(300, 420, wall.AddDays(1), wall.AddDays(1).AddMinutes(2)));

        Assert.Equal([new SegmentKey(session, 1)], result.DeletedBeforeUpload);
        Assert.NotNull(outbox.GetSegment(new SegmentKey(session, 0)));
        Assert.True(result.IsComplete);

        // And a wall-clock window over segment 0 does not touch it either: the current boot is never matched by wall clock.
        ForgetResult byWall = outbox.Forget(Range(1000, 1100, wall, wall.AddSeconds(10)));
        Assert.Empty(byWall.DeletedBeforeUpload);
        Assert.Equal(CurrentBoot, outbox.GetSegment(new SegmentKey(session, 0))!.BootId);
    }

    [Fact]
    public void Earlier_boots_are_matched_conservatively_when_the_window_reaches_before_this_boot()
    {
        using SegmentOutbox outbox = _directory.Open();
        var earlier = Guid.NewGuid();
        DateTimeOffset wall = Segments.Epoch;
        outbox.AppendSealedSegment(Segment(new SegmentKey(earlier, 0), EarlierBoot, 1000, wall));
        outbox.AppendSealedSegment(Segment(new SegmentKey(earlier, 1), EarlierBoot, 1900, wall.AddSeconds(900)));
        outbox.AppendSealedSegment(Segment(new SegmentKey(earlier, 2), EarlierBoot, 1990, wall.AddSeconds(990)));
        var legacy = Guid.NewGuid();
        outbox.AppendSealedSegment(Segment(new SegmentKey(legacy, 0), null, 50, wall.AddDays(-30)));

        // Pressed 20 s after this boot began, window 2 minutes: it reaches 100 s before the boot. Boot 2's last instant is
        // 1995 s; everything of it that ended at or after 1895 s may be inside the window, whatever the wall clocks say.
        ForgetResult result = outbox.Forget(Range(-100, 20, wall.AddDays(5), wall.AddDays(5).AddMinutes(2)));

        // The segment without a boot id was stored last, so it counts as the most recent earlier boot and goes first (5 s of
        // its span used up); then the earlier boot from 1995 - 95 s on. Its oldest segment is out of reach and stays.
        Assert.Contains(new SegmentKey(legacy, 0), result.DeletedBeforeUpload);
        Assert.Contains(new SegmentKey(earlier, 1), result.DeletedBeforeUpload);
        Assert.Contains(new SegmentKey(earlier, 2), result.DeletedBeforeUpload);
        Assert.Equal(3, result.DeletedBeforeUpload.Count);
        Assert.NotNull(outbox.GetSegment(new SegmentKey(earlier, 0)));
    }

    [Fact]
    public void A_wholly_forgotten_session_leaves_no_chain_head_and_a_partly_forgotten_one_keeps_it()
    {
        using SegmentOutbox outbox = _directory.Open();
        var gone = Guid.NewGuid();
        var kept = Guid.NewGuid();
        outbox.AppendSealedSegment(Segment(new SegmentKey(kept, 0), CurrentBoot, 10, Segments.Epoch));
        outbox.AppendSealedSegment(Segment(new SegmentKey(gone, 0), CurrentBoot, 100, Segments.Epoch));
        outbox.AppendSealedSegment(Segment(new SegmentKey(gone, 1), CurrentBoot, 105, Segments.Epoch));
        outbox.AppendSealedSegment(Segment(new SegmentKey(kept, 1), CurrentBoot, 200, Segments.Epoch));
        Assert.True(outbox.MarkUploading(new SegmentKey(gone, 1)));
        Assert.True(outbox.MarkUploaded(new SegmentKey(gone, 1)));

        ForgetResult result = outbox.Forget(Range(95, 112, Segments.Epoch.AddDays(1), Segments.Epoch.AddDays(1)));

        Assert.Equal([new SegmentKey(gone, 0)], result.DeletedBeforeUpload);
        Assert.Equal([new SegmentKey(gone, 1)], result.RequireRetraction);
        Assert.Null(outbox.GetChainHead(gone));
        Assert.NotNull(outbox.GetChainHead(kept));
        Assert.DoesNotContain(outbox.GetAllSegments(), segment => segment.Key.SessionId == gone);
    }

    [Fact]
    public void A_forget_stays_incomplete_until_the_write_ahead_log_truncates()
    {
        using SegmentOutbox outbox = _directory.Open();
        var session = Guid.NewGuid();
        outbox.AppendSealedSegment(Segment(new SegmentKey(session, 0), CurrentBoot, 10, Segments.Epoch));
        outbox.AppendSealedSegment(Segment(new SegmentKey(session, 1), CurrentBoot, 100, Segments.Epoch));

        // An upload reading segment 0 holds a snapshot: the log cannot be truncated while it is open.
        Assert.True(outbox.TryOpenCiphertext(new SegmentKey(session, 0), out Stream? reading));
        ForgetResult result;
        using (reading)
        {
            reading.ReadByte();
            result = outbox.Forget(Range(95, 110, Segments.Epoch, Segments.Epoch));
            Assert.False(result.IsComplete);
            Assert.False(outbox.IsForgetComplete);
            Assert.False(outbox.RetryForgetCheckpoint());
        }

        Assert.True(outbox.RetryForgetCheckpoint());
        Assert.True(outbox.IsForgetComplete);
        Assert.Equal(0, new FileInfo(_directory.DatabasePath + "-wal").Length);
    }

    [Fact]
    public void A_forget_deletes_databases_moved_aside_as_corrupt()
    {
        using SegmentOutbox outbox = _directory.Open();
        string corrupt = _directory.DatabasePath + ".corrupt-20260301T080000Z";
        File.WriteAllBytes(corrupt, [1, 2, 3]);
        File.WriteAllBytes(corrupt + "-wal", [4, 5, 6]);

        ForgetResult result = outbox.Forget(Range(0, 10, Segments.Epoch, Segments.Epoch));

        Assert.Equal(1, result.CorruptCopiesDeleted);
        Assert.False(File.Exists(corrupt));
        Assert.False(File.Exists(corrupt + "-wal"));
    }
}
