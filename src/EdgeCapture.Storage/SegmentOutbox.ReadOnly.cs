using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Storage;

/// <summary>
/// The read-only open, for a reader of someone else's outbox (the custodian's export reads a copy of a box's data
/// directory): nothing in the directory is written, created, moved or deleted.
/// </summary>
public sealed partial class SegmentOutbox
{
    /// <summary>The oldest schema version a read-only open reads (the segments table has every column the reads select since version 3).</summary>
    private const int OldestReadOnlySchemaVersion = 3;

    /// <summary>SQLite's largest memory map (its default SQLITE_MAX_MMAP_SIZE), for read-only ciphertext reads.</summary>
    private const string ReadOnlyMemoryMapSql = "PRAGMA mmap_size = 2147418112;";

    /// <summary>
    /// Opens an existing outbox for reading only. Unlike <see cref="Open(string, OutboxOptions, ILogger{SegmentOutbox}, TimeProvider)"/> it never writes: no lock file is created (an
    /// existing <c>&lt;name&gt;.lock</c> is held shared, so a box cannot start writing while it is read, and a box that holds it
    /// makes the open fail), nothing is migrated, no upload is requeued, no tombstone is pruned, nothing unusable is moved
    /// aside (it is refused instead), and no write-ahead log is checkpointed. When there is no write-ahead log with content
    /// (an outbox closed cleanly), SQLite reads the database file as immutable and creates no <c>-wal</c> or <c>-shm</c>; when
    /// there is one (a copy of a running box), it is read as it is and only its <c>-shm</c> index may be created or rebuilt.
    /// Methods that would change the outbox throw <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="databasePath">The database file; it must exist.</param>
    /// <param name="startupCheck">How thoroughly the file is checked first.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="timeProvider">Clock (read-only: used by nothing that writes).</param>
    /// <returns>The open, read-only outbox.</returns>
    /// <exception cref="FileNotFoundException">There is no database file.</exception>
    /// <exception cref="IOException">A box has the outbox open (its lock file is locked).</exception>
    /// <exception cref="InvalidDataException">The file is not a usable outbox (garbage, foreign, a schema version this build does not read); it is left as it is.</exception>
    /// <exception cref="SqliteException">SQLite cannot read it (for example a write-ahead log without a readable or creatable index).</exception>
    public static SegmentOutbox OpenReadOnly(string databasePath, OutboxStartupCheck startupCheck, ILogger<SegmentOutbox> logger, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var options = new OutboxOptions { StartupCheck = startupCheck };
        options.Validate();
        string fullPath = Path.GetFullPath(databasePath);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"No outbox at {fullPath}.", fullPath);
        }

        FileStream? shared = HoldLockShared(fullPath);
        SqliteConnection? connection = null;
        try
        {
            var wal = new FileInfo(fullPath + "-wal");
            string dataSource = ReadOnlyDataSource(fullPath, immutable: !(wal.Exists && wal.Length > 0));
            DatabaseProblem? problem = OutboxDatabaseInspector.Inspect(fullPath, dataSource, SqliteOpenMode.ReadOnly, startupCheck, out int schemaVersion);
            if (problem is { } found)
            {
                throw new InvalidDataException($"The outbox {fullPath} is not usable ({found.Reason}: {found.Detail}); it was left as it is.");
            }

            if (schemaVersion < OldestReadOnlySchemaVersion)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"The outbox {fullPath} has schema version {schemaVersion}; reading it needs version {OldestReadOnlySchemaVersion} or later, and a read-only open does not migrate (the box's own software migrates it when it opens it)."));
            }

            connection = OutboxSchema.OpenConnection(dataSource, SqliteOpenMode.ReadOnly, options.PageCacheKibibytes);
            var outbox = new SegmentOutbox(fullPath, shared, connection, options, logger, timeProvider, startupRecovery: null, readerDataSource: dataSource);
            outbox._storedBytes = OutboxSchema.ReadInt64(connection, $"SELECT coalesce(sum(ciphertext_length + manifest_length), 0) FROM segments WHERE state IN {UploadStateSql.Held};");
            return outbox;
        }
        catch
        {
            connection?.Dispose();
            shared?.Dispose();
            throw;
        }
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"The outbox {DatabasePath} was opened read-only: it cannot be changed.");
        }
    }

    /// <summary>An existing lock file held shared (flock LOCK_SH) for as long as the outbox is read; null when there is none.</summary>
    private static FileStream? HoldLockShared(string databasePath)
    {
        string lockPath = databasePath + ".lock";
        try
        {
            // On Unix, a share other than FileShare.None makes .NET take flock(LOCK_SH | LOCK_NB): it fails while a box holds LOCK_EX.
            return new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (IOException exception) when (File.Exists(lockPath))
        {
            throw new IOException($"The outbox {databasePath} is open in another process ({lockPath} is locked); read a copy, or stop the box first.", exception);
        }
    }

    /// <summary>A SQLite URI for the file, percent-encoded, read-only; <c>immutable=1</c> when no write-ahead log has content.</summary>
    private static string ReadOnlyDataSource(string fullPath, bool immutable)
    {
        var uri = new StringBuilder("file:");
        foreach (byte value in Encoding.UTF8.GetBytes(fullPath))
        {
            char character = (char)value;
            if (char.IsAsciiLetterOrDigit(character) || character is '/' or '-' or '_' or '.' or '~')
            {
                uri.Append(character);
            }
            else
            {
                uri.Append('%').Append(value.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        uri.Append("?mode=ro");
        if (immutable)
        {
            uri.Append("&immutable=1");
        }

        return uri.ToString();
    }
}
