using System.Formats.Cbor;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using static EdgeCapture.Protocol.Tests.ProtocolTestSupport;

namespace EdgeCapture.Protocol.Tests;

/// <summary>Each way a message can be wrong is refused with an error that says what is wrong.</summary>
public sealed class StrictDecodingTests
{
    [Fact]
    public void Oversized_messages_are_refused_before_they_are_parsed()
    {
        var error = Assert.Throws<ProtocolFormatException>(() => CollectorAnswerCodec.Decode(new byte[ProtocolLimits.MaximumAnswerLength + 1]));
        Assert.Contains("more than the limit", error.Message, StringComparison.Ordinal);
        Assert.Throws<ProtocolFormatException>(() => SegmentCommitCodec.Decode(new byte[ProtocolLimits.MaximumCommitLength + 1]));
        Assert.Throws<ProtocolFormatException>(() => SegmentPartCodec.Decode(new byte[ProtocolLimits.MaximumPartMessageLength + 1]));
    }

    [Fact]
    public void Empty_and_trailing_bytes_are_refused()
    {
        Assert.Contains("empty", Assert.Throws<ProtocolFormatException>(() => SegmentCommitCodec.Decode(Array.Empty<byte>())).Message, StringComparison.Ordinal);
        byte[] withTrailer = [.. ValidCommit(), 0x00];
        Assert.Contains("after its end", Assert.Throws<ProtocolFormatException>(() => SegmentCommitCodec.Decode(withTrailer)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_part_whose_data_does_not_match_its_hash_is_refused()
    {
        byte[] part = ValidPart();
        part[^1] ^= 0x01;
        Assert.Contains("does not match its SHA-256", Assert.Throws<ProtocolFormatException>(() => SegmentPartCodec.Decode(part)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_part_with_a_length_the_layout_does_not_allow_is_refused()
    {
        // Hand-built: part 0 of a 2000-byte ciphertext in 1000-byte parts, carrying only 10 bytes (hash correct for them).
        byte[] data = new byte[10];
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(10);
        writer.WriteTextString(SegmentPartCodec.Type);
        writer.WriteTextString(DeviceId);
        writer.WriteByteString(new byte[16]);
        writer.WriteInt32(0);
        writer.WriteInt32(0);
        writer.WriteInt32(2);
        writer.WriteInt32(1000);
        writer.WriteInt64(2000);
        writer.WriteByteString(Sha256(data));
        writer.WriteByteString(data);
        writer.WriteEndArray();
        var error = Assert.Throws<ProtocolFormatException>(() => SegmentPartCodec.Decode(writer.Encode()));
        Assert.Contains("the layout says 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_commit_whose_part_count_disagrees_with_its_layout_is_refused()
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(9);
        writer.WriteTextString(SegmentCommitCodec.Type);
        writer.WriteTextString(DeviceId);
        writer.WriteByteString(new byte[16]);
        writer.WriteInt32(0);
        writer.WriteInt32(5);
        writer.WriteInt32(1000);
        writer.WriteInt64(2000);
        writer.WriteByteString(new byte[32]);
        writer.WriteByteString(new byte[] { 1 });
        writer.WriteEndArray();
        Assert.Contains("make 2", Assert.Throws<ProtocolFormatException>(() => SegmentCommitCodec.Decode(writer.Encode())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_of_another_type_is_refused_by_name()
    {
        var error = Assert.Throws<ProtocolFormatException>(() => SegmentCommitCodec.Decode(ValidPart()));
        Assert.Contains("expected 9 items", error.Message, StringComparison.Ordinal);
        byte[] presenceBody = CollectorAnswerCodec.Decode(ValidAnswer()).Body.ToArray();
        Assert.Throws<ProtocolFormatException>(() => PresenceCodec.Decode(presenceBody));
    }

    [Fact]
    public void Non_canonical_encodings_are_refused()
    {
        // The segment index 0 written with a one-byte argument (0x18 0x00) instead of the minimal 0x00.
        byte[] commit = ValidCommit();
        var reader = new CborReader(commit, CborConformanceMode.Canonical);
        reader.ReadStartArray();
        reader.SkipValue();
        reader.SkipValue();
        reader.SkipValue();
        int at = commit.Length - reader.BytesRemaining;
        Assert.Equal(0x03, commit[at]);
        byte[] padded = [.. commit[..at], 0x18, 0x03, .. commit[(at + 1)..]];
        Assert.Contains("canonical", Assert.Throws<ProtocolFormatException>(() => SegmentCommitCodec.Decode(padded)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_answer_signed_by_another_key_or_for_another_type_does_not_verify()
    {
        SignedMessage<CollectorAnswer> answer = CollectorAnswerCodec.Decode(ValidAnswer());
        Assert.True(answer.IsSignedBy(Collector.PublicKey));
        using var other = DeviceSigningKey.Generate();
        Assert.False(answer.IsSignedBy(other.PublicKey));

        // The same key signing the same body under the presence context must not pass as an answer.
        byte[] message = [.. PresenceCodec.SignatureContext, .. answer.Body.Span];
        byte[] signature = new byte[64];
        Collector.Sign(message, signature);
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(2);
        writer.WriteByteString(answer.Body.Span);
        writer.WriteByteString(signature);
        writer.WriteEndArray();
        Assert.False(CollectorAnswerCodec.Decode(writer.Encode()).IsSignedBy(Collector.PublicKey));
    }

    [Fact]
    public void Answers_that_break_the_outcome_rules_are_refused()
    {
        var segment = new SegmentReference(Guid.NewGuid(), 0);
        byte[] digest = Sha256([1]);
        Assert.Throws<ProtocolFormatException>(() => CollectorAnswerCodec.Encode(CollectorAnswer.SegmentMissing(DeviceId, segment, digest, [], ReadOnlyMemory<byte>.Empty, DateTimeOffset.UnixEpoch), Collector));
        Assert.Throws<ProtocolFormatException>(() => CollectorAnswerCodec.Encode(CollectorAnswer.SegmentMissing(DeviceId, segment, digest, [3, 1], ReadOnlyMemory<byte>.Empty, DateTimeOffset.UnixEpoch), Collector));
        Assert.Throws<ProtocolFormatException>(() => CollectorAnswerCodec.Encode(CollectorAnswer.SegmentRejected(DeviceId, segment, digest, "", ReadOnlyMemory<byte>.Empty, DateTimeOffset.UnixEpoch), Collector));
        Assert.Throws<ProtocolFormatException>(() => CollectorAnswerCodec.Encode(CollectorAnswer.SegmentStored(DeviceId, segment, digest, new byte[65], DateTimeOffset.UnixEpoch), Collector));
        Assert.Throws<ProtocolFormatException>(() => CollectorAnswerCodec.Encode(CollectorAnswer.SegmentStored(DeviceId, segment, new byte[31], ReadOnlyMemory<byte>.Empty, DateTimeOffset.UnixEpoch), Collector));
    }

    [Fact]
    public void A_death_with_birth_details_is_refused()
    {
        Assert.Throws<ArgumentException>(() => PresenceCodec.Encode(new PresenceMessage(DeviceId, false, 1, DateTimeOffset.UnixEpoch, new byte[] { 1 }), Device));
    }

    [Theory]
    [InlineData(0L, 1000)]
    [InlineData(10L, 100)]
    [InlineData(10L, ProtocolLimits.MaximumPartSize + 1)]
    [InlineData(((long)ProtocolLimits.MaximumPartCount * 256) + 1, 256)]
    public void Layouts_outside_the_limits_are_refused(long length, int partSize)
    {
        Assert.Throws<ProtocolFormatException>(() => new PartLayout(length, partSize));
    }

    [Fact]
    public void The_last_part_holds_the_remainder()
    {
        var layout = new PartLayout(2_500, 1_000);
        Assert.Equal(3, layout.PartCount);
        Assert.Equal(500, layout.LengthOf(2));
        Assert.Equal(2_000, layout.OffsetOf(2));
        Assert.Throws<ProtocolFormatException>(() => layout.LengthOf(3));
    }
}
