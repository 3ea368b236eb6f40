using EdgeCapture.Protocol;
using EdgeCapture.Storage;

namespace EdgeCapture.Transport.Tests;

/// <summary>
/// "Exactly once" on the box's side, against the embedded MQTTnet broker and a collector written in the test:
/// a segment leaves the outbox only on a verified signed <c>stored</c>, whatever else arrives.
/// </summary>
public sealed class UploadTests
{
    [Fact]
    public async Task Every_segment_is_stored_byte_for_byte_and_then_leaves_the_outbox()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        SegmentKey[] keys = rig.AppendSegments(3, 10_000);
        byte[][] ciphertexts = keys.Select(rig.Ciphertext).ToArray();
        rig.StartBox();

        // The uploader counts a segment after the outbox acknowledged it, so the count is the later of the two signals.
        await Eventually.HoldsAsync(() => rig.Uploader!.Statistics.SegmentsStored == 3, "every segment is acknowledged", diagnostics: rig.Logs);
        Assert.All(keys, key => Assert.Equal(UploadState.Acknowledged, rig.State(key)));
        for (int index = 0; index < keys.Length; index++)
        {
            Assert.Equal(ciphertexts[index], rig.Collector.Stored[UploadRig.Reference(keys[index])]);
            Assert.False(rig.Outbox.TryOpenCiphertext(keys[index], out _));
        }

