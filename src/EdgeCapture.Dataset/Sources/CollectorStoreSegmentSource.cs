using EdgeCapture.Collector;
using EdgeCapture.Collector.Index;
using EdgeCapture.Crypto;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Dataset.Sources;

/// <summary>
/// Reads the collector's store (<c>index.db</c> and the content-addressed <c>segments/</c>): every stored segment of
/// every device, with the key the device was enrolled with. The store has already checked what it took in, but the
/// export trusts none of that: it verifies signatures, chains and hashes itself, as for an outbox. The dependency
/// points one way: the export reads the store; the collector knows nothing of the export.
/// </summary>
public sealed class CollectorStoreSegmentSource : ISegmentSource
{
    private readonly CollectorStore _store;

    private CollectorStoreSegmentSource(string directory, CollectorStore store)
    {
        Description = $"collector store {directory}";
        _store = store;
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>Opens the store in <paramref name="directory"/> (it is not created when absent).</summary>
    /// <param name="directory">The collector's store directory (holds <c>index.db</c>).</param>
    /// <returns>The source.</returns>
    /// <exception cref="SegmentSourceException">No store there, or its index cannot be opened.</exception>
    public static CollectorStoreSegmentSource Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var options = new CollectorOptions { StoreDirectory = Path.GetFullPath(directory) };
        if (!File.Exists(options.IndexPath))
        {
            throw new SegmentSourceException($"No collector store at {options.StoreDirectory} (no {Path.GetFileName(options.IndexPath)}).");
        }

        try
        {
            return new CollectorStoreSegmentSource(options.StoreDirectory, CollectorStore.Open(options));
        }
        catch (Exception error) when (error is SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new SegmentSourceException($"The collector store at {options.StoreDirectory} cannot be opened: {error.Message}", error);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="SegmentSourceException">A device with stored segments has no enrolled key.</exception>
    public IReadOnlyList<SourceDevice> ListDevices()
    {
        var devices = new List<SourceDevice>();
        foreach (IGrouping<string, StoredSegment> device in _store.Index.ListSegments().GroupBy(row => row.DeviceId, StringComparer.Ordinal).OrderBy(group => group.Key, StringComparer.Ordinal))
        {
            DevicePublicKey key = _store.Index.FindDeviceKey(device.Key)
                ?? throw new SegmentSourceException($"Device {device.Key} has segments in the store but no enrolled key to verify them with.");
            VerifiableSegment[] segments = [.. device
                .OrderBy(row => row.Segment.SessionId)
                .ThenBy(row => row.Segment.SegmentIndex)
                .Select(row => new VerifiableSegment(
                    new SegmentKey(row.Segment.SessionId, row.Segment.SegmentIndex),
                    UploadState.Uploaded,
                    row.Manifest,
                    row.ManifestSha256,
                    row.WallClockStartUtc,
                    row.WallClockEndUtc,
                    () => _store.Blobs.OpenRead(row.Address)))];
            devices.Add(new SourceDevice(device.Key, key, segments));
        }

        return devices;
    }

    /// <inheritdoc/>
    public void Dispose() => _store.Dispose();
}
