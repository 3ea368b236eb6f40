using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Storage;

namespace EdgeCapture.Transport.Tests;

/// <summary>
/// What a restart must not undo or strand ("Exactly once"): a retraction the collector rejected stays rejected (kept,
/// marked, reported, never sent again), and a segment an earlier run left <see cref="UploadState.Uploaded"/> is committed
/// again and confirmed exactly once.
/// </summary>
public sealed class RestartStateTests
{
    [Fact]
    public async Task A_rejected_retraction_is_kept_marked_and_reported_and_not_sent_again_after_a_restart()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        rig.Collector.RejectRetractions = true;
        SegmentKey[] retracted = [new SegmentKey(Guid.NewGuid(), 0), new SegmentKey(Guid.NewGuid(), 3)];
        byte[] document = RetractionDocumentCodec.Encode(
            new RetractionDocument(UploadRig.DeviceId, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow,
                [.. retracted.Select(UploadRig.Reference)]),
            new SigningKeyMessageSigner(rig.DeviceKey));
        long retractionId = rig.Outbox.QueueRetraction(document, retracted);
        rig.StartBox();
        await Eventually.HoldsAsync(() => rig.Uploader!.Statistics.RetractionsRejected == 1, "the collector rejected the retraction", diagnostics: rig.Logs);
        await rig.StopBoxAsync();
        rig.ReopenOutbox();

        // The restarted box uploads a new segment: the uploader looks at retractions before segments in every round, so once
        // this segment is stored it has decided about the rejected retraction.
        SegmentKey[] later = rig.AppendSegments(1, 5_000);
        rig.StartBox();
        await Eventually.HoldsAsync(() => rig.State(later[0]) == UploadState.Acknowledged, "the later segment is stored", diagnostics: rig.Logs);

        Assert.Single(rig.Collector.Retractions);
        Assert.Equal(0, rig.Uploader!.Statistics.RetractionsRejected);
        Assert.Empty(rig.Outbox.GetPendingRetractions(10));
        OutboxStatistics statistics = rig.Outbox.GetStatistics();
        Assert.Equal(0, statistics.PendingRetractions);
        Assert.Equal(1, statistics.RejectedRetractions);
        RejectedRetraction kept = Assert.Single(rig.Outbox.GetRejectedRetractions(10));
        Assert.Equal(retractionId, kept.RetractionId);
        Assert.Equal(document, kept.Document.ToArray());
        Assert.Equal(retracted.OrderBy(key => key.SessionId.ToString()).ThenBy(key => key.SegmentIndex), kept.Segments);
        Assert.StartsWith("signature-invalid", kept.Reason, StringComparison.Ordinal);

        // The forgotten segments it names are not asked for again either: the rejected retraction is the box's record of the forget.
        Assert.Empty(rig.Outbox.GetSegmentsAwaitingRetraction());
    }

    [Fact]
    public async Task A_segment_left_uploaded_by_an_earlier_run_is_committed_again_and_confirmed_once()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        SegmentKey[] keys = rig.AppendSegments(2, 3 * 4096);
        byte[] ciphertext = rig.Ciphertext(keys[0]);
        Assert.True(rig.Outbox.MarkUploaded(keys[0]));
        rig.ReopenOutbox();

        rig.StartBox();
        // The count follows the outbox's acknowledgement, so waiting on it sees both.
        await Eventually.HoldsAsync(() => rig.Uploader!.Statistics.SegmentsStored == 2, "both segments are stored", diagnostics: rig.Logs);
        Assert.All(keys, key => Assert.Equal(UploadState.Acknowledged, rig.State(key)));

        SegmentReference segment = UploadRig.Reference(keys[0]);
        Assert.Equal(ciphertext, rig.Collector.Stored[segment]);
        // Touched before the restart: committed first (the collector lacks every part), then the parts once, then stored.
        Assert.Equal(2, rig.Collector.CommitArrivals[segment]);
        Assert.All(Enumerable.Range(0, 3), part => Assert.Equal(1, rig.Collector.PartArrivals[(segment, part)]));
        Assert.Equal(0, rig.Outbox.GetStatistics().UploadedSegments);
    }
}
