using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage.Tests;

/// <summary>
/// What a reopen does with upload states left by the previous process, and rejected retractions ("Exactly once"): sent but
/// never confirmed is pending again; a rejected retraction stays rejected and out of the queue.
/// </summary>
public sealed class RestartRequeueTests : IDisposable
{
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_segment_left_uploading_or_uploaded_is_pending_again_after_a_reopen_and_rejected_or_acknowledged_ones_stay()
    {
        var session = Guid.NewGuid();
        SegmentKey[] keys = [.. Enumerable.Range(0, 5).Select(index => new SegmentKey(session, index))];
        using (SegmentOutbox outbox = _directory.Open())
        {
            foreach (SegmentKey key in keys)
            {
                outbox.AppendSealedSegment(Segments.Create(key));
            }

            Assert.True(outbox.MarkUploading(keys[1]));
            Assert.True(outbox.MarkUploaded(keys[2]));
            Assert.True(outbox.MarkRejected(keys[3], "refused"));
            Assert.True(outbox.MarkAcknowledged(keys[4]));
        }

        using SegmentOutbox reopened = _directory.Open();
        Assert.Equal(keys[..3], reopened.GetPendingUploads(10).Select(segment => segment.Key));
        Assert.Equal(UploadState.Rejected, reopened.GetSegment(keys[3])!.State);
        Assert.Equal(UploadState.Acknowledged, reopened.GetSegment(keys[4])!.State);
        OutboxStatistics statistics = reopened.GetStatistics();
        Assert.Equal((3, 0, 0), (statistics.PendingSegments, statistics.UploadingSegments, statistics.UploadedSegments));
        Assert.Contains(_directory.Logger.Entries, entry => entry.EventId.Id == 4005 && entry.Message.StartsWith("2 ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rejected_retraction_is_kept_with_its_reason_out_of_the_queue_also_after_a_reopen()
    {
        SegmentKey[] named = [new SegmentKey(Guid.NewGuid(), 0)];
        SegmentKey[] other = [new SegmentKey(Guid.NewGuid(), 1)];
        long rejected;
        long pending;
        using (SegmentOutbox outbox = _directory.Open())
        {
            rejected = outbox.QueueRetraction(new byte[] { 1, 2, 3 }, named);
            pending = outbox.QueueRetraction(new byte[] { 4, 5, 6 }, other);
            Assert.Throws<ArgumentException>(() => outbox.MarkRetractionRejected(rejected, " "));
            Assert.Throws<ArgumentException>(() => outbox.MarkRetractionRejected(rejected, new string('x', SegmentOutbox.MaximumRejectionReasonLength + 1)));
            Assert.True(outbox.MarkRetractionRejected(rejected, "signature-invalid"));
            Assert.True(outbox.MarkRetractionRejected(rejected, "signature-invalid"));
            Assert.False(outbox.MarkRetractionRejected(9999, "unknown"));
        }

        using SegmentOutbox reopened = _directory.Open();
        Assert.Equal([pending], reopened.GetPendingRetractions(10).Select(retraction => retraction.RetractionId));
        RejectedRetraction kept = Assert.Single(reopened.GetRejectedRetractions(10));
        Assert.Equal((rejected, "signature-invalid"), (kept.RetractionId, kept.Reason));
        Assert.Equal(new byte[] { 1, 2, 3 }, kept.Document.ToArray());
        Assert.Equal(named, kept.Segments);
        Assert.Equal(_directory.Time.GetUtcNow(), kept.RejectedUtc);
        Assert.Equal((1, 1), (reopened.GetStatistics().PendingRetractions, reopened.GetStatistics().RejectedRetractions));
        Assert.Contains(_directory.Logger.Entries, entry => entry.EventId.Id == 4024);
    }

    [Fact]
    public void A_version_3_database_gains_the_rejection_columns_and_keeps_its_queued_retraction_pending()
    {
        using (SegmentOutbox outbox = _directory.Open())
        {
            outbox.QueueRetraction(new byte[] { 7 }, [new SegmentKey(Guid.NewGuid(), 0)]);
        }

        // Back to version 3's shape: the two columns gone, the version lowered (SQLite 3.35+ drops columns).
        using (var connection = new SqliteConnection($"Data Source={_directory.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE retractions DROP COLUMN rejected_utc_ticks; ALTER TABLE retractions DROP COLUMN rejection_reason; PRAGMA user_version = 3;";
            command.ExecuteNonQuery();
        }

        using SegmentOutbox migrated = _directory.Open();
        PendingRetraction queued = Assert.Single(migrated.GetPendingRetractions(10));
        Assert.True(migrated.MarkRetractionRejected(queued.RetractionId, "after migration"));
        Assert.Empty(migrated.GetPendingRetractions(10));
    }
}
