using EdgeCapture.Linux;

namespace EdgeCapture.Storage;

/// <summary>
/// A sealed segment as the recorder hands it to the outbox: already encrypted (age v1) and described by a signed manifest.
/// The outbox never interprets <see cref="Ciphertext"/> or <see cref="Manifest"/>; it checks only that the hashes match the bytes.
/// </summary>
public sealed class SealedSegmentRecord
{
    /// <summary>Session and index of the segment.</summary>
    public required SegmentKey Key { get; init; }

    /// <summary>Monotonic (CLOCK_MONOTONIC) nanoseconds at the start of the sealed range. Only comparable within one boot.</summary>
    public required long MonotonicStartNanoseconds { get; init; }

    /// <summary>Monotonic nanoseconds at the end of the sealed range; not before the start.</summary>
    public required long MonotonicEndNanoseconds { get; init; }

    /// <summary>
    /// Wall clock (UTC) at the start of the sealed range. Forget windows are matched against the wall clock because
    /// monotonic time restarts at every boot.
    /// </summary>
    public required DateTimeOffset WallClockStartUtc { get; init; }

    /// <summary>Wall clock (UTC) at the end of the sealed range; not before the start.</summary>
    public required DateTimeOffset WallClockEndUtc { get; init; }

    /// <summary>The age-encrypted segment file. Never plaintext.</summary>
    public required ReadOnlyMemory<byte> Ciphertext { get; init; }

    /// <summary>The manifest signed by the device key (metadata only: see the README for what it may carry).</summary>
    public required ReadOnlyMemory<byte> Manifest { get; init; }

    /// <summary>SHA-256 of <see cref="Ciphertext"/> (32 bytes); verified on append.</summary>
    public required ReadOnlyMemory<byte> CiphertextSha256 { get; init; }

    /// <summary>SHA-256 of <see cref="Manifest"/> exactly as stored (32 bytes); verified on append. The next segment's manifest chains to it.</summary>
    public required ReadOnlyMemory<byte> ManifestSha256 { get; init; }

    /// <summary>
    /// The boot the monotonic range was measured in (a forget matches monotonic ranges only within one boot). Null when unknown:
    /// such a segment is matched like one from an earlier boot, conservatively.
    /// </summary>
    public BootId? BootId { get; init; }
}
