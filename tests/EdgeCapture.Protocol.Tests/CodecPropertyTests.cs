using EdgeCapture.Protocol;
using FsCheck;
using FsCheck.Xunit;
using static EdgeCapture.Protocol.Tests.ProtocolTestSupport;

namespace EdgeCapture.Protocol.Tests;

/// <summary>
/// "Bad input loses nothing": whatever bytes arrive, every decoder either returns a well-formed message or throws
/// <see cref="ProtocolFormatException"/>, and what is encoded decodes to the same fields.
/// </summary>
public sealed class CodecPropertyTests
{
    [Property(MaxTest = 300)]
    public void Random_bytes_are_either_decoded_or_refused_with_a_format_error(byte[] bytes)
    {
        foreach ((string _, Action<byte[]> decode) in Decoders)
        {
            try
            {
                decode(bytes ?? []);
            }
            catch (ProtocolFormatException)
            {
                // The specified refusal.
            }
        }
    }

    [Property(MaxTest = 200)]
    public void Mutated_valid_messages_are_refused_with_a_format_error_or_fail_their_signature(NonNegativeInt position, byte value, bool truncate)
    {
        (string Name, byte[] Bytes, Func<byte[], bool> Accepts)[] samples =
        [
            ("part", ValidPart(), bytes => SegmentPartCodec.Decode(bytes) is not null),
            ("commit", ValidCommit(), bytes => SegmentCommitCodec.Decode(bytes) is not null),
            ("answer", ValidAnswer(), bytes => CollectorAnswerCodec.Decode(bytes).IsSignedBy(Collector.PublicKey)),
            ("presence", ValidPresence(), bytes => PresenceCodec.Decode(bytes).IsSignedBy(Device.PublicKey)),
            ("retraction", ValidRetraction(), bytes => RetractionDocumentCodec.Decode(bytes).IsSignedBy(Device.PublicKey)),
        ];
        foreach ((string name, byte[] original, Func<byte[], bool> accepts) in samples)
        {
            int at = position.Get % original.Length;
            byte[] mutated = truncate ? original[..at] : (byte[])original.Clone();
            if (!truncate)
            {
                if (mutated[at] == value)
                {
                    continue;
                }

                mutated[at] = value;
            }

            bool accepted;
            try
            {
                accepted = accepts(mutated);
            }
            catch (ProtocolFormatException)
            {
                accepted = false;
            }

            // Signed messages: any change is refused. Unsigned commits may decode to a different (still consistent) commit,
            // whose signed manifest the collector then verifies; they never decode to the same bytes' meaning silently.
            if (name is "answer" or "presence" or "retraction" || truncate)
            {
                Assert.False(accepted, $"{name} mutated at {at} (truncate={truncate}) was accepted");
            }
        }
    }

    [Property(MaxTest = 150)]
    public void Parts_round_trip_and_cover_the_ciphertext_exactly(Guid sessionId, NonNegativeInt segmentIndex, NonEmptyArray<byte> ciphertext, PositiveInt partSizeSeed)
    {
        byte[] bytes = ciphertext.Get;
        int partSize = ProtocolLimits.MinimumPartSize + (partSizeSeed.Get % 2048);
        var layout = new PartLayout(bytes.Length, partSize);
        var reassembled = new byte[bytes.Length];
        for (int index = 0; index < layout.PartCount; index++)
        {
            byte[] data = bytes.AsSpan((int)layout.OffsetOf(index), layout.LengthOf(index)).ToArray();
            byte[] payload = SegmentPartCodec.Encode(DeviceId, new SegmentReference(sessionId, segmentIndex.Get), layout, index, data);
            Assert.True(payload.Length - data.Length <= SegmentPartCodec.MaximumOverhead(DeviceId));
            SegmentPart part = SegmentPartCodec.Decode(payload);
            Assert.Equal(DeviceId, part.DeviceId);
            Assert.Equal(new SegmentReference(sessionId, segmentIndex.Get), part.Segment);
            Assert.Equal(layout, part.Layout);
            Assert.Equal(index, part.PartIndex);
            Assert.Equal(Sha256(data), part.PartSha256.ToArray());
            part.Data.Span.CopyTo(reassembled.AsSpan((int)part.Offset));
        }

        Assert.Equal(bytes, reassembled);
    }

