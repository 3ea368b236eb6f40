using EdgeCapture.Crypto;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Dataset.Sources;

/// <summary>
/// Reads a box's outbox directly (a copy of its data directory on the custodian's bench): <c>outbox.db</c> and its
/// ciphertext, with the device key from <c>device.key</c> in the same directory or given explicitly. The outbox is opened
/// read-only (<see cref="SegmentOutbox.OpenReadOnly"/>): an export leaves the directory exactly as it found it.
/// </summary>
public sealed class OutboxSegmentSource : ISegmentSource
{
    private readonly SegmentOutbox _outbox;
    private readonly DevicePublicKey _publicKey;

    private OutboxSegmentSource(string directory, SegmentOutbox outbox, DevicePublicKey publicKey)
    {
        Description = $"outbox {directory}";
        _outbox = outbox;
        _publicKey = publicKey;
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>Opens the outbox in <paramref name="directory"/>.</summary>
    /// <param name="directory">The box's data directory (holds <c>outbox.db</c>).</param>
    /// <param name="devicePublicKey">The device key, or null to read it from <c>device.key</c> in the directory.</param>
    /// <returns>The source.</returns>
    /// <exception cref="SegmentSourceException">No outbox, no usable key, or an unusable database.</exception>
    public static OutboxSegmentSource Open(string directory, DevicePublicKey? devicePublicKey = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string databasePath = Path.Combine(directory, "outbox.db");
        if (!File.Exists(databasePath))
        {
            throw new SegmentSourceException($"No outbox at {databasePath}.");
        }

        DevicePublicKey key;
        try
        {
            if (devicePublicKey is null)
            {
                using DeviceSigningKey signing = DeviceSigningKey.Load(Path.Combine(directory, "device.key"));
                key = signing.PublicKey;
            }
            else
            {
                key = devicePublicKey;
            }
        }
        catch (Exception error) when (error is DeviceKeyFormatException or IOException or UnauthorizedAccessException)
        {
            throw new SegmentSourceException($"Device key: {error.Message} (give the device's public key explicitly)", error);
        }

        // Read-only: the export never changes the outbox it reads (no lock file, migration, requeue, pruning, move aside or
        // checkpoint; see SegmentOutbox.OpenReadOnly). No page scan either (the box's quick_check read the whole file once
        // more): the export proves every segment it uses by signature, chain and ciphertext hash, so a damaged page fails
        // there, naming the segment.
        SegmentOutbox outbox;
        try
        {
            outbox = SegmentOutbox.OpenReadOnly(databasePath, OutboxStartupCheck.SchemaOnly, NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
        }
        catch (SqliteException error)
        {
            throw new SegmentSourceException($"The outbox at {databasePath} cannot be read (SQLite error {error.SqliteErrorCode}: {error.Message}); it was left in place.", error);
        }
        catch (Exception error) when (error is InvalidDataException or IOException)
        {
            throw new SegmentSourceException(error.Message, error);
        }

        return new OutboxSegmentSource(Path.GetFullPath(directory), outbox, key);
    }

    /// <inheritdoc/>
    /// <exception cref="SegmentSourceException">The outbox's database cannot be read (a damaged page).</exception>
    public IReadOnlyList<SourceDevice> ListDevices()
    {
        IReadOnlyList<VerifiableSegment> segments;
        try
        {
            segments = SegmentChainVerifier.CollectFromOutbox(_outbox);
        }
        catch (SqliteException error)
        {
            throw new SegmentSourceException($"{Description} cannot be read (SQLite error {error.SqliteErrorCode}: {error.Message}); it was left in place.", error);
        }

        return [new SourceDevice(_publicKey.ToString(), _publicKey, segments)];
    }

    /// <inheritdoc/>
    public void Dispose() => _outbox.Dispose();
}
