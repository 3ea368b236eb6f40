using EdgeCapture.Crypto;
using EdgeCapture.Protocol;

namespace EdgeCapture.Protocol.Tests;

internal static class ProtocolTestSupport
{
    internal const string DeviceId = "box-0042";

    // One key pair per test run: Ed25519 key creation is cheap, but property tests run hundreds of cases.
    internal static readonly SigningKeyMessageSigner Collector = new(DeviceSigningKey.Generate());
    internal static readonly SigningKeyMessageSigner Device = new(DeviceSigningKey.Generate());

    internal static byte[] Sha256(ReadOnlySpan<byte> data) => System.Security.Cryptography.SHA256.HashData(data);

    internal static byte[] ValidCommit(int manifestLength = 300)
    {
        byte[] manifest = new byte[manifestLength];
        Random.Shared.NextBytes(manifest);
        return SegmentCommitCodec.Encode(new SegmentCommit(DeviceId, new SegmentReference(Guid.NewGuid(), 3), new PartLayout(1_000_000, 65_536), Sha256([1, 2, 3]), manifest));
    }

    internal static byte[] ValidAnswer() =>
        CollectorAnswerCodec.Encode(
            CollectorAnswer.SegmentMissing(DeviceId, new SegmentReference(Guid.NewGuid(), 1), Sha256([9]), [0, 4, 7], new byte[] { 1, 2, 3, 4 }, DateTimeOffset.UnixEpoch.AddDays(20_000)),
            Collector);

    internal static byte[] ValidPart()
    {
        byte[] data = new byte[700];
        Random.Shared.NextBytes(data);
        return SegmentPartCodec.Encode(DeviceId, new SegmentReference(Guid.NewGuid(), 0), new PartLayout(1_700, 1_000), 1, data);
    }

    internal static byte[] ValidPresence() =>
        PresenceCodec.Encode(new PresenceMessage(DeviceId, true, 5, DateTimeOffset.UnixEpoch.AddDays(20_000), new byte[] { 0xa0 }), Device);

    internal static byte[] ValidRetraction() =>
        RetractionDocumentCodec.Encode(new RetractionDocument(DeviceId, DateTimeOffset.UnixEpoch.AddDays(20_000), DateTimeOffset.UnixEpoch.AddDays(19_999),
            DateTimeOffset.UnixEpoch.AddDays(20_000), [new SegmentReference(Guid.NewGuid(), 2), new SegmentReference(Guid.NewGuid(), 0)]), Device);

    /// <summary>Every decoder, by name, so one property can feed each the same hostile bytes.</summary>
    internal static readonly (string Name, Action<byte[]> Decode)[] Decoders =
    [
        ("part", bytes => SegmentPartCodec.Decode(bytes)),
        ("commit", bytes => SegmentCommitCodec.Decode(bytes)),
        ("answer", bytes => CollectorAnswerCodec.Decode(bytes)),
        ("presence", bytes => PresenceCodec.Decode(bytes)),
        ("retraction", bytes => RetractionDocumentCodec.Decode(bytes)),
    ];
}
