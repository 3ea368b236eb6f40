namespace EdgeCapture.Collector;

/// <summary>
/// Where the collector keeps its store and how much it keeps. Every limit is enforced: staging and quarantine by
/// refusing to keep more, stored segments by the retention sweep (<see cref="RetentionDays"/>, <see cref="QuotaBytes"/>).
/// </summary>
public sealed class CollectorOptions
{
    /// <summary>The store: <c>index.db</c>, <c>segments/</c>, <c>staging/</c>, <c>quarantine/</c> and <c>collector.key</c>.</summary>
    public required string StoreDirectory { get; init; }

    /// <summary>Most bytes of parts staged at once (default 8 GiB). A part beyond it is not kept; the box resends it.</summary>
    public long StagingQuotaBytes { get; init; } = 8L << 30;

    /// <summary>Staged parts of a segment whose commit never came are removed after this long (default 7 days).</summary>
    public TimeSpan StagingExpiry { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Most bytes of quarantine evidence kept (default 1 GiB); entries beyond it are recorded without their bytes.</summary>
    public long QuarantineQuotaBytes { get; init; } = 1L << 30;

    /// <summary>Stored segments older than this many days (by the collector's clock when they were stored) are deleted; 0 keeps them forever (default 90).</summary>
    public int RetentionDays { get; init; } = 90;

    /// <summary>When stored ciphertext exceeds this, the oldest stored segments are deleted until it fits; 0 means no quota (default 1 TiB).</summary>
    public long QuotaBytes { get; init; } = 1L << 40;

    /// <summary>How often the retention sweep runs (default 10 minutes).</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The index database.</summary>
    public string IndexPath => Path.Combine(StoreDirectory, "index.db");

    /// <summary>The stored segments (content-addressed <c>.age</c> files).</summary>
    public string SegmentsDirectory => Path.Combine(StoreDirectory, "segments");

    /// <summary>The staged parts.</summary>
    public string StagingDirectory => Path.Combine(StoreDirectory, "staging");

    /// <summary>The quarantine evidence.</summary>
    public string QuarantineDirectory => Path.Combine(StoreDirectory, "quarantine");

    /// <summary>The collector's Ed25519 signing key (created 0600 on first run).</summary>
    public string KeyPath => Path.Combine(StoreDirectory, "collector.key");

    /// <summary>The fleet view (last birth, death, status and reported configuration per device, and the boxes' audit): <c>edgecapture fleet devices|status|audit --view</c> reads it.</summary>
    public string FleetViewPath => Path.Combine(StoreDirectory, "fleet-view.db");
}
