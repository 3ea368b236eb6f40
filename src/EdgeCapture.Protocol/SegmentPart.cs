namespace EdgeCapture.Protocol;

/// <summary>One slice of a segment's ciphertext as published on <c>up/part</c>. Self-contained: it names its segment, its layout and the SHA-256 of its own bytes.</summary>
/// <param name="DeviceId">The device that recorded the segment.</param>
/// <param name="Segment">The segment.</param>
/// <param name="Layout">How the segment is cut into parts.</param>
/// <param name="PartIndex">Which part this is.</param>
/// <param name="PartSha256">SHA-256 of <paramref name="Data"/> (32 bytes).</param>
/// <param name="Data">The ciphertext bytes of the part (a slice of the received payload when decoded).</param>
public sealed record SegmentPart(
    string DeviceId,
    SegmentReference Segment,
    PartLayout Layout,
    int PartIndex,
    ReadOnlyMemory<byte> PartSha256,
    ReadOnlyMemory<byte> Data)
{
    /// <summary>Where the part's bytes lie in the ciphertext.</summary>
    public long Offset => Layout.OffsetOf(PartIndex);
}
