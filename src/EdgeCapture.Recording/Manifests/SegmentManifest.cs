using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Manifests;

/// <summary>
/// What the device vouches for about one sealed segment, without its content: who, which session and position,
/// which time range, the hash and length of the ciphertext, whether it ends its session, and the hash of the previous
/// segment's signed manifest (the chain). Signed with the device's Ed25519 key; see SEGMENT-FORMAT.md. Only what upload,
/// verification, quota and forget need is here ("Sealed at rest"): the record counts, the end reason and the plaintext
/// length are inside the sealed payload (the trailer and the records), read after decrypting.
/// </summary>
/// <param name="FormatVersion">Manifest format version (<see cref="ManifestCodec.Version"/>).</param>
/// <param name="DeviceId">The appliance.</param>
/// <param name="SessionId">The session.</param>
/// <param name="SegmentIndex">Position in the session, from 0.</param>
/// <param name="MonotonicStartNanoseconds">Start of the sealed range (CLOCK_MONOTONIC ns of this boot).</param>
/// <param name="MonotonicEndNanoseconds">End of the sealed range.</param>
/// <param name="WallClockStartUnixNanoseconds">Wall clock at the start (Unix epoch ns).</param>
/// <param name="WallClockEndUnixNanoseconds">Wall clock at the end (Unix epoch ns).</param>
/// <param name="CiphertextLength">Length of the age file.</param>
/// <param name="CiphertextSha256">SHA-256 of the age file (32 bytes).</param>
/// <param name="PreviousManifestSha256">SHA-256 of the previous segment's signed manifest; 32 zero bytes for segment 0.</param>
/// <param name="EndsSession">Whether this is the last segment of its session (why is sealed in the trailer), so a lost tail is visible without decrypting.</param>
/// <param name="Recipients">The age recipients the segment is encrypted to (public keys, <c>age1...</c>).</param>
/// <param name="SigningPublicKey">The device's Ed25519 public key (32 bytes) that signed this manifest.</param>
public sealed record SegmentManifest(
    int FormatVersion,
    string DeviceId,
    Guid SessionId,
    int SegmentIndex,
    long MonotonicStartNanoseconds,
    long MonotonicEndNanoseconds,
    long WallClockStartUnixNanoseconds,
    long WallClockEndUnixNanoseconds,
    long CiphertextLength,
    ReadOnlyMemory<byte> CiphertextSha256,
    ReadOnlyMemory<byte> PreviousManifestSha256,
    bool EndsSession,
    IReadOnlyList<string> Recipients,
    ReadOnlyMemory<byte> SigningPublicKey);
