using System.Security.Cryptography;
using EdgeCapture.Collector.Index;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Collector.Storage;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Recording.Segments;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector.Tests;

/// <summary>Ingest called directly: what is stored, what is answered, what is quarantined ("Exactly once", "Bad input loses nothing").</summary>
public sealed class IngestTests : IDisposable
{
    private readonly CollectorRig _rig = new();
    private readonly TestDevice _device = new("box-1");

    public IngestTests() => _rig.Enroll(_device);

    [Fact]
    public void A_segment_whose_parts_all_arrived_is_stored_as_its_content_addressed_file_and_answered_stored_signed()
    {
        TestSegment segment = _device.Seal(5000);
        IngestResult result = _rig.Upload(segment);

        Assert.Equal(IngestOutcome.SegmentStored, result.Outcome);
        CollectorAnswer answer = _rig.Verified(result);
        Assert.Equal(AnswerOutcome.Stored, answer.Outcome);
        Assert.Equal(segment.Reference, answer.Segment);
        Assert.Equal(segment.CiphertextSha256, answer.Digest.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3 }, answer.CorrelationData.ToArray());
        Assert.Equal(UploadTopics.Answer("box-1"), result.Answer!.Topic);

        ContentAddress address = ContentAddress.FromHash(segment.CiphertextSha256);
        string path = _rig.Store.Blobs.Locate(address);
        Assert.EndsWith(address.Hex + ".age", path, StringComparison.Ordinal);
        Assert.Equal(segment.Ciphertext, File.ReadAllBytes(path));
        StoredSegment row = Assert.Single(_rig.Store.Index.ListSegments());
        Assert.Equal(segment.SignedManifest, row.Manifest.ToArray());
        Assert.True(row.ChainLinked);
        Assert.Empty(_rig.Store.Staging.ListSegments());
    }

    [Fact]
    public void A_duplicate_commit_is_answered_stored_and_stores_nothing_twice()
    {
        TestSegment segment = _device.Seal();
        Assert.Equal(IngestOutcome.SegmentStored, _rig.Upload(segment).Outcome);
        // The box did not get the answer: it resends everything, then commits again.
        _rig.SendParts(segment);
        IngestResult again = _rig.Commit(segment);

        Assert.Equal(IngestOutcome.SegmentDuplicate, again.Outcome);
        Assert.Equal(AnswerOutcome.Stored, _rig.Verified(again).Outcome);
        Assert.Single(_rig.Store.Index.ListSegments());
        Assert.Single(Directory.EnumerateFiles(_rig.Options.SegmentsDirectory, "*.age", SearchOption.AllDirectories));
        Assert.Empty(_rig.Store.Staging.ListSegments());
    }

    [Fact]
    public void A_commit_before_all_parts_is_answered_missing_with_exactly_the_absent_parts()
    {
        TestSegment segment = _device.Seal(5000);
        _rig.SendParts(segment, only: [0, 2, 4, 5]);
        IngestResult result = _rig.Commit(segment);

        Assert.Equal(IngestOutcome.SegmentMissing, result.Outcome);
        Assert.Equal(new[] { 1, 3 }, _rig.Verified(result).MissingParts);
        Assert.Empty(_rig.Store.Index.ListSegments());
        _rig.SendParts(segment, only: [1, 3]);
        Assert.Equal(IngestOutcome.SegmentStored, _rig.Commit(segment).Outcome);
    }

    [Fact]
    public void Parts_staged_by_one_instance_are_finished_by_another_sharing_the_store()
    {
        TestSegment segment = _device.Seal(5000);
        _rig.SendParts(segment);
        // A second collector process: its own ingest object, the same store directory.
        using CollectorStore other = CollectorStore.Open(_rig.Options);
        var secondInstance = new SegmentIngest(other, new SigningKeyMessageSigner(_rig.CollectorKey), _rig.Time, new ListLogger<SegmentIngest>());
        IngestResult result = secondInstance.Handle(new IncomingMessage(UploadTopics.Commit("box-1"), segment.Commit(), null, default));
        Assert.Equal(IngestOutcome.SegmentStored, result.Outcome);
    }

    [Fact]
    public void Segments_arriving_out_of_order_are_stored_the_gap_is_reported_and_closes_when_the_predecessor_arrives()
    {
        TestSegment first = _device.Seal();
        TestSegment second = _device.Seal();
        TestSegment third = _device.Seal(end: SessionEndReason.Shutdown);
        Assert.Equal(IngestOutcome.SegmentStored, _rig.Upload(first).Outcome);
        Assert.Equal(IngestOutcome.SegmentStored, _rig.Upload(third).Outcome);

        SessionSummary gapped = Assert.Single(_rig.Store.Index.ListSessions());
        Assert.Equal(new[] { 1 }, gapped.MissingIndexes);
        Assert.Contains(_rig.Log.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("gap", StringComparison.Ordinal));
        Assert.False(_rig.Store.Index.FindSegment(third.Reference)!.ChainLinked);

        Assert.Equal(IngestOutcome.SegmentStored, _rig.Upload(second).Outcome);
        SessionSummary closed = Assert.Single(_rig.Store.Index.ListSessions());
        Assert.Empty(closed.MissingIndexes);
        Assert.True(closed.Ended);
        Assert.True(_rig.Store.Index.FindSegment(third.Reference)!.ChainLinked);
    }

    [Fact]
    public void A_segment_that_does_not_link_to_its_stored_predecessor_is_rejected_and_quarantined()
    {
        TestSegment first = _device.Seal();
        Assert.Equal(IngestOutcome.SegmentStored, _rig.Upload(first).Outcome);
        TestSegment forgedLink = _device.SealCiphertext(RandomNumberGenerator.GetBytes(900), previousHash: RandomNumberGenerator.GetBytes(32));

        IngestResult result = _rig.Upload(forgedLink);
        Assert.Equal(IngestOutcome.SegmentRejected, result.Outcome);
        CollectorAnswer answer = _rig.Verified(result);
        Assert.StartsWith("chain-broken", answer.Reason, StringComparison.Ordinal);
        Assert.Null(_rig.Store.Index.FindSegment(forgedLink.Reference));
        QuarantineEntry entry = Assert.Single(_rig.Store.Index.ListQuarantine(10));
        Assert.Equal("chain-broken", entry.Reason);
    }

    [Fact]
    public void A_forged_manifest_signature_is_rejected_quarantined_and_nothing_is_stored()
    {
        using DeviceSigningKey attacker = DeviceSigningKey.Generate();
        TestSegment forged = _device.Seal(signWith: attacker);
        IngestResult result = _rig.Upload(forged);

        Assert.Equal(IngestOutcome.SegmentRejected, result.Outcome);
        Assert.StartsWith("signature-invalid", _rig.Verified(result).Reason, StringComparison.Ordinal);
        Assert.Empty(_rig.Store.Index.ListSegments());
        Assert.Empty(Directory.EnumerateFiles(_rig.Options.SegmentsDirectory, "*.age", SearchOption.AllDirectories));
        Assert.Equal("signature-invalid", Assert.Single(_rig.Store.Index.ListQuarantine(10)).Reason);
    }

    [Fact]
    public void Altered_ciphertext_is_asked_for_once_more_then_rejected_with_the_evidence_quarantined()
    {
        TestSegment genuine = _device.Seal(4000);
        byte[] altered = (byte[])genuine.Ciphertext.Clone();
        altered[1500] ^= 0x40;
        var tampered = genuine with { Ciphertext = altered };

        _rig.SendParts(tampered);
        IngestResult first = _rig.Send(UploadTopics.Commit("box-1"), genuine.Commit());
        Assert.Equal(IngestOutcome.SegmentMissing, first.Outcome);
        Assert.Equal(genuine.Layout().PartCount, _rig.Verified(first).MissingParts.Count);

        _rig.SendParts(tampered);
        IngestResult second = _rig.Send(UploadTopics.Commit("box-1"), genuine.Commit());
        Assert.Equal(IngestOutcome.SegmentRejected, second.Outcome);
        Assert.StartsWith("ciphertext-altered", _rig.Verified(second).Reason, StringComparison.Ordinal);
        QuarantineEntry entry = Assert.Single(_rig.Store.Index.ListQuarantine(10));
        Assert.Equal(altered, File.ReadAllBytes(entry.Evidence!));
        Assert.Empty(_rig.Store.Index.ListSegments());
    }

    [Fact]
    public void A_stray_part_of_another_segment_under_this_name_is_recovered_by_a_fresh_send()
    {
        TestSegment target = _device.Seal(3000);
        TestSegment other = _device.Seal(3000);
        _rig.SendParts(target);
        // A replayed part of the other segment, renamed as part 1 of the target (self-consistent: its own hash matches).
        byte[] strayData = other.Ciphertext.AsSpan(1024, 1024).ToArray();
        _rig.Send(UploadTopics.Part("box-1"), SegmentPartCodec.Encode("box-1", target.Reference, target.Layout(), 1, strayData));

        IngestResult mismatch = _rig.Commit(target);
        Assert.Equal(IngestOutcome.SegmentMissing, mismatch.Outcome);
        Assert.Equal(IngestOutcome.SegmentStored, _rig.Upload(target).Outcome);
        Assert.Equal(target.Ciphertext, File.ReadAllBytes(_rig.Store.Blobs.Locate(ContentAddress.FromHash(target.CiphertextSha256))));
    }

    [Fact]
    public void Parts_replayed_after_the_segment_is_stored_are_ignored_and_stage_nothing()
    {
        TestSegment segment = _device.Seal();
        _rig.Upload(segment);
        Assert.Equal(IngestOutcome.PartDuplicate, _rig.SendParts(segment).Outcome);
        Assert.Empty(_rig.Store.Staging.ListSegments());
    }

    [Fact]
    public void Everything_from_an_unknown_device_is_quarantined_and_its_commit_rejected_never_stored()
    {
        using var stranger = new TestDevice("stranger");
        TestSegment segment = stranger.Seal();
        Assert.Equal(IngestOutcome.Quarantined, _rig.SendParts(segment).Outcome);
        IngestResult commit = _rig.Commit(segment);

        Assert.Equal(IngestOutcome.SegmentRejected, commit.Outcome);
        Assert.StartsWith("unknown-device", _rig.Verified(commit).Reason, StringComparison.Ordinal);
        Assert.Empty(_rig.Store.Index.ListSegments());
        Assert.Empty(_rig.Store.Staging.ListSegments());
        Assert.All(_rig.Store.Index.ListQuarantine(100), entry => Assert.Equal("unknown-device", entry.Reason));
        Assert.Contains(_rig.Store.Index.ListDevices(), device => device.DeviceId == "stranger" && !device.Enrolled && device.Quarantined > 0);
    }

    [Fact]
    public void A_device_cannot_commit_or_send_parts_of_a_session_that_belongs_to_another_device()
    {
        using var other = new TestDevice("box-2");
        _rig.Enroll(other);
        TestSegment mine = _device.Seal();
        _rig.Upload(mine);
        // box-2 publishes a part that names box-1's session on its own topic.
        byte[] part = SegmentPartCodec.Encode("box-2", mine.Reference with { SegmentIndex = 1 }, new PartLayout(10, 1024), 0, new byte[10]);
        IngestResult result = _rig.Send(UploadTopics.Part("box-2"), part);
        Assert.Equal(IngestOutcome.Quarantined, result.Outcome);
        Assert.StartsWith("session-of-another-device", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("up/part")]
    [InlineData("up/commit")]
    [InlineData("up/retraction")]
    [InlineData("up/presence")]
    public void Malformed_truncated_and_oversized_messages_on_every_topic_are_quarantined_and_logged_without_a_crash(string suffix)
    {
        string topic = UploadTopics.ForDevice("box-1", suffix);
        TestSegment segment = _device.Seal();
        byte[] valid = suffix switch
        {
            "up/part" => segment.Part(0),
            "up/commit" => segment.Commit(),
            "up/retraction" => RetractionDocumentCodec.Encode(new RetractionDocument("box-1", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, [segment.Reference]), _device.Signer),
            _ => PresenceCodec.Encode(new PresenceMessage("box-1", true, 1, DateTimeOffset.UtcNow, Array.Empty<byte>()), _device.Signer),
        };
        byte[][] bad = [valid[..(valid.Length / 2)], [0xFF, 0x00, 0x13], RandomNumberGenerator.GetBytes(200), new byte[SegmentIngest.MaximumMessageLength + 1]];
        foreach (byte[] payload in bad)
        {
            IngestResult result = _rig.Send(topic, payload);
            Assert.Contains(result.Outcome, new[] { IngestOutcome.Quarantined, IngestOutcome.RetractionRejected });
        }

        Assert.Equal(bad.Length, _rig.Store.Index.ListQuarantine(100).Count);
        Assert.Equal(bad.Length, _rig.Log.Entries.Count(entry => entry.Level == LogLevel.Warning));
        // Good data still flows afterwards.
        Assert.Equal(IngestOutcome.SegmentStored, _rig.Upload(_device.Seal()).Outcome);
    }

    [Fact]
    public void A_device_signed_retraction_deletes_file_and_row_is_audited_confirmed_and_the_segment_never_comes_back()
    {
        TestSegment kept = _device.Seal();
        TestSegment forgotten = _device.Seal();
        _rig.Upload(kept);
        _rig.Upload(forgotten);
        byte[] document = RetractionDocumentCodec.Encode(new RetractionDocument("box-1", _rig.Time.GetUtcNow(), _rig.Time.GetUtcNow(), _rig.Time.GetUtcNow(), [forgotten.Reference]), _device.Signer);

        IngestResult result = _rig.Send(UploadTopics.Retraction("box-1"), document);
        Assert.Equal(IngestOutcome.RetractionApplied, result.Outcome);
        CollectorAnswer answer = _rig.Verified(result);
        Assert.Equal(AnswerSubject.Retraction, answer.Subject);
        Assert.Equal(RetractionDocumentCodec.Digest(document), answer.Digest.ToArray());
        Assert.False(File.Exists(_rig.Store.Blobs.Locate(ContentAddress.FromHash(forgotten.CiphertextSha256))));
        Assert.Null(_rig.Store.Index.FindSegment(forgotten.Reference));
        Assert.NotNull(_rig.Store.Index.FindSegment(kept.Reference));
        DeletionRecord audit = Assert.Single(_rig.Store.Index.ListDeletions(10));
        Assert.Equal(("retraction", forgotten.Reference), (audit.Reason, audit.Segment));

        // Sent again (the confirmation was lost): confirmed again, nothing else changes.
        Assert.Equal(IngestOutcome.RetractionApplied, _rig.Send(UploadTopics.Retraction("box-1"), document).Outcome);
        Assert.Single(_rig.Store.Index.ListDeletions(10));
        // A late duplicate upload of the retracted segment is refused, not stored again.
        IngestResult late = _rig.Upload(forgotten);
        Assert.Equal(IngestOutcome.SegmentRejected, late.Outcome);
        Assert.Null(_rig.Store.Index.FindSegment(forgotten.Reference));
    }

    [Fact]
    public void A_retraction_signed_by_another_key_deletes_nothing_and_is_rejected()
    {
        TestSegment segment = _device.Seal();
        _rig.Upload(segment);
        using var impostor = new TestDevice("box-1");
        byte[] document = RetractionDocumentCodec.Encode(new RetractionDocument("box-1", _rig.Time.GetUtcNow(), _rig.Time.GetUtcNow(), _rig.Time.GetUtcNow(), [segment.Reference]), impostor.Signer);
        IngestResult result = _rig.Send(UploadTopics.Retraction("box-1"), document);
        Assert.Equal(IngestOutcome.RetractionRejected, result.Outcome);
        Assert.NotNull(_rig.Store.Index.FindSegment(segment.Reference));
    }

    [Fact]
    public void Retention_deletes_by_age_then_by_quota_oldest_first_with_an_audit_row_each()
    {
        using var rig = new CollectorRig(options => new CollectorOptions { StoreDirectory = options.StoreDirectory, RetentionDays = 30, QuotaBytes = 9_000 });
        using var device = new TestDevice("box-r");
        rig.Enroll(device);
        TestSegment old = device.Seal(2800);
        rig.Upload(old);
        rig.Time.Advance(TimeSpan.FromDays(31));
        TestSegment[] recent = [device.Seal(2800), device.Seal(2800), device.Seal(2800), device.Seal(2800)];
        foreach (TestSegment segment in recent)
        {
            rig.Upload(segment);
            rig.Time.Advance(TimeSpan.FromMinutes(1));
        }

        RetentionResult result = new RetentionSweeper(rig.Store, rig.Time, new ListLogger<RetentionSweeper>()).Sweep();
        Assert.Equal(1, result.DeletedByAge);
        Assert.Equal(1, result.DeletedByQuota);
        Assert.True(rig.Store.Index.GetTotals().Bytes <= 9_000);
        Assert.Equal(recent[1..].Select(segment => segment.Reference).OrderBy(reference => reference.SegmentIndex), rig.Store.Index.ListSegments().Select(row => row.Segment).OrderBy(reference => reference.SegmentIndex));
        Assert.Equal(["retention-quota", "retention-age"], rig.Store.Index.ListDeletions(10).Select(row => row.Reason));
        Assert.False(File.Exists(rig.Store.Blobs.Locate(ContentAddress.FromHash(old.CiphertextSha256))));
    }

    [Fact]
    public void Staging_is_bounded_a_part_beyond_the_quota_is_not_kept_and_the_commit_asks_for_it()
    {
        using var rig = new CollectorRig(options => new CollectorOptions { StoreDirectory = options.StoreDirectory, StagingQuotaBytes = 2048 });
        using var device = new TestDevice("box-q");
        rig.Enroll(device);
        TestSegment segment = device.Seal(2900);
        rig.SendParts(segment, only: [0, 1]);
        Assert.Equal(IngestOutcome.PartOverQuota, rig.SendParts(segment, only: [2]).Outcome);
        Assert.Equal(new[] { 2, 3 }, rig.Verified(rig.Commit(segment)).MissingParts);
    }

    public void Dispose()
    {
        _device.Dispose();
        _rig.Dispose();
    }
}
