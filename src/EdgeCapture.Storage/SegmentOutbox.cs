using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using EdgeCapture.Linux;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Storage;

/// <summary>
/// Crash-safe SQLite outbox for sealed, already-encrypted segments, their signed manifests, upload state, retractions and
/// the per-session manifest chain head. See README.md for the schema, the fsync policy, the quota and corruption handling.
/// One partial file per job: this one opens, recovers, counts and closes; <c>.Append</c> is the recorder's append and quota
/// (<see cref="IRecordingOutbox"/>) with the chain heads; <c>.Upload</c> the upload queue (<see cref="IUploadBacklog"/>);
/// <c>.Forget</c> forget and retention; <c>.Retractions</c> the retraction queue.
/// </summary>
/// <remarks>
/// Thread safety: every method may be called from any thread. All metadata reads and all writes go through one connection
/// serialised by a lock (each call holds it for one short transaction); <see cref="TryOpenCiphertext"/> streams use their own
/// read-only connection and snapshot, so an upload in progress never blocks the recorder's appends.
/// </remarks>
public sealed partial class SegmentOutbox : IRecordingOutbox, IUploadBacklog, IDisposable
{
    /// <summary>The schema version (<c>PRAGMA user_version</c>) this code reads and writes.</summary>
    public const int CurrentSchemaVersion = OutboxSchema.CurrentVersion;

    /// <summary>The longest rejection reason <see cref="MarkRejected"/> stores.</summary>
    public const int MaximumRejectionReasonLength = 1000;

    private const int Sha256Length = 32;

    private const int SqliteFull = 13;

    private readonly Lock _writeLock = new();

    private readonly SqliteConnection _connection;

    private readonly OutboxOptions _options;

    private readonly ILogger _logger;

    private readonly TimeProvider _timeProvider;

    // The box's exclusive lock; a read-only open holds the lock file shared, or nothing when there is none.
    private readonly FileStream? _ownership;

    // How TryOpenCiphertext opens its read-only connection (the same URI as the metadata connection for a read-only open).
    private readonly string _readerDataSource;

    private long _storedBytes;

    private volatile bool _storageFull;

    private bool _disposed;