    [Property(MaxTest = 150)]
    public void Commits_round_trip(Guid sessionId, NonNegativeInt segmentIndex, PositiveInt length, NonEmptyArray<byte> manifest)
    {
        var layout = new PartLayout(length.Get, ProtocolLimits.DefaultPartSize);
        byte[] hash = Sha256(manifest.Get);
        var commit = new SegmentCommit(DeviceId, new SegmentReference(sessionId, segmentIndex.Get), layout, hash, manifest.Get);
        SegmentCommit decoded = SegmentCommitCodec.Decode(SegmentCommitCodec.Encode(commit));
        Assert.Equal(commit.Segment, decoded.Segment);
        Assert.Equal(layout, decoded.Layout);
        Assert.Equal(hash, decoded.CiphertextSha256.ToArray());
        Assert.Equal(manifest.Get, decoded.SignedManifest.ToArray());
    }

    [Property(MaxTest = 150)]
    public void Answers_round_trip_and_verify_only_with_the_collector_key(Guid sessionId, NonNegativeInt segmentIndex, byte outcomeSeed, int[] missingSeed, byte[] correlation, NonEmptyString reasonSeed)
    {
        var segment = new SegmentReference(sessionId, segmentIndex.Get);
        byte[] digest = Sha256(sessionId.ToByteArray());
        byte[] correlationData = (correlation ?? []).Take(ProtocolLimits.MaximumCorrelationDataLength).ToArray();
        int[] missing = (missingSeed ?? []).Select(value => Math.Abs(value % ProtocolLimits.MaximumPartCount)).Distinct().Order().Take(100).ToArray();
        string reason = new(reasonSeed.Get.Take(200).ToArray());
        DateTimeOffset issued = DateTimeOffset.UnixEpoch.AddTicks(Math.Abs((long)sessionId.GetHashCode()) * 1_000_000);
        CollectorAnswer answer = (outcomeSeed % 4) switch
        {
            0 => CollectorAnswer.SegmentStored(DeviceId, segment, digest, correlationData, issued),
            1 when missing.Length > 0 => CollectorAnswer.SegmentMissing(DeviceId, segment, digest, missing, correlationData, issued),
            2 => CollectorAnswer.SegmentRejected(DeviceId, segment, digest, reason, correlationData, issued),
            _ => CollectorAnswer.RetractionStored(DeviceId, digest, correlationData, issued),
        };
        SignedMessage<CollectorAnswer> decoded = CollectorAnswerCodec.Decode(CollectorAnswerCodec.Encode(answer, Collector));
        Assert.True(decoded.IsSignedBy(Collector.PublicKey));
        Assert.False(decoded.IsSignedBy(Device.PublicKey));
        CollectorAnswer read = decoded.Message;
        Assert.Equal(answer.Subject, read.Subject);
        Assert.Equal(answer.Segment, read.Segment);
        Assert.Equal(answer.Outcome, read.Outcome);
        Assert.Equal(answer.MissingParts, read.MissingParts);
        Assert.Equal(answer.Reason, read.Reason);
        Assert.Equal(digest, read.Digest.ToArray());
        Assert.Equal(correlationData, read.CorrelationData.ToArray());
        Assert.Equal(answer.IssuedUtc, read.IssuedUtc);
    }

    [Property(MaxTest = 100)]
    public void Presence_round_trips_with_its_sequence_and_details(bool online, NonNegativeInt sequence, byte[] details)
    {
        byte[] birth = online ? (details ?? []) : [];
        var presence = new PresenceMessage(DeviceId, online, sequence.Get, DateTimeOffset.UnixEpoch.AddSeconds(sequence.Get), birth);
        SignedMessage<PresenceMessage> decoded = PresenceCodec.Decode(PresenceCodec.Encode(presence, Device));
        Assert.True(decoded.IsSignedBy(Device.PublicKey));
        Assert.Equal(online, decoded.Message.Online);
        Assert.Equal(sequence.Get, decoded.Message.BirthDeathSequence);
        Assert.Equal(presence.TimestampUtc, decoded.Message.TimestampUtc);
        Assert.Equal(birth, decoded.Message.BirthDetails.ToArray());
    }

    [Property(MaxTest = 100)]
    public void Retractions_round_trip(NonEmptyArray<Guid> sessions, NonNegativeInt index)
    {
        SegmentReference[] segments = sessions.Get.Take(50).Select((session, offset) => new SegmentReference(session, index.Get / 2 + offset)).ToArray();
        var retraction = new RetractionDocument(DeviceId, DateTimeOffset.UnixEpoch.AddDays(1), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1), segments);
        SignedMessage<RetractionDocument> decoded = RetractionDocumentCodec.Decode(RetractionDocumentCodec.Encode(retraction, Device));
        Assert.True(decoded.IsSignedBy(Device.PublicKey));
        Assert.Equal(segments, decoded.Message.Segments);
        Assert.Equal(retraction.IssuedUtc, decoded.Message.IssuedUtc);
        Assert.Equal(retraction.WindowEndUtc, decoded.Message.WindowEndUtc);
    }
}
