using System.Security.Cryptography;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Index;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// A box's sealed segments uploaded into a collector store through the collector's own ingest (parts, then the
/// signed commit), as the uploader sends them over MQTT: the ingest verifies and stores each one, and signs its answer.
/// </summary>
internal static class CollectorUpload
{
    private const int PartSize = 64 * 1024;

    /// <summary>Creates the store in <paramref name="storeDirectory"/>, enrols the box and uploads every segment it holds.</summary>
    /// <returns>How many segments the collector stored.</returns>
    public static int UploadBox(string box, string deviceId, string storeDirectory)
    {
        using DeviceSigningKey deviceKey = DeviceSigningKey.Load(Path.Combine(box, "device.key"));
        using DeviceSigningKey collectorKey = DeviceSigningKey.Generate();
        using CollectorStore store = CollectorStore.Open(new CollectorOptions { StoreDirectory = storeDirectory });
        Assert.Equal(EnrollmentResult.Enrolled, store.Index.Enroll(deviceId, deviceKey.PublicKey, replace: false, DateTimeOffset.UtcNow));
        var ingest = new SegmentIngest(store, new SigningKeyMessageSigner(collectorKey), TimeProvider.System, NullLogger<SegmentIngest>.Instance);

        using SegmentOutbox outbox = SegmentOutbox.Open(Path.Combine(box, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
        int stored = 0;
        foreach (VerifiableSegment segment in SegmentChainVerifier.CollectFromOutbox(outbox))
        {
            byte[] ciphertext;
            using (Stream stream = segment.OpenCiphertext() ?? throw new InvalidOperationException($"segment {segment.Key} has no ciphertext"))
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                ciphertext = copy.ToArray();
            }

            var reference = new SegmentReference(segment.Key.SessionId, segment.Key.SegmentIndex);
            var layout = new PartLayout(ciphertext.Length, PartSize);
            for (int part = 0; part < layout.PartCount; part++)
            {
                byte[] message = SegmentPartCodec.Encode(deviceId, reference, layout, part, ciphertext.AsSpan((int)layout.OffsetOf(part), layout.LengthOf(part)));
                IngestResult staged = ingest.Handle(new IncomingMessage(UploadTopics.Part(deviceId), message, null, new byte[] { 1 }));
                Assert.True(staged.Outcome == IngestOutcome.PartStaged, $"part {part} of {segment.Key}: {staged.Outcome} {staged.Detail}");
            }

            byte[] commit = SegmentCommitCodec.Encode(new SegmentCommit(deviceId, reference, layout, SHA256.HashData(ciphertext), segment.Manifest));
            IngestResult result = ingest.Handle(new IncomingMessage(UploadTopics.Commit(deviceId), commit, null, new byte[] { 2 }));
            Assert.True(result.Outcome == IngestOutcome.SegmentStored, $"{segment.Key}: {result.Outcome} {result.Detail}");
            stored++;
        }

        return stored;
    }
}