    private SegmentOutbox(string databasePath, FileStream? ownership, SqliteConnection connection, OutboxOptions options, ILogger logger, TimeProvider timeProvider, CorruptDatabaseRecovery? startupRecovery, string? readerDataSource = null)
    {
        DatabasePath = databasePath;
        _readerDataSource = readerDataSource ?? databasePath;
        IsReadOnly = readerDataSource is not null;
        _ownership = ownership;
        _connection = connection;
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        StartupRecovery = startupRecovery;
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>True when opened by <see cref="OpenReadOnly"/>: reads only; every method that would change the outbox throws <see cref="InvalidOperationException"/>.</summary>
    public bool IsReadOnly { get; }

    /// <summary>
    /// Set when the database found at startup was unusable and was moved aside (see <see cref="CorruptDatabaseRecovery.MovedAsidePath"/>)
    /// and a fresh outbox created; null when the existing database was healthy or none existed. The appliance reports it.
    /// </summary>
    public CorruptDatabaseRecovery? StartupRecovery { get; }

    /// <summary>Ciphertext plus manifest bytes of the segments held (pending, uploading, uploaded, rejected). This is what the quota limits.</summary>
    public long StoredBytes => Interlocked.Read(ref _storedBytes);

    /// <summary>The quota in bytes (<see cref="OutboxOptions.QuotaBytes"/>).</summary>
    public long QuotaBytes => _options.QuotaBytes;

    /// <summary>
    /// True after an append was refused for lack of space, until space is freed (an acknowledgement or a forget) or a later append fits.
    /// While it is set the recorder does not record and reports "storage full"; the relay is unaffected.
    /// </summary>
    public bool IsStorageFull => _storageFull;

    /// <summary>
    /// Opens (or creates) the outbox at <paramref name="databasePath"/>. An existing file that is not a healthy outbox
    /// (garbage, truncated, empty, foreign or newer schema, garbage write-ahead log, failed integrity check) is moved aside to
    /// <c>&lt;name&gt;.corrupt-&lt;timestamp&gt;</c> with its -wal/-shm, logged as an error, reported in <see cref="StartupRecovery"/>,
    /// and replaced by a fresh database: opening never fails because of the file's contents.
    /// </summary>
    /// <param name="databasePath">Path of the database file; its directory is created if missing.</param>
    /// <param name="options">Quota and policies.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="timeProvider">Clock for created/state-change times and tombstone retention.</param>
    /// <returns>The open outbox.</returns>
    /// <exception cref="IOException">Another process has the outbox open (<c>&lt;name&gt;.lock</c> is locked), or the directory cannot be
    /// written (a corrupt file cannot be moved aside, or no file can be created).</exception>
    /// <exception cref="SqliteException">SQLite cannot create a database at all (for example the file system is full or read-only).</exception>
    public static SegmentOutbox Open(string databasePath, OutboxOptions options, ILogger<SegmentOutbox> logger, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();

        string fullPath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        FileStream ownership = OutboxFiles.AcquireOwnership(fullPath);
        try
        {
            return Open(fullPath, ownership, options, logger, timeProvider);
        }
        catch
        {
            ownership.Dispose();
            throw;
        }
    }

    private static SegmentOutbox Open(string fullPath, FileStream ownership, OutboxOptions options, ILogger logger, TimeProvider timeProvider)
    {
        var files = new OutboxFiles(fullPath, logger);
        CorruptDatabaseRecovery? recovery = null;
        int schemaVersion = OutboxSchema.CurrentVersion;

        DatabaseProblem? problem = File.Exists(fullPath)
            ? OutboxDatabaseInspector.Inspect(fullPath, options.StartupCheck, out schemaVersion)
            : files.InspectStrays();
        if (problem is { } found)
        {
            DateTimeOffset now = timeProvider.GetUtcNow();
            string movedAsidePath = files.MoveAside(now, options.MaximumCorruptCopies);
            OutboxLog.MovedAside(logger, fullPath, found.Reason, found.Detail, movedAsidePath);
            recovery = new CorruptDatabaseRecovery { Reason = found.Reason, Detail = found.Detail, MovedAsidePath = movedAsidePath, DetectedUtc = now };
        }

        if (!File.Exists(fullPath))
        {
            files.CreateFresh(options.PageCacheKibibytes);
            OutboxLog.Created(logger, fullPath);
            schemaVersion = OutboxSchema.CurrentVersion;
        }

        SqliteConnection connection = OutboxSchema.OpenConnection(fullPath, SqliteOpenMode.ReadWrite, options.PageCacheKibibytes);
        try
        {
            OutboxSchema.EnableWriteAheadLog(connection);
            if (options.MaximumPageCount is long maximumPageCount)
            {
                OutboxSchema.Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count = {maximumPageCount};"));
            }

            if (schemaVersion < OutboxSchema.CurrentVersion)
            {
                OutboxSchema.Migrate(connection, schemaVersion);
                OutboxLog.Migrated(logger, schemaVersion, OutboxSchema.CurrentVersion);
            }

            var outbox = new SegmentOutbox(fullPath, ownership, connection, options, logger, timeProvider, recovery);
            outbox.RecoverAfterOpen();
            OutboxLog.Opened(logger, fullPath, OutboxSchema.CurrentVersion, outbox.StoredBytes, options.QuotaBytes);
            return outbox;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A consistent snapshot of counts and sizes.</summary>
    /// <returns>The statistics.</returns>
    public OutboxStatistics GetStatistics()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: true);
            using SqliteCommand command = Command(transaction, $"""
                SELECT
                    (SELECT count(*) FROM segments WHERE state = {UploadStateSql.Pending}),
                    (SELECT count(*) FROM segments WHERE state = {UploadStateSql.Uploading}),
                    (SELECT count(*) FROM segments WHERE state = {UploadStateSql.Uploaded}),
                    (SELECT count(*) FROM segments WHERE state = {UploadStateSql.Acknowledged}),
                    (SELECT count(*) FROM forgotten_segments),
                    (SELECT count(*) FROM retractions WHERE rejection_reason IS NULL),
                    (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size()),
                    (SELECT count(*) FROM segments WHERE state = {UploadStateSql.Rejected}),
                    (SELECT count(*) FROM retractions WHERE rejection_reason IS NOT NULL);
                """);
            using SqliteDataReader reader = command.ExecuteReader();
            reader.Read();
            return new OutboxStatistics
            {
                PendingSegments = reader.GetInt32(0),
                UploadingSegments = reader.GetInt32(1),
                UploadedSegments = reader.GetInt32(2),
                AcknowledgedTombstones = reader.GetInt32(3),
                SegmentsAwaitingRetraction = reader.GetInt32(4),
                PendingRetractions = reader.GetInt32(5),
                DatabaseFileBytes = reader.GetInt64(6),
                RejectedSegments = reader.GetInt32(7),
                RejectedRetractions = reader.GetInt32(8),
                StoredBytes = StoredBytes,
                QuotaBytes = _options.QuotaBytes,
            };
        }
    }

