using EdgeCapture.Collector.Index;
using EdgeCapture.Collector.Storage;

namespace EdgeCapture.Collector;

/// <summary>
/// The on-prem store opened from <see cref="CollectorOptions"/>: index, blobs, staging and quarantine. This is what the
/// custodian's tools, the dataset export and the fleet view read (<see cref="Index"/> for rows, <see cref="Blobs"/> for
/// the age files); ingest is the only writer of segments.
/// </summary>
public sealed class CollectorStore : IDisposable
{
    private CollectorStore(CollectorOptions options, ICollectorIndex index, ISegmentBlobStore blobs, IPartStaging staging, QuarantineStore quarantine)
    {
        Options = options;
        Index = index;
        Blobs = blobs;
        Staging = staging;
        Quarantine = quarantine;
    }

    /// <summary>The options it was opened with.</summary>
    public CollectorOptions Options { get; }

    /// <summary>Devices, segments, quarantine, audit.</summary>
    public ICollectorIndex Index { get; }

    /// <summary>The stored ciphertexts.</summary>
    public ISegmentBlobStore Blobs { get; }

    /// <summary>Parts waiting for their commit.</summary>
    public IPartStaging Staging { get; }

    /// <summary>Evidence of what was quarantined.</summary>
    public QuarantineStore Quarantine { get; }

    /// <summary>Opens (creating if needed) the filesystem and SQLite store.</summary>
    /// <param name="options">Where and how much.</param>
    /// <returns>The store.</returns>
    public static CollectorStore Open(CollectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.StoreDirectory);
        SqliteCollectorIndex index = SqliteCollectorIndex.Open(options.IndexPath);
        try
        {
            return new CollectorStore(options, index, new FileSystemBlobStore(options.SegmentsDirectory),
                new FileSystemPartStaging(options.StagingDirectory, options.StagingQuotaBytes), new QuarantineStore(options.QuarantineDirectory, options.QuarantineQuotaBytes));
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>Opens a store made of other implementations (an object store, another database).</summary>
    /// <param name="options">Limits and paths.</param>
    /// <param name="index">The index.</param>
    /// <param name="blobs">The blob store.</param>
    /// <param name="staging">The staging.</param>
    /// <param name="quarantine">The quarantine.</param>
    /// <returns>The store; it owns <paramref name="index"/>.</returns>
    public static CollectorStore Compose(CollectorOptions options, ICollectorIndex index, ISegmentBlobStore blobs, IPartStaging staging, QuarantineStore quarantine) =>
        new(options, index, blobs, staging, quarantine);

    /// <summary>Closes the index.</summary>
    public void Dispose() => Index.Dispose();
}
