using System.Security.Cryptography;
using EdgeCapture.Collector.Index;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using ProtocolRetraction = EdgeCapture.Protocol.RetractionDocument;

namespace EdgeCapture.Collector.Tests;

/// <summary>
/// Cross-format: the retraction the box's recorder writes (<see cref="OutboxSegmentSink"/>, the forget button) is what
/// Protocol's <see cref="RetractionDocumentCodec"/> decodes and the collector verifies and applies. Both the forget's own
/// retraction (with its window) and the one a restarted sink queues for a forget the previous run did not finish
/// (no window) are read field by field, their device signature checked, and applied to a store holding the segments.
/// </summary>
public sealed class RecorderRetractionTests : IDisposable
{
    private const string DeviceId = "box-forget";
    private const int PartSize = 1024;
    private static readonly DateTimeOffset SessionStart = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly CollectorRig _collector = new();
    private readonly TestDevice _device = new(DeviceId);
    private readonly AgeIdentity _custodian = AgeIdentity.Generate();

    public RecorderRetractionTests() => _collector.Enroll(_device);

    [Fact]
    public void The_forget_buttons_retraction_decodes_field_by_field_verifies_and_deletes_the_uploaded_segment_at_the_collector()
    {
        using SegmentOutbox outbox = OpenOutbox();
        using OutboxSegmentSink sink = OpenSink(outbox);
        SegmentKey[] keys = Seal(sink, 3);
        Upload(outbox, keys[0]);
        Upload(outbox, keys[1]);

        // The button forgets segments 1 and 2 (their monotonic ranges overlap the window): 2 never left the box, 1 is at the collector.
        DateTimeOffset from = SessionStart.AddSeconds(1.5);
        DateTimeOffset to = SessionStart.AddSeconds(2.5);
        ForgetOutcome forget = sink.Forget(new ForgetWindowRequest(2_500_000_000L, 3_500_000_000L, from, to));
        Assert.Equal((1, 1), (forget.Deleted, forget.Retracted));

        PendingRetraction pending = Assert.Single(outbox.GetPendingRetractions(10));
        SignedMessage<ProtocolRetraction> decoded = RetractionDocumentCodec.Decode(pending.Document);
        Assert.True(decoded.IsSignedBy(_device.Key.PublicKey), "the recorder's signature must verify with Protocol's reader and the device key");
        Assert.Equal(DeviceId, decoded.Message.DeviceId);
        Assert.Equal(_collector.Time.GetUtcNow(), decoded.Message.IssuedUtc);
        Assert.Equal((from, to), (decoded.Message.WindowStartUtc, decoded.Message.WindowEndUtc));
        Assert.Equal([Reference(keys[1])], decoded.Message.Segments);
        Assert.Equal(pending.Segments, [keys[1]]);

        CollectorAnswer answer = Apply(pending.Document);
        Assert.Equal([Reference(keys[0])], _collector.Store.Index.ListSegments(DeviceId).Select(row => row.Segment));
        Assert.True(outbox.MarkRetractionDelivered(pending.RetractionId));
        Assert.Equal(RetractionDocumentCodec.Digest(pending.Document.Span), answer.Digest.ToArray());
    }

    [Fact]
    public void A_retraction_queued_by_a_restarted_sink_for_an_unfinished_forget_is_read_and_applied_too()
    {
        SegmentKey[] keys;
        using (SegmentOutbox outbox = OpenOutbox())
        {
            using OutboxSegmentSink sink = OpenSink(outbox);
            keys = Seal(sink, 2);
            Upload(outbox, keys[0]);
            Upload(outbox, keys[1]);

            // The previous run forgot both but stopped before it queued their retraction.
            ForgetResult forgotten = outbox.ForgetWindow(SessionStart, SessionStart.AddSeconds(2));
            Assert.Equal(keys.Length, forgotten.RequireRetraction.Count);
            Assert.Empty(outbox.GetPendingRetractions(10));
        }

        using (SegmentOutbox reopened = OpenOutbox())
        using (OutboxSegmentSink restarted = OpenSink(reopened))
        {
            PendingRetraction pending = Assert.Single(reopened.GetPendingRetractions(10));
            SignedMessage<ProtocolRetraction> decoded = RetractionDocumentCodec.Decode(pending.Document);
            Assert.True(decoded.IsSignedBy(_device.Key.PublicKey));
            Assert.Equal(DeviceId, decoded.Message.DeviceId);
            Assert.Equal(keys.Select(Reference).OrderBy(reference => reference.SessionId).ThenBy(reference => reference.SegmentIndex),
                decoded.Message.Segments.OrderBy(reference => reference.SessionId).ThenBy(reference => reference.SegmentIndex));
            Assert.Equal((DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch), (decoded.Message.WindowStartUtc, decoded.Message.WindowEndUtc));

            Apply(pending.Document);
            Assert.Empty(_collector.Store.Index.ListSegments(DeviceId));
            Assert.Empty(Directory.EnumerateFiles(_collector.Options.StoreDirectory, "*.age", SearchOption.AllDirectories));
        }
    }