    /// <summary>Closes the database (SQLite checkpoints the write-ahead log into the main file on the last close) and releases the ownership lock.</summary>
    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
            _ownership?.Dispose();
        }
    }

    private void RecoverAfterOpen()
    {
        lock (_writeLock)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            int requeued;
            // Uploading and Uploaded both mean "sent, never confirmed" once the process that sent it is gone: back to pending, so the
            // uploader commits it again (the collector answers stored or names what it lacks) instead of leaving it stranded.
            using (SqliteCommand requeue = Command(transaction, $"UPDATE segments SET state = {UploadStateSql.Pending}, state_changed_utc_ticks = $now WHERE state IN {UploadStateSql.List(UploadState.Uploading, UploadState.Uploaded)};"))
            {
                requeue.Parameters.AddWithValue("$now", NowTicks());
                requeued = requeue.ExecuteNonQuery();
            }

            PruneTombstones(transaction);
            using (SqliteCommand sum = Command(transaction, $"SELECT coalesce(sum(ciphertext_length + manifest_length), 0) FROM segments WHERE state IN {UploadStateSql.Held};"))
            {
                _storedBytes = (long)sum.ExecuteScalar()!;
            }

            transaction.Commit();
            if (requeued > 0)
            {
                OutboxLog.UploadsRequeued(_logger, requeued);
            }
        }
    }

    private void PruneTombstones(SqliteTransaction transaction)
    {
        using SqliteCommand prune = Command(transaction, $"DELETE FROM segments WHERE state = {UploadStateSql.Acknowledged} AND state_changed_utc_ticks < $cutoff;");
        prune.Parameters.AddWithValue("$cutoff", (_timeProvider.GetUtcNow() - _options.AcknowledgedRetention).UtcTicks);
        prune.ExecuteNonQuery();
    }

    private void SpaceFreed(long freedBytes)
    {
        long storedBytes = Interlocked.Add(ref _storedBytes, -freedBytes);
        if (_storageFull)
        {
            _storageFull = false;
            OutboxLog.RoomAgain(_logger, storedBytes, _options.QuotaBytes);
        }
    }

    private void VacuumIfWorthwhile()
    {
        long freeBytes = OutboxSchema.ReadInt64(_connection, "PRAGMA freelist_count;") * OutboxSchema.ReadInt64(_connection, "PRAGMA page_size;");
        if (freeBytes > 0 && freeBytes >= _options.IncrementalVacuumThresholdBytes)
        {
            OutboxSchema.Execute(_connection, "PRAGMA incremental_vacuum;");
        }
    }

    /// <returns>True when the write-ahead log was checkpointed and truncated.</returns>
    private bool TruncateWriteAheadLog()
    {
        // Old copies of forgotten pages can sit in WAL frames until they are overwritten; truncating the WAL drops them.
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        using SqliteDataReader reader = command.ExecuteReader();
        if (reader.Read() && reader.GetInt32(0) != 0)
        {
            OutboxLog.CheckpointBusy(_logger);
            return false;
        }

        return true;
    }

    private long ReadChanges(SqliteTransaction transaction)
    {
        using SqliteCommand command = Command(transaction, "SELECT changes();");
        return (long)command.ExecuteScalar()!;
    }

    private SqliteCommand Command(SqliteTransaction transaction, string sql)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private long NowTicks() => _timeProvider.GetUtcNow().UtcTicks;

    private static DateTimeOffset FromTicks(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private static string SessionText(Guid sessionId) => sessionId.ToString("D");

    private static void AddKey(SqliteCommand command, SegmentKey key)
    {
        command.Parameters.AddWithValue("$session", SessionText(key.SessionId));
        command.Parameters.AddWithValue("$index", key.SegmentIndex);
    }

    private static List<SegmentKey> ReadKeys(SqliteCommand command)
    {
        List<SegmentKey> keys = [];
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(new SegmentKey(Guid.Parse(reader.GetString(0)), reader.GetInt32(1)));
        }

        return keys;
    }
}
