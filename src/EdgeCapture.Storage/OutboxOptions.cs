namespace EdgeCapture.Storage;

/// <summary>Settings for <see cref="SegmentOutbox"/>.</summary>
public sealed class OutboxOptions
{
    /// <summary>
    /// Upper bound, in bytes, on ciphertext plus manifest bytes of the segments held (see <see cref="SegmentOutbox.StoredBytes"/>).
    /// An append that would exceed it returns <see cref="AppendResult.StorageFull"/>. Default 1 GiB.
    /// The database file is larger than this by its page overhead and tombstones (a few percent); plan the partition accordingly.
    /// </summary>
    public long QuotaBytes { get; init; } = 1L << 30;

    /// <summary>
    /// How long a tombstone of an acknowledged segment (key, wall-clock range, hashes; no ciphertext) is kept so that
    /// <see cref="SegmentOutbox.ForgetWindow"/> can still name it for a retraction. Must exceed the longest forget window. Default 6 hours.
    /// </summary>
    public TimeSpan AcknowledgedRetention { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Check run on an existing database when it is opened. Default <see cref="OutboxStartupCheck.Quick"/>.</summary>
    public OutboxStartupCheck StartupCheck { get; init; } = OutboxStartupCheck.Quick;

    /// <summary>How many moved-aside corrupt databases are kept next to the outbox (older ones are deleted so they cannot fill the disk). Default 2.</summary>
    public int MaximumCorruptCopies { get; init; } = 2;

    /// <summary>Free pages are returned to the file system (<c>PRAGMA incremental_vacuum</c>) once they add up to this many bytes. Default 1 MiB.</summary>
    public long IncrementalVacuumThresholdBytes { get; init; } = 1L << 20;

    /// <summary>SQLite page cache per connection, in KiB; bounds memory use. Default 2048 (2 MiB).</summary>
    public int PageCacheKibibytes { get; init; } = 2048;

    /// <summary>
    /// Test seam: caps the database at this many pages (<c>PRAGMA max_page_count</c>) so that tests can drive SQLite into the
    /// same SQLITE_FULL error a full file system gives. Not public: the appliance's limit is <see cref="QuotaBytes"/>.
    /// </summary>
    internal long? MaximumPageCount { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(QuotaBytes, nameof(QuotaBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(AcknowledgedRetention, TimeSpan.Zero, nameof(AcknowledgedRetention));
        ArgumentOutOfRangeException.ThrowIfNegative(MaximumCorruptCopies, nameof(MaximumCorruptCopies));
        ArgumentOutOfRangeException.ThrowIfNegative(IncrementalVacuumThresholdBytes, nameof(IncrementalVacuumThresholdBytes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PageCacheKibibytes, nameof(PageCacheKibibytes));
        if (!Enum.IsDefined(StartupCheck))
        {
            throw new ArgumentOutOfRangeException(nameof(StartupCheck), StartupCheck, "Unknown startup check.");
        }
    }
}
