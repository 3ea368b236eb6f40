using EdgeCapture.Protocol;
using EdgeCapture.Storage;

namespace EdgeCapture.Transport.Tests;

/// <summary>Broker outages and box restarts: uploads resume, nothing confirmed is sent again, nothing is lost.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task Uploads_resume_after_the_broker_is_stopped_and_started_again_mid_upload()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        SegmentKey[] keys = rig.AppendSegments(6, 40_000);
        byte[][] ciphertexts = keys.Select(rig.Ciphertext).ToArray();
        rig.StartBox();

        await Eventually.HoldsAsync(() => rig.Collector.PartArrivals.Count >= 5, "the upload has started", diagnostics: rig.Logs);
        await rig.Broker.StopAsync();
        await Eventually.HoldsAsync(() => rig.Connection!.Current is null, "the box noticed the outage", diagnostics: rig.Logs);

        // A reconnect attempt fails while the broker is down, before it comes back: checked at the end. Restarted sooner, a
        // box slowed by a loaded machine could find the broker back at its first attempt and never back off.
        await Eventually.HoldsAsync(() => rig.ConnectionLog.Entries.Any(entry => entry.EventId.Id == 1003), "the box backed off while the broker was down", diagnostics: rig.Logs);
        await rig.Broker.StartAgainAsync();
        await rig.Collector.ConnectAsync(rig.Broker);

        await Eventually.HoldsAsync(() => keys.All(key => rig.State(key) == UploadState.Acknowledged), "every segment is acknowledged", seconds: 40, diagnostics: rig.Logs);
        for (int index = 0; index < keys.Length; index++)
        {
            Assert.Equal(ciphertexts[index], rig.Collector.Stored[UploadRig.Reference(keys[index])]);
        }

        Assert.True(rig.Connection!.Current!.Generation >= 2, "the box reconnected");
        Assert.Contains(rig.ConnectionLog.Entries, entry => entry.EventId.Id == 1003);
    }

    [Fact]
    public async Task After_a_restart_a_touched_segment_is_committed_first_and_only_missing_parts_travel()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        rig.Collector.Behaviour = CollectorBehaviour.Silent;
        SegmentKey[] keys = rig.AppendSegments(1, 6 * 4096);
        byte[] ciphertext = rig.Ciphertext(keys[0]);
        SegmentReference segment = UploadRig.Reference(keys[0]);
        rig.StartBox();
        await Eventually.HoldsAsync(() => rig.Collector.CommitArrivals.GetValueOrDefault(segment) == 1, "all parts and the commit arrived", diagnostics: rig.Logs);

        // The box goes down before any answer; the collector has staged all parts but part 4.
        await rig.StopBoxAsync();
        rig.ReopenOutbox();
        Assert.Equal(UploadState.Pending, rig.State(keys[0]));
        rig.Collector.ForgetStagedPart(segment, 4);
        rig.Collector.Behaviour = CollectorBehaviour.Honest;
        rig.StartBox();

        await Eventually.HoldsAsync(() => rig.State(keys[0]) == UploadState.Acknowledged, "the segment is acknowledged", diagnostics: rig.Logs);
        Assert.Equal(ciphertext, rig.Collector.Stored[segment]);
        Assert.Equal([1, 1, 1, 1, 2, 1], Enumerable.Range(0, 6).Select(part => rig.Collector.PartArrivals[(segment, part)]).ToArray());
        Assert.Equal(3, rig.Collector.CommitArrivals[segment]);
    }

    [Fact]
    public async Task A_restart_does_not_send_confirmed_segments_again()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        SegmentKey[] first = rig.AppendSegments(2, 5_000);
        rig.StartBox();
        await Eventually.HoldsAsync(() => first.All(key => rig.State(key) == UploadState.Acknowledged), "the first segments are stored", diagnostics: rig.Logs);
        await rig.StopBoxAsync();
        rig.ReopenOutbox();

        SegmentKey[] second = rig.AppendSegments(1, 5_000);
        rig.StartBox();
        await Eventually.HoldsAsync(() => rig.State(second[0]) == UploadState.Acknowledged, "the new segment is stored", diagnostics: rig.Logs);
        Assert.All(first, key => Assert.Equal(1, rig.Collector.CommitArrivals[UploadRig.Reference(key)]));
        Assert.All(first, key => Assert.Equal(1, rig.Collector.PartArrivals[(UploadRig.Reference(key), 0)]));
    }

    [Fact]
    public async Task An_unanswered_commit_is_tried_again_and_the_segment_stays_until_stored()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        rig.Collector.Behaviour = CollectorBehaviour.Silent;
        rig.ConfigureUploader = options => new UploaderOptions
        {
            CollectorKey = options.CollectorKey, MaximumPartSize = options.MaximumPartSize, AnswerTimeout = TimeSpan.FromMilliseconds(300),
            RetryDelay = TimeSpan.FromMilliseconds(50), IdlePollInterval = options.IdlePollInterval,
        };
        SegmentKey[] keys = rig.AppendSegments(1, 5_000);
        rig.StartBox();
        await Eventually.HoldsAsync(() => rig.Uploader!.Statistics.AnswerTimeouts >= 2, "two commits went unanswered", diagnostics: rig.Logs);
        Assert.True(rig.Outbox.TryOpenCiphertext(keys[0], out Stream? stream));
        stream.Dispose();

        rig.Collector.Behaviour = CollectorBehaviour.Honest;
        await Eventually.HoldsAsync(() => rig.State(keys[0]) == UploadState.Acknowledged, "the segment is acknowledged", diagnostics: rig.Logs);
        Assert.Equal(1, rig.Collector.PartArrivals[(UploadRig.Reference(keys[0]), 0)]);
    }
}
