namespace EdgeCapture.Protocol;

/// <summary>
/// The request to store a segment whose parts were sent (or, after a restart, may have been sent), published on
/// <c>up/commit</c> with a Response Topic (<see cref="UploadTopics.Answer"/>) and Correlation Data. The collector
/// answers <c>stored</c>, <c>missing [parts]</c> or <c>rejected (reason)</c>.
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Segment">The segment.</param>
/// <param name="Layout">The part layout the parts were (or will be) sent in.</param>
/// <param name="CiphertextSha256">SHA-256 of the whole ciphertext (32 bytes); it must match the manifest's.</param>
/// <param name="SignedManifest">The device-signed manifest exactly as the outbox holds it (opaque here; the collector decodes and verifies it).</param>
public sealed record SegmentCommit(
    string DeviceId,
    SegmentReference Segment,
    PartLayout Layout,
    ReadOnlyMemory<byte> CiphertextSha256,
    ReadOnlyMemory<byte> SignedManifest);