        // 10,000 bytes in parts of 4096: three parts each, each sent once, and one commit per segment.
        Assert.All(keys, key => Assert.Equal(3, Enumerable.Range(0, 3).Count(part => rig.Collector.PartArrivals.GetValueOrDefault((UploadRig.Reference(key), part)) == 1)));
        Assert.All(keys, key => Assert.Equal(1, rig.Collector.CommitArrivals[UploadRig.Reference(key)]));
    }

    [Fact]
    public async Task Parts_never_exceed_the_maximum_packet_size_the_broker_announces_in_connack()
    {
        const uint BrokerLimit = 2048;
        await using UploadRig rig = await UploadRig.StartAsync(announcedMaximumPacketSize: BrokerLimit);
        rig.ConfigureUploader = options => new UploaderOptions { CollectorKey = options.CollectorKey, MaximumPartSize = 256 * 1024, AnswerTimeout = options.AnswerTimeout, IdlePollInterval = options.IdlePollInterval };
        SegmentKey[] keys = rig.AppendSegments(2, 9_000);
        byte[][] ciphertexts = keys.Select(rig.Ciphertext).ToArray();
        rig.StartBox();

        await Eventually.HoldsAsync(() => keys.All(key => rig.State(key) == UploadState.Acknowledged), "every segment is acknowledged", diagnostics: rig.Logs);
        Assert.Equal(ciphertexts[0], rig.Collector.Stored[UploadRig.Reference(keys[0])]);
        Assert.Equal(ciphertexts[1], rig.Collector.Stored[UploadRig.Reference(keys[1])]);
        (string Topic, long PacketSize)[] parts = rig.Broker.Publishes.Where(publish => publish.Topic == UploadTopics.Part(UploadRig.DeviceId)).ToArray();
        Assert.NotEmpty(parts);
        Assert.All(parts, part => Assert.InRange(part.PacketSize, 1, BrokerLimit));
        Assert.All(rig.Broker.Publishes, publish => Assert.InRange(publish.PacketSize, 1, BrokerLimit));
        // The limit is used, not just respected: parts are close to it.
        Assert.True(parts.Max(part => part.PacketSize) > BrokerLimit - 200, "parts should fill the broker's limit");
    }

    [Fact]
    public async Task A_forged_stored_never_deletes_data()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        rig.Collector.Behaviour = CollectorBehaviour.ForgeStored;
        SegmentKey[] keys = rig.AppendSegments(1, 5_000);
        byte[] ciphertext = rig.Ciphertext(keys[0]);
        rig.StartBox();

        await Eventually.HoldsAsync(() => rig.Uploader!.Statistics.UnverifiedAnswers >= 2, "two forged answers arrived", diagnostics: rig.Logs);
        Assert.NotEqual(UploadState.Acknowledged, rig.State(keys[0]));
        Assert.Equal(ciphertext, rig.Ciphertext(keys[0]));
        Assert.Contains(rig.UploaderLog.Entries, entry => entry.EventId.Id == 1102);

        // The real collector's answer still gets it stored afterwards.
        rig.Collector.Behaviour = CollectorBehaviour.Honest;
        await Eventually.HoldsAsync(() => rig.State(keys[0]) == UploadState.Acknowledged, "the segment is acknowledged", diagnostics: rig.Logs);
    }

    [Fact]
    public async Task A_signed_stored_about_other_bytes_never_deletes_data()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        rig.Collector.Behaviour = CollectorBehaviour.StoredForOtherBytes;
        SegmentKey[] keys = rig.AppendSegments(1, 5_000);
        rig.StartBox();

        await Eventually.HoldsAsync(() => rig.Uploader!.Statistics.MismatchedAnswers >= 2, "two mismatched answers arrived", diagnostics: rig.Logs);
        Assert.NotEqual(UploadState.Acknowledged, rig.State(keys[0]));
        Assert.True(rig.Outbox.TryOpenCiphertext(keys[0], out Stream? stream));
        stream.Dispose();
    }

    [Fact]
    public async Task A_rejected_segment_is_kept_marked_reported_and_not_retried()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        rig.Collector.Behaviour = CollectorBehaviour.Reject;
        SegmentKey[] rejected = rig.AppendSegments(1, 5_000);
        byte[] ciphertext = rig.Ciphertext(rejected[0]);
        rig.StartBox();

        await Eventually.HoldsAsync(() => rig.State(rejected[0]) == UploadState.Rejected, "the segment is marked rejected", diagnostics: rig.Logs);
        rig.Collector.Behaviour = CollectorBehaviour.Honest;
        SegmentKey[] later = rig.AppendSegments(2, 3_000);
        await Eventually.HoldsAsync(() => later.All(key => rig.State(key) == UploadState.Acknowledged), "later segments are stored", diagnostics: rig.Logs);

        Assert.Equal(1, rig.Collector.CommitArrivals[UploadRig.Reference(rejected[0])]);
        Assert.Equal(UploadState.Rejected, rig.State(rejected[0]));
        Assert.Equal(ciphertext, rig.Ciphertext(rejected[0]));
        Assert.Equal(1, rig.Uploader!.Statistics.SegmentsRejected);
        Assert.Contains("chain gap", rig.Uploader.Statistics.LastRejection, StringComparison.Ordinal);
        Assert.Contains(rig.UploaderLog.Entries, entry => entry.EventId.Id == 1151 && entry.Message.Contains("chain gap", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_parts_are_resent_alone()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        rig.Collector.DropFirstArrivalOf[1] = true;
        rig.Collector.DropFirstArrivalOf[3] = true;
        SegmentKey[] keys = rig.AppendSegments(1, 5 * 4096);
        byte[] ciphertext = rig.Ciphertext(keys[0]);
        rig.StartBox();

        await Eventually.HoldsAsync(() => rig.State(keys[0]) == UploadState.Acknowledged, "the segment is acknowledged", diagnostics: rig.Logs);
        SegmentReference segment = UploadRig.Reference(keys[0]);
        Assert.Equal(ciphertext, rig.Collector.Stored[segment]);
        Assert.Equal([1, 2, 1, 2, 1], Enumerable.Range(0, 5).Select(part => rig.Collector.PartArrivals[(segment, part)]).ToArray());
        Assert.Equal(2, rig.Collector.CommitArrivals[segment]);
    }

    [Fact]
    public async Task Malformed_and_oversized_answers_are_logged_and_dropped_and_uploads_go_on()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        rig.StartBox();
        await rig.Connection!.WaitForConnectionAsync(CancellationToken.None);
        await rig.Collector.PublishRawAnswerAsync(UploadRig.DeviceId, [0xff, 0x00, 0x13]);
        await rig.Collector.PublishRawAnswerAsync(UploadRig.DeviceId, [0x82, 0x40]);
        await rig.Collector.PublishRawAnswerAsync(UploadRig.DeviceId, new byte[ProtocolLimits.MaximumAnswerLength + 10]);
        await Eventually.HoldsAsync(() => rig.Uploader!.Statistics.MalformedAnswers >= 2 && rig.Connection.DroppedMessages >= 1, "the bad answers were seen", diagnostics: rig.Logs);

        SegmentKey[] keys = rig.AppendSegments(2, 6_000);
        await Eventually.HoldsAsync(() => keys.All(key => rig.State(key) == UploadState.Acknowledged), "segments are still stored", diagnostics: rig.Logs);
        Assert.Contains(rig.UploaderLog.Entries, entry => entry.EventId.Id == 1101 && entry.Message.Contains("Collector answer", StringComparison.Ordinal));
        Assert.Contains(rig.ConnectionLog.Entries, entry => entry.EventId.Id == 1009);
    }

    [Fact]
    public async Task A_retraction_is_sent_signed_and_leaves_the_queue_on_the_collectors_confirmation()
    {
        await using UploadRig rig = await UploadRig.StartAsync();
        SegmentKey[] keys = rig.AppendSegments(1, 3_000);
        rig.StartBox();
        await Eventually.HoldsAsync(() => rig.State(keys[0]) == UploadState.Acknowledged, "the segment is stored", diagnostics: rig.Logs);

        byte[] document = RetractionDocumentCodec.Encode(new RetractionDocument(UploadRig.DeviceId, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(-5),
            DateTimeOffset.UtcNow, [UploadRig.Reference(keys[0])]), new SigningKeyMessageSigner(rig.DeviceKey));
        rig.Outbox.QueueRetraction(document, [keys[0]]);

        // The uploader counts a delivery after the outbox let go of it: waiting on the count sees both (waiting on the outbox raced the count).
        await Eventually.HoldsAsync(() => rig.Uploader!.Statistics.RetractionsDelivered == 1, "the retraction is delivered", diagnostics: rig.Logs);
        Assert.Empty(rig.Outbox.GetPendingRetractions(10));
        Assert.True(rig.Collector.Retractions.Single().IsSignedBy(rig.DeviceKey.PublicKey));
        Assert.False(rig.Collector.Stored.ContainsKey(UploadRig.Reference(keys[0])));
        Assert.Equal(1, rig.Uploader!.Statistics.RetractionsDelivered);
    }
}
