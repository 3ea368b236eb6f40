namespace EdgeCapture.Storage;

/// <summary>A consistent snapshot of what the outbox holds, for status reports.</summary>
public sealed class OutboxStatistics
{
    /// <summary>Segments waiting to be uploaded.</summary>
    public required int PendingSegments { get; init; }

    /// <summary>Segments being uploaded.</summary>
    public required int UploadingSegments { get; init; }

    /// <summary>Segments uploaded but not yet acknowledged.</summary>
    public required int UploadedSegments { get; init; }

    /// <summary>Segments the collector refused for good (kept with their reason, not retried).</summary>
    public required int RejectedSegments { get; init; }

    /// <summary>Tombstones of acknowledged segments still kept for forget requests.</summary>
    public required int AcknowledgedTombstones { get; init; }

    /// <summary>Forgotten segments for which no retraction has been queued yet.</summary>
    public required int SegmentsAwaitingRetraction { get; init; }

    /// <summary>Retractions not yet delivered (rejected ones excluded).</summary>
    public required int PendingRetractions { get; init; }

    /// <summary>Retractions the collector refused for good (kept with their reason, not sent again).</summary>
    public int RejectedRetractions { get; init; }

    /// <summary>Ciphertext plus manifest bytes held (what the quota limits).</summary>
    public required long StoredBytes { get; init; }

    /// <summary>The quota.</summary>
    public required long QuotaBytes { get; init; }

    /// <summary>Size of the database file in bytes (pages in use plus free pages not yet vacuumed).</summary>
    public required long DatabaseFileBytes { get; init; }
}