    public void Dispose()
    {
        _custodian.Dispose();
        _device.Dispose();
        _collector.Dispose();
    }

    private static SegmentReference Reference(SegmentKey key) => new(key.SessionId, key.SegmentIndex);

    private SegmentOutbox OpenOutbox() =>
        SegmentOutbox.Open(Path.Combine(_collector.Directory, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, _collector.Time);

    private OutboxSegmentSink OpenSink(SegmentOutbox outbox) => new(outbox, [_custodian.Recipient], _device.Key, DeviceId, _collector.Time);

    private static SegmentKey[] Seal(OutboxSegmentSink sink, int count)
    {
        var session = Guid.NewGuid();
        ReadOnlyMemory<byte> previous = ReadOnlyMemory<byte>.Empty;
        var keys = new SegmentKey[count];
        for (int index = 0; index < count; index++)
        {
            var request = new SegmentSealRequest(session, index, (index + 1) * 1_000_000_000L, (index + 2) * 1_000_000_000L - 1, SessionStart.AddSeconds(index), SessionStart.AddSeconds(index + 1),
                new RecordCounts(1, 0, 0, 0), index == count - 1 ? SessionEndReason.Shutdown : SessionEndReason.None, previous);
            previous = sink.Seal(request, RandomNumberGenerator.GetBytes(2000))!.Value.ManifestSha256;
            keys[index] = new SegmentKey(session, index);
        }

        return keys;
    }

    /// <summary>Uploads a sealed segment from the outbox into the collector (parts and commit through ingest) and marks it confirmed on the box.</summary>
    private void Upload(SegmentOutbox outbox, SegmentKey key)
    {
        OutboxSegment segment = outbox.GetSegment(key)!;
        Assert.True(outbox.TryOpenCiphertext(key, out Stream? stream));
        byte[] ciphertext;
        using (stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            ciphertext = copy.ToArray();
        }

        var layout = new PartLayout(ciphertext.Length, PartSize);
        for (int part = 0; part < layout.PartCount; part++)
        {
            _collector.Send(UploadTopics.Part(DeviceId), SegmentPartCodec.Encode(DeviceId, Reference(key), layout, part, ciphertext.AsSpan((int)layout.OffsetOf(part), layout.LengthOf(part))));
        }

        IngestResult stored = _collector.Send(UploadTopics.Commit(DeviceId), SegmentCommitCodec.Encode(new SegmentCommit(DeviceId, Reference(key), layout, segment.CiphertextSha256, segment.Manifest)));
        Assert.Equal(IngestOutcome.SegmentStored, stored.Outcome);
        Assert.True(outbox.MarkAcknowledged(key));
    }

    private CollectorAnswer Apply(ReadOnlyMemory<byte> document)
    {
        IngestResult result = _collector.Send(UploadTopics.Retraction(DeviceId), document.ToArray());
        Assert.True(result.Outcome == IngestOutcome.RetractionApplied, result.Detail);
        CollectorAnswer answer = _collector.Verified(result);
        Assert.Equal((AnswerSubject.Retraction, AnswerOutcome.Stored), (answer.Subject, answer.Outcome));
        RetractionRecord? record = _collector.Store.Index.FindRetraction(RetractionDocumentCodec.Digest(document.Span));
        Assert.NotNull(record);
        return answer;
    }
}
