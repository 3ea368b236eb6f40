namespace EdgeCapture.Storage.Tests;

/// <summary><see cref="SegmentOutbox.GetAllSegments"/>: every state, ordered, tombstones without manifests, forgotten ones absent.</summary>
public sealed class AllSegmentsTests : IDisposable
{
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Lists_every_state_in_session_and_index_order_and_leaves_out_forgotten_segments()
    {
        using SegmentOutbox outbox = _directory.Open();
        Guid first = Guid.NewGuid();
        Guid second = Guid.NewGuid();
        for (int index = 0; index < 4; index++)
        {
            Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(Segments.Create(new SegmentKey(second, index), ciphertextLength: 100)));
            Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(Segments.Create(new SegmentKey(first, index), ciphertextLength: 100)));
        }

        Assert.True(outbox.MarkUploading(new SegmentKey(first, 0)));
        Assert.True(outbox.MarkUploaded(new SegmentKey(first, 1)));
        Assert.True(outbox.MarkUploaded(new SegmentKey(first, 2)));
        Assert.True(outbox.MarkAcknowledged(new SegmentKey(first, 2)));
        Assert.True(outbox.MarkUploaded(new SegmentKey(second, 0)));
        Assert.True(outbox.MarkAcknowledged(new SegmentKey(second, 0)));

        IReadOnlyList<OutboxSegment> all = outbox.GetAllSegments();

        Assert.Equal(8, all.Count);
        // Grouped by session (each session's segments contiguous), ascending index within it.
        Assert.Equal(2, all.Select((segment, position) => (segment.Key.SessionId, Start: position == 0 || all[position - 1].Key.SessionId != segment.Key.SessionId)).Count(entry => entry.Start));
        foreach (Guid session in new[] { first, second })
        {
            Assert.Equal([0, 1, 2, 3], all.Where(segment => segment.Key.SessionId == session).Select(segment => segment.Key.SegmentIndex));
        }

        Assert.Equal(UploadState.Uploading, Find(all, first, 0).State);
        Assert.Equal(UploadState.Uploaded, Find(all, first, 1).State);
        OutboxSegment tombstone = Find(all, first, 2);
        Assert.Equal(UploadState.Acknowledged, tombstone.State);
        Assert.True(tombstone.Manifest.IsEmpty);
        Assert.False(tombstone.ManifestSha256.IsEmpty);
        Assert.Equal(UploadState.Pending, Find(all, first, 3).State);
        Assert.Equal(UploadState.Acknowledged, Find(all, second, 0).State);

        // The pending-upload view alone would miss the uploaded and acknowledged ones.
        Assert.Equal(4, outbox.GetPendingUploads(int.MaxValue).Count);

        // Index 3 of both sessions covers the same wall-clock window: both are forgotten and no longer listed.
        OutboxSegment last = Find(all, second, 3);
        ForgetResult forgotten = outbox.ForgetWindow(last.WallClockStartUtc, last.WallClockEndUtc);
        Assert.Equal(2, forgotten.DeletedBeforeUpload.Count);
        IReadOnlyList<OutboxSegment> after = outbox.GetAllSegments();
        Assert.Equal(6, after.Count);
        Assert.DoesNotContain(after, segment => segment.Key.SegmentIndex == 3);
    }

    [Fact]
    public void An_empty_outbox_lists_nothing()
    {
        using SegmentOutbox outbox = _directory.Open();
        Assert.Empty(outbox.GetAllSegments());
    }

    private static OutboxSegment Find(IReadOnlyList<OutboxSegment> all, Guid session, int index) =>
        Assert.Single(all, segment => segment.Key == new SegmentKey(session, index));
}
