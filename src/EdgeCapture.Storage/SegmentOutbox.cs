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
/// </summary>
/// <remarks>
/// Thread safety: every method may be called from any thread. All metadata reads and all writes go through one connection
/// serialised by a lock (each call holds it for one short transaction); <see cref="TryOpenCiphertext"/> streams use their own
/// read-only connection and snapshot, so an upload in progress never blocks the recorder's appends.
/// </remarks>
public sealed partial class SegmentOutbox : IUploadBacklog, IDisposable
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
    private readonly FileStream _ownership;
    private long _storedBytes;
    private volatile bool _storageFull;
    private bool _disposed;

    private SegmentOutbox(string databasePath, FileStream ownership, SqliteConnection connection, OutboxOptions options, ILogger logger, TimeProvider timeProvider, CorruptDatabaseRecovery? startupRecovery)
    {
        DatabasePath = databasePath;
        _ownership = ownership;
        _connection = connection;
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        StartupRecovery = startupRecovery;
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

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

    /// <summary>Whether a segment of <paramref name="segmentBytes"/> (ciphertext plus manifest) would fit under the quota now.</summary>
    /// <param name="segmentBytes">Ciphertext plus manifest length.</param>
    /// <returns>True if an append of that size would not exceed the quota.</returns>
    public bool CanAccept(long segmentBytes) => segmentBytes <= _options.QuotaBytes - StoredBytes;

    /// <summary>
    /// Stores a sealed segment. Returns only after the transaction is durable: the write-ahead log holding the segment,
    /// its payload and the session chain head has been fsynced (WAL, <c>synchronous=FULL</c>), so it survives a process kill
    /// or power cut from then on. The ciphertext is written through incremental BLOB I/O (no extra copy).
    /// </summary>
    /// <param name="segment">The sealed segment.</param>
    /// <returns><see cref="AppendResult.Stored"/>, <see cref="AppendResult.AlreadyStored"/> (identical retry) or <see cref="AppendResult.StorageFull"/> (nothing stored).</returns>
    /// <exception cref="ArgumentException">The record is invalid (hash does not match the bytes, bad ranges, empty ciphertext), its key
    /// is already stored with different content, it was forgotten, or its index does not follow the session's last index.</exception>
    public AppendResult AppendSealedSegment(SealedSegmentRecord segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        Validate(segment);
        long segmentBytes = segment.Ciphertext.Length + (long)segment.Manifest.Length;
        string session = SessionText(segment.Key.SessionId);
        long storedBytes;
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (IsAlreadyStored(segment, session))
            {
                return AppendResult.AlreadyStored;
            }

            EnsureAppendable(segment, session);
            if (segmentBytes > _options.QuotaBytes - _storedBytes)
            {
                _storageFull = true;
                OutboxLog.QuotaReached(_logger, segment.Key, segmentBytes, _storedBytes, _options.QuotaBytes);
                return AppendResult.StorageFull;
            }

            try
            {
                InsertSegment(segment, session);
            }
            catch (SqliteException exception) when (exception.SqliteErrorCode == SqliteFull)
            {
                _storageFull = true;
                OutboxLog.DiskFull(_logger, segment.Key, exception);
                return AppendResult.StorageFull;
            }

            storedBytes = Interlocked.Add(ref _storedBytes, segmentBytes);
            if (_storageFull)
            {
                // A smaller segment fitted: there is room again.
                _storageFull = false;
                OutboxLog.RoomAgain(_logger, storedBytes, _options.QuotaBytes);
            }
        }

        OutboxLog.Appended(_logger, segment.Key, segment.Ciphertext.Length, storedBytes);
        return AppendResult.Stored;
    }

    /// <summary>Up to <paramref name="max"/> segments waiting for upload, oldest first, with their manifests.</summary>
    /// <param name="max">Maximum number returned.</param>
    /// <returns>The pending segments.</returns>
    public IReadOnlyList<OutboxSegment> GetPendingUploads(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = SelectSegment + $" WHERE s.state = {UploadStateSql.Pending} ORDER BY s.id LIMIT $max;";
            command.Parameters.AddWithValue("$max", max);
            return ReadSegments(command);
        }
    }

    /// <summary>
    /// Every segment the outbox knows, in every upload state (pending, uploading, uploaded, and acknowledged tombstones, whose
    /// <see cref="OutboxSegment.Manifest"/> is empty and whose ciphertext is gone), ordered by session and index. Forgotten
    /// segments are not listed. Used by verification, which must also see sessions whose segments were all uploaded.
    /// Manifests are small (a few hundred bytes) and ciphertext is not loaded, so the list stays small even for a full outbox.
    /// </summary>
    /// <returns>The segments, ordered by session id and segment index.</returns>
    public IReadOnlyList<OutboxSegment> GetAllSegments()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = SelectSegment + " ORDER BY s.session_id, s.segment_index;";
            return ReadSegments(command);
        }
    }

    /// <summary>What the outbox holds about one segment (including an acknowledged tombstone), or null if it is unknown or forgotten.</summary>
    /// <param name="key">The segment.</param>
    /// <returns>The segment or null.</returns>
    public OutboxSegment? GetSegment(SegmentKey key)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = SelectSegment + " WHERE s.session_id = $session AND s.segment_index = $index;";
            AddKey(command, key);
            List<OutboxSegment> found = ReadSegments(command);
            return found.Count == 0 ? null : found[0];
        }
    }

    /// <summary>
    /// Opens the ciphertext of a stored segment as a read-only, seekable stream with bounded memory (incremental BLOB I/O on
    /// its own connection and snapshot). Dispose it promptly: an open stream holds a read snapshot.
    /// </summary>
    /// <param name="key">The segment.</param>
    /// <param name="ciphertext">The stream, when the segment's ciphertext is held.</param>
    /// <returns>False when the segment is unknown, acknowledged or forgotten.</returns>
    public bool TryOpenCiphertext(SegmentKey key, [NotNullWhen(true)] out Stream? ciphertext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ciphertext = null;
        SqliteConnection connection = OutboxSchema.OpenConnection(DatabasePath, SqliteOpenMode.ReadOnly, _options.PageCacheKibibytes);
        SqliteTransaction? transaction = null;
        SqliteBlob? blob = null;
        try
        {
            transaction = connection.BeginTransaction(deferred: true);
            using (SqliteCommand command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = """
                    SELECT p.segment_id FROM segment_payloads p JOIN segments s ON s.id = p.segment_id
                    WHERE s.session_id = $session AND s.segment_index = $index;
                    """;
                AddKey(command, key);
                if (command.ExecuteScalar() is not long rowId)
                {
                    transaction.Dispose();
                    connection.Dispose();
                    return false;
                }

                blob = new SqliteBlob(connection, "segment_payloads", "ciphertext", rowId, readOnly: true);
            }

            ciphertext = new CiphertextReadStream(connection, transaction, blob);
            return true;
        }
        catch
        {
            blob?.Dispose();
            transaction?.Dispose();
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Pending to uploading.</summary>
    /// <param name="key">The segment.</param>
    /// <returns>True if the segment is now uploading (also when it already was); false if it is unknown, forgotten, uploaded or acknowledged.</returns>
    public bool MarkUploading(SegmentKey key) => Transition(key, UploadState.Uploading, MarkUploadingSql);

    /// <summary>Pending or uploading to uploaded (sent, not yet acknowledged; the ciphertext is kept).</summary>
    /// <param name="key">The segment.</param>
    /// <returns>True if the segment is now uploaded (also when it already was); false if it is unknown, forgotten or acknowledged.</returns>
    public bool MarkUploaded(SegmentKey key) => Transition(key, UploadState.Uploaded, MarkUploadedSql);

    /// <summary>Uploading or uploaded back to pending (the upload failed or was never acknowledged; send it again).</summary>
    /// <param name="key">The segment.</param>
    /// <returns>True if the segment is now pending (also when it already was); false if it is unknown, forgotten or acknowledged.</returns>
    public bool ReturnToPending(SegmentKey key) => Transition(key, UploadState.Pending, ReturnToPendingSql);

    /// <summary>
    /// Pending, uploading or uploaded to <see cref="UploadState.Rejected"/>: the collector refused the segment for good. It is kept
    /// with <paramref name="reason"/> (still counted against the quota), leaves <see cref="GetPendingUploads"/>, is counted in
    /// <see cref="OutboxStatistics.RejectedSegments"/>, and no mark other than a forget moves it again.
    /// </summary>
    /// <param name="key">The segment.</param>
    /// <param name="reason">The collector's reason: not empty, at most <see cref="MaximumRejectionReasonLength"/> characters.</param>
    /// <returns>True if the segment is now rejected (also when it already was); false if it is unknown, forgotten or acknowledged.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty, blank or too long.</exception>
    public bool MarkRejected(SegmentKey key, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (reason.Length > MaximumRejectionReasonLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"A rejection reason has at most {MaximumRejectionReasonLength} characters, not {reason.Length}."), nameof(reason));
        }

        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = MarkRejectedSql;
            AddKey(command, key);
            command.Parameters.AddWithValue("$now", NowTicks());
            command.Parameters.AddWithValue("$reason", reason);
            bool changed = command.ExecuteNonQuery() == 1;
            if (changed)
            {
                OutboxLog.Rejected(_logger, key, reason);
            }

            return changed || IsInState(key, UploadState.Rejected);
        }
    }

    /// <summary>
    /// The collector acknowledged the segment: its ciphertext and manifest are deleted (space reclaimed, pages overwritten
    /// by secure_delete), and a tombstone is kept for <see cref="OutboxOptions.AcknowledgedRetention"/>.
    /// </summary>
    /// <param name="key">The segment.</param>
    /// <returns>False if the segment is unknown, forgotten, rejected or already acknowledged.</returns>
    public bool MarkAcknowledged(SegmentKey key)
    {
        long freedBytes;
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteTransaction transaction = _connection.BeginTransaction();
            long segmentId;
            using (SqliteCommand select = Command(transaction, $"""
                SELECT id, ciphertext_length + manifest_length FROM segments
                WHERE session_id = $session AND segment_index = $index AND state IN {UploadStateSql.List(UploadState.Pending, UploadState.Uploading, UploadState.Uploaded)};
                """))
            {
                AddKey(select, key);
                using SqliteDataReader reader = select.ExecuteReader();
                if (!reader.Read())
                {
                    return false;
                }

                segmentId = reader.GetInt64(0);
                freedBytes = reader.GetInt64(1);
            }

            using (SqliteCommand update = Command(transaction, $"""
                DELETE FROM segment_payloads WHERE segment_id = $id;
                UPDATE segments SET state = {UploadStateSql.Acknowledged}, state_changed_utc_ticks = $now WHERE id = $id;
                """))
            {
                update.Parameters.AddWithValue("$id", segmentId);
                update.Parameters.AddWithValue("$now", NowTicks());
                update.ExecuteNonQuery();
            }

            PruneTombstones(transaction);
            transaction.Commit();
            SpaceFreed(freedBytes);
            VacuumIfWorthwhile();
        }

        return true;
    }

    /// <summary>Forgotten segments (possibly already at the collector) that no queued retraction names yet, oldest first.</summary>
    /// <returns>The segment keys.</returns>
    public IReadOnlyList<SegmentKey> GetSegmentsAwaitingRetraction()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT session_id, segment_index FROM forgotten_segments ORDER BY forgotten_utc_ticks, session_id, segment_index;";
            return ReadKeys(command);
        }
    }

    /// <summary>
    /// Durably queues a signed retraction document for delivery and clears the named segments from the awaiting-retraction list,
    /// in one transaction. Retractions are exempt from the quota.
    /// </summary>
    /// <param name="signedDocument">The signed retraction, opaque to the outbox.</param>
    /// <param name="retractedSegments">The segments it retracts (at least one).</param>
    /// <returns>The retraction id.</returns>
    public long QueueRetraction(ReadOnlyMemory<byte> signedDocument, IReadOnlyCollection<SegmentKey> retractedSegments)
    {
        ArgumentNullException.ThrowIfNull(retractedSegments);
        if (signedDocument.IsEmpty)
        {
            throw new ArgumentException("A retraction document cannot be empty.", nameof(signedDocument));
        }

        if (retractedSegments.Count == 0)
        {
            throw new ArgumentException("A retraction must name at least one segment.", nameof(retractedSegments));
        }

        long retractionId;
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteTransaction transaction = _connection.BeginTransaction();
            using (SqliteCommand insert = Command(transaction, "INSERT INTO retractions (document, created_utc_ticks) VALUES ($document, $now) RETURNING id;"))
            {
                insert.Parameters.Add("$document", SqliteType.Blob).Value = signedDocument.ToArray();
                insert.Parameters.AddWithValue("$now", NowTicks());
                retractionId = (long)insert.ExecuteScalar()!;
            }

            using SqliteCommand link = Command(transaction, """
                INSERT OR IGNORE INTO retraction_segments (retraction_id, session_id, segment_index) VALUES ($retraction, $session, $index);
                DELETE FROM forgotten_segments WHERE session_id = $session AND segment_index = $index;
                """);
            foreach (SegmentKey key in retractedSegments)
            {
                link.Parameters.Clear();
                link.Parameters.AddWithValue("$retraction", retractionId);
                AddKey(link, key);
                link.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        OutboxLog.RetractionQueued(_logger, retractionId, retractedSegments.Count);
        return retractionId;
    }

    /// <summary>Up to <paramref name="max"/> retractions not yet delivered and not rejected, oldest first.</summary>
    /// <param name="max">Maximum number returned.</param>
    /// <returns>The retractions.</returns>
    public IReadOnlyList<PendingRetraction> GetPendingRetractions(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            List<(long Id, byte[] Document, long Created)> rows = [];
            using (SqliteCommand command = _connection.CreateCommand())
            {
                command.CommandText = "SELECT id, document, created_utc_ticks FROM retractions WHERE rejection_reason IS NULL ORDER BY id LIMIT $max;";
                command.Parameters.AddWithValue("$max", max);
                using SqliteDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    rows.Add((reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetInt64(2)));
                }
            }

            List<PendingRetraction> retractions = new(rows.Count);
            using SqliteCommand segments = _connection.CreateCommand();
            segments.CommandText = "SELECT session_id, segment_index FROM retraction_segments WHERE retraction_id = $id ORDER BY session_id, segment_index;";
            SqliteParameter id = segments.Parameters.Add("$id", SqliteType.Integer);
            foreach ((long retractionId, byte[] document, long created) in rows)
            {
                id.Value = retractionId;
                retractions.Add(new PendingRetraction
                {
                    RetractionId = retractionId,
                    Document = document,
                    Segments = ReadKeys(segments),
                    CreatedUtc = FromTicks(created),
                });
            }

            return retractions;
        }
    }

    /// <summary>The collector confirmed a retraction: it is deleted from the queue.</summary>
    /// <param name="retractionId">The retraction id.</param>
    /// <returns>False if no such retraction is queued.</returns>
    public bool MarkRetractionDelivered(long retractionId)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteTransaction transaction = _connection.BeginTransaction();
            using SqliteCommand command = Command(transaction, """
                DELETE FROM retraction_segments WHERE retraction_id = $id;
                DELETE FROM retractions WHERE id = $id;
                """);
            command.Parameters.AddWithValue("$id", retractionId);
            command.ExecuteNonQuery();
            bool deleted = ReadChanges(transaction) == 1;
            transaction.Commit();
            return deleted;
        }
    }

    /// <summary>The chain head of a session, or null if the outbox never stored a segment of it.</summary>
    /// <param name="sessionId">The session.</param>
    /// <returns>The chain head or null.</returns>
    public SessionChainHead? GetChainHead(Guid sessionId)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT session_id, last_segment_index, last_manifest_sha256, updated_utc_ticks FROM session_chains WHERE session_id = $session;";
            command.Parameters.AddWithValue("$session", SessionText(sessionId));
            return ReadChainHead(command);
        }
    }

    /// <summary>The chain head of the session that most recently stored a segment, or null for an empty outbox. A restarted recorder reads it to continue or begin a chain.</summary>
    /// <returns>The chain head or null.</returns>
    public SessionChainHead? GetLatestChainHead()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT session_id, last_segment_index, last_manifest_sha256, updated_utc_ticks FROM session_chains ORDER BY updated_utc_ticks DESC, rowid DESC LIMIT 1;";
            return ReadChainHead(command);
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
            _ownership.Dispose();
        }
    }

    private const string SelectSegment = """
        SELECT s.session_id, s.segment_index, s.monotonic_start_ns, s.monotonic_end_ns, s.wall_start_utc_ticks, s.wall_end_utc_ticks,
               s.ciphertext_length, p.manifest, s.ciphertext_sha256, s.manifest_sha256, s.state, s.created_utc_ticks, s.state_changed_utc_ticks,
               s.rejection_reason, s.boot_id
        FROM segments s LEFT JOIN segment_payloads p ON p.segment_id = s.id
        """;

    private static readonly string MarkUploadingSql = $"""
        UPDATE segments SET state = {UploadStateSql.Uploading}, state_changed_utc_ticks = $now
        WHERE session_id = $session AND segment_index = $index AND state = {UploadStateSql.Pending};
        """;

    private static readonly string MarkUploadedSql = $"""
        UPDATE segments SET state = {UploadStateSql.Uploaded}, state_changed_utc_ticks = $now
        WHERE session_id = $session AND segment_index = $index AND state IN {UploadStateSql.List(UploadState.Pending, UploadState.Uploading)};
        """;

    private static readonly string ReturnToPendingSql = $"""
        UPDATE segments SET state = {UploadStateSql.Pending}, state_changed_utc_ticks = $now
        WHERE session_id = $session AND segment_index = $index AND state IN {UploadStateSql.List(UploadState.Uploading, UploadState.Uploaded)};
        """;

    private static readonly string MarkRejectedSql = $"""
        UPDATE segments SET state = {UploadStateSql.Rejected}, rejection_reason = $reason, state_changed_utc_ticks = $now
        WHERE session_id = $session AND segment_index = $index
          AND state IN {UploadStateSql.List(UploadState.Pending, UploadState.Uploading, UploadState.Uploaded)};
        """;

    private static void Validate(SealedSegmentRecord segment)
    {
        if (segment.Key.SessionId == Guid.Empty)
        {
            throw new ArgumentException("The session id must not be empty.", nameof(segment));
        }

        if (segment.Key.SegmentIndex < 0)
        {
            throw new ArgumentException($"Segment index {segment.Key.SegmentIndex} is negative.", nameof(segment));
        }

        if (segment.MonotonicEndNanoseconds < segment.MonotonicStartNanoseconds)
        {
            throw new ArgumentException($"Segment {segment.Key}: monotonic end is before its start.", nameof(segment));
        }

        if (segment.WallClockEndUtc < segment.WallClockStartUtc)
        {
            throw new ArgumentException($"Segment {segment.Key}: wall-clock end is before its start.", nameof(segment));
        }

        if (segment.Ciphertext.IsEmpty || segment.Manifest.IsEmpty)
        {
            throw new ArgumentException($"Segment {segment.Key}: ciphertext and manifest must not be empty.", nameof(segment));
        }

        string? problem = DescribeHashMismatch("ciphertext", segment.Ciphertext.Span, segment.CiphertextSha256.Span)
            ?? DescribeHashMismatch("manifest", segment.Manifest.Span, segment.ManifestSha256.Span);
        if (problem is not null)
        {
            throw new ArgumentException($"Segment {segment.Key}: {problem}.", nameof(segment));
        }
    }

    private static string? DescribeHashMismatch(string what, ReadOnlySpan<byte> content, ReadOnlySpan<byte> claimed)
    {
        if (claimed.Length != Sha256Length)
        {
            return $"the {what} SHA-256 has {claimed.Length} bytes, not {Sha256Length}";
        }

        Span<byte> actual = stackalloc byte[Sha256Length];
        SHA256.HashData(content, actual);
        return actual.SequenceEqual(claimed) ? null : $"the {what} SHA-256 does not match its bytes";
    }

    private bool IsAlreadyStored(SealedSegmentRecord segment, string session)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = "SELECT ciphertext_sha256, manifest_sha256 FROM segments WHERE session_id = $session AND segment_index = $index;";
        command.Parameters.AddWithValue("$session", session);
        command.Parameters.AddWithValue("$index", segment.Key.SegmentIndex);
        using SqliteDataReader reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return false;
        }

        if (((byte[])reader.GetValue(0)).AsSpan().SequenceEqual(segment.CiphertextSha256.Span)
            && ((byte[])reader.GetValue(1)).AsSpan().SequenceEqual(segment.ManifestSha256.Span))
        {
            return true;
        }

        throw new ArgumentException($"Segment {segment.Key} is already stored with different content.", nameof(segment));
    }

    private void EnsureAppendable(SealedSegmentRecord segment, string session)
    {
        SegmentKey key = segment.Key;
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT count(*) FROM forgotten_segments WHERE session_id = $session AND segment_index = $index),
                   (SELECT last_segment_index FROM session_chains WHERE session_id = $session);
            """;
        command.Parameters.AddWithValue("$session", session);
        command.Parameters.AddWithValue("$index", key.SegmentIndex);
        using SqliteDataReader reader = command.ExecuteReader();
        reader.Read();
        if (reader.GetInt64(0) != 0)
        {
            throw new ArgumentException($"Segment {key} was forgotten; it cannot be stored again.", nameof(segment));
        }

        if (!reader.IsDBNull(1) && key.SegmentIndex != reader.GetInt64(1) + 1)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Segment {key} does not follow the session's last stored index {reader.GetInt64(1)}."), nameof(segment));
        }
    }

    private void InsertSegment(SealedSegmentRecord segment, string session)
    {
        long now = NowTicks();
        using SqliteTransaction transaction = _connection.BeginTransaction();
        long segmentId;
        using (SqliteCommand insert = Command(transaction, $"""
            INSERT INTO segments (session_id, segment_index, monotonic_start_ns, monotonic_end_ns, wall_start_utc_ticks, wall_end_utc_ticks,
                                  ciphertext_length, manifest_length, ciphertext_sha256, manifest_sha256, state, created_utc_ticks, state_changed_utc_ticks, boot_id)
            VALUES ($session, $index, $monotonicStart, $monotonicEnd, $wallStart, $wallEnd, $ciphertextLength, $manifestLength,
                    $ciphertextSha256, $manifestSha256, {UploadStateSql.Pending}, $now, $now, $bootId)
            RETURNING id;
            """))
        {
            insert.Parameters.AddWithValue("$session", session);
            insert.Parameters.AddWithValue("$index", segment.Key.SegmentIndex);
            insert.Parameters.AddWithValue("$monotonicStart", segment.MonotonicStartNanoseconds);
            insert.Parameters.AddWithValue("$monotonicEnd", segment.MonotonicEndNanoseconds);
            insert.Parameters.AddWithValue("$wallStart", segment.WallClockStartUtc.UtcTicks);
            insert.Parameters.AddWithValue("$wallEnd", segment.WallClockEndUtc.UtcTicks);
            insert.Parameters.AddWithValue("$ciphertextLength", (long)segment.Ciphertext.Length);
            insert.Parameters.AddWithValue("$manifestLength", (long)segment.Manifest.Length);
            insert.Parameters.Add("$ciphertextSha256", SqliteType.Blob).Value = segment.CiphertextSha256.ToArray();
            insert.Parameters.Add("$manifestSha256", SqliteType.Blob).Value = segment.ManifestSha256.ToArray();
            insert.Parameters.AddWithValue("$now", now);
            insert.Parameters.AddWithValue("$bootId", segment.BootId is { } bootId ? bootId.ToString() : DBNull.Value);
            segmentId = (long)insert.ExecuteScalar()!;
        }

        using (SqliteCommand payload = Command(transaction, "INSERT INTO segment_payloads (segment_id, manifest, ciphertext) VALUES ($id, $manifest, zeroblob($length));"))
        {
            payload.Parameters.AddWithValue("$id", segmentId);
            payload.Parameters.Add("$manifest", SqliteType.Blob).Value = segment.Manifest.ToArray();
            payload.Parameters.AddWithValue("$length", (long)segment.Ciphertext.Length);
            payload.ExecuteNonQuery();
        }

        // Incremental BLOB I/O writes straight from the caller's buffer into the pages: no parameter copy of a multi-MB ciphertext.
        using (var blob = new SqliteBlob(_connection, "segment_payloads", "ciphertext", segmentId))
        {
            blob.Write(segment.Ciphertext.Span);
        }

        using (SqliteCommand chain = Command(transaction, """
            INSERT INTO session_chains (session_id, last_segment_index, last_manifest_sha256, updated_utc_ticks)
            VALUES ($session, $index, $manifestSha256, $now)
            ON CONFLICT (session_id) DO UPDATE SET last_segment_index = excluded.last_segment_index,
                last_manifest_sha256 = excluded.last_manifest_sha256, updated_utc_ticks = excluded.updated_utc_ticks;
            """))
        {
            chain.Parameters.AddWithValue("$session", session);
            chain.Parameters.AddWithValue("$index", segment.Key.SegmentIndex);
            chain.Parameters.Add("$manifestSha256", SqliteType.Blob).Value = segment.ManifestSha256.ToArray();
            chain.Parameters.AddWithValue("$now", now);
            chain.ExecuteNonQuery();
        }

        // With journal_mode=WAL and synchronous=FULL the commit fsyncs the WAL before it returns: durable from here on.
        transaction.Commit();
    }

    private bool Transition(SegmentKey key, UploadState target, string sql)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = sql;
            AddKey(command, key);
            command.Parameters.AddWithValue("$now", NowTicks());
            bool changed = command.ExecuteNonQuery() == 1;
            return changed || IsInState(key, target);
        }
    }

    private bool IsInState(SegmentKey key, UploadState state)
    {
        // A repeated mark (the uploader retrying after an ambiguous failure) is a no-op that reports success.
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = "SELECT state FROM segments WHERE session_id = $session AND segment_index = $index;";
        AddKey(command, key);
        return command.ExecuteScalar() is long current && current == (long)state;
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

    private static List<OutboxSegment> ReadSegments(SqliteCommand command)
    {
        List<OutboxSegment> segments = [];
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            segments.Add(new OutboxSegment
            {
                Key = new SegmentKey(Guid.Parse(reader.GetString(0)), reader.GetInt32(1)),
                MonotonicStartNanoseconds = reader.GetInt64(2),
                MonotonicEndNanoseconds = reader.GetInt64(3),
                WallClockStartUtc = FromTicks(reader.GetInt64(4)),
                WallClockEndUtc = FromTicks(reader.GetInt64(5)),
                CiphertextLength = reader.GetInt64(6),
                Manifest = reader.IsDBNull(7) ? ReadOnlyMemory<byte>.Empty : (byte[])reader.GetValue(7),
                CiphertextSha256 = (byte[])reader.GetValue(8),
                ManifestSha256 = (byte[])reader.GetValue(9),
                State = (UploadState)reader.GetInt32(10),
                CreatedUtc = FromTicks(reader.GetInt64(11)),
                StateChangedUtc = FromTicks(reader.GetInt64(12)),
                RejectionReason = reader.IsDBNull(13) ? null : reader.GetString(13),
                BootId = reader.IsDBNull(14) ? null : BootId.Parse(reader.GetString(14)),
            });
        }

        return segments;
    }

    private static SessionChainHead? ReadChainHead(SqliteCommand command)
    {
        using SqliteDataReader reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return new SessionChainHead
        {
            SessionId = Guid.Parse(reader.GetString(0)),
            LastSegmentIndex = reader.GetInt32(1),
            LastManifestSha256 = (byte[])reader.GetValue(2),
            UpdatedUtc = FromTicks(reader.GetInt64(3)),
        };
    }
}
