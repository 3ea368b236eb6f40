using EdgeCapture.Linux;

namespace EdgeCapture.Storage;

/// <summary>What the outbox knows about a stored segment (the ciphertext itself is read with <see cref="SegmentOutbox.TryOpenCiphertext"/>).</summary>
public sealed class OutboxSegment
{
    /// <summary>Session and index.</summary>
    public required SegmentKey Key { get; init; }

    /// <summary>Monotonic nanoseconds at the start of the sealed range.</summary>
    public required long MonotonicStartNanoseconds { get; init; }

    /// <summary>Monotonic nanoseconds at the end of the sealed range.</summary>
    public required long MonotonicEndNanoseconds { get; init; }

    /// <summary>Wall clock (UTC) at the start of the sealed range.</summary>
    public required DateTimeOffset WallClockStartUtc { get; init; }

    /// <summary>Wall clock (UTC) at the end of the sealed range.</summary>
    public required DateTimeOffset WallClockEndUtc { get; init; }

    /// <summary>Length of the ciphertext in bytes (as appended, also for tombstones).</summary>
    public required long CiphertextLength { get; init; }

    /// <summary>The signed manifest; empty for an <see cref="UploadState.Acknowledged"/> tombstone.</summary>
    public required ReadOnlyMemory<byte> Manifest { get; init; }

    /// <summary>SHA-256 of the ciphertext.</summary>
    public required ReadOnlyMemory<byte> CiphertextSha256 { get; init; }

    /// <summary>SHA-256 of the manifest.</summary>
    public required ReadOnlyMemory<byte> ManifestSha256 { get; init; }

    /// <summary>Upload state.</summary>
    public required UploadState State { get; init; }

    /// <summary>Why the collector refused it, for a <see cref="UploadState.Rejected"/> segment; null otherwise.</summary>
    public string? RejectionReason { get; init; }

    /// <summary>When the outbox stored it (the outbox's <see cref="TimeProvider"/>).</summary>
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>When the state last changed.</summary>
    public required DateTimeOffset StateChangedUtc { get; init; }

    /// <summary>The boot its monotonic range belongs to, or null when the segment was stored without one (schema version 2 and before).</summary>
    public BootId? BootId { get; init; }
}
