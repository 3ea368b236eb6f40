// Long (about 560 lines) because it is the whole ICollectorIndex over one SQLite schema: each method is one
// statement or transaction, and keeping them beside the schema keeps the SQL consistent with it.
using System.Globalization;
using EdgeCapture.Collector.Storage;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Collector.Index;

/// <summary>
/// The collector's index in one SQLite file (WAL, <c>synchronous=FULL</c>: a committed row survives a power cut, so a
/// <c>stored</c> answer sent after it is true). Several collector processes on one host may open the same file; writes
/// are serialised by SQLite with a busy timeout. One connection per instance, used under a lock.
/// Over 400 lines because the schema, the queries and the row mapping of one small database belong together.
/// </summary>
public sealed class SqliteCollectorIndex : ICollectorIndex
{
    private const int SchemaVersion = 1;
    private const int ApplicationId = 0x45434349; // "ECCI": EdgeCapture Collector Index.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS devices (
            device_id TEXT PRIMARY KEY,
            public_key TEXT NOT NULL,
            enrolled_utc_ticks INTEGER NOT NULL,
            online INTEGER NOT NULL DEFAULT 0,
            presence_sequence INTEGER NOT NULL DEFAULT -1,
            last_seen_utc_ticks INTEGER
        ) STRICT;
        CREATE TABLE IF NOT EXISTS segments (
            session_id TEXT NOT NULL,
            segment_index INTEGER NOT NULL CHECK (segment_index >= 0),
            device_id TEXT NOT NULL,
            ciphertext_sha256 TEXT NOT NULL CHECK (length(ciphertext_sha256) = 64),
            ciphertext_length INTEGER NOT NULL,
            manifest BLOB NOT NULL,
            manifest_sha256 BLOB NOT NULL CHECK (length(manifest_sha256) = 32),
            previous_manifest_sha256 BLOB NOT NULL CHECK (length(previous_manifest_sha256) = 32),
            wall_start_utc_ticks INTEGER NOT NULL,
            wall_end_utc_ticks INTEGER NOT NULL,
            end_reason INTEGER NOT NULL,
            chain_linked INTEGER NOT NULL,
            stored_utc_ticks INTEGER NOT NULL,
            PRIMARY KEY (session_id, segment_index)
        ) STRICT;
        CREATE INDEX IF NOT EXISTS segments_by_stored ON segments (stored_utc_ticks);
        CREATE INDEX IF NOT EXISTS segments_by_hash ON segments (ciphertext_sha256);
        CREATE INDEX IF NOT EXISTS segments_by_device ON segments (device_id, session_id);
        CREATE TABLE IF NOT EXISTS quarantine (
            id INTEGER PRIMARY KEY,
            received_utc_ticks INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            session_id TEXT,
            segment_index INTEGER,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            payload_bytes INTEGER NOT NULL,
            evidence TEXT
        ) STRICT;
        CREATE TABLE IF NOT EXISTS retractions (
            id INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL,
            document_sha256 BLOB NOT NULL UNIQUE,
            document BLOB NOT NULL,
            issued_utc_ticks INTEGER NOT NULL,
            applied_utc_ticks INTEGER NOT NULL,
            segments_named INTEGER NOT NULL,
            segments_deleted INTEGER NOT NULL,
            bytes_deleted INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS retracted_segments (
            session_id TEXT NOT NULL,
            segment_index INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            retraction_id INTEGER NOT NULL REFERENCES retractions (id),
            PRIMARY KEY (session_id, segment_index)
        ) STRICT;
        CREATE TABLE IF NOT EXISTS deletions (
            id INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL,
            session_id TEXT NOT NULL,
            segment_index INTEGER NOT NULL,
            ciphertext_sha256 TEXT NOT NULL,
            ciphertext_length INTEGER NOT NULL,
            reason TEXT NOT NULL,
            retraction_id INTEGER,
            deleted_utc_ticks INTEGER NOT NULL
        ) STRICT;
        """;

    private const string SegmentColumns = "device_id, session_id, segment_index, ciphertext_sha256, ciphertext_length, manifest, manifest_sha256, previous_manifest_sha256, wall_start_utc_ticks, wall_end_utc_ticks, end_reason, chain_linked, stored_utc_ticks";

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    private SqliteCollectorIndex(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (creating if needed) the index at <paramref name="path"/>.</summary>
    /// <param name="path">The database file.</param>
    /// <returns>The index.</returns>
    /// <exception cref="InvalidDataException">The file is not a collector index of a version this build reads.</exception>
    public static SqliteCollectorIndex Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 30 }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");
            using (SqliteTransaction transaction = connection.BeginTransaction())
            {
                long applicationId = Scalar(connection, transaction, "PRAGMA application_id;");
                long version = Scalar(connection, transaction, "PRAGMA user_version;");
                if (version == 0 && applicationId == 0)
                {
                    Execute(connection, Schema, transaction);
                    Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA application_id={ApplicationId}; PRAGMA user_version={SchemaVersion};"), transaction);
                }
                else if (applicationId != ApplicationId || version != SchemaVersion)
                {
                    throw new InvalidDataException($"{path} is not an EdgeCapture collector index of schema version {SchemaVersion} (application id {applicationId}, version {version}).");
                }

                transaction.Commit();
            }

            return new SqliteCollectorIndex(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public EnrollmentResult Enroll(string deviceId, DevicePublicKey publicKey, bool replace, DateTimeOffset now)
    {
        DeviceIdentifier.Validate(deviceId);
        ArgumentNullException.ThrowIfNull(publicKey);
        lock (_lock)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            string? existing = Query(transaction, "SELECT public_key FROM devices WHERE device_id = $device;", reader => reader.GetString(0), ("$device", deviceId)).FirstOrDefault();
            EnrollmentResult result;
            if (existing is null)
            {
                Run(transaction, "INSERT INTO devices (device_id, public_key, enrolled_utc_ticks) VALUES ($device, $key, $now);",
                    ("$device", deviceId), ("$key", publicKey.ToString()), ("$now", now.UtcTicks));
                result = EnrollmentResult.Enrolled;
            }
            else if (existing == publicKey.ToString())
            {
                result = EnrollmentResult.AlreadyEnrolled;
            }
            else if (replace)
            {
                Run(transaction, "UPDATE devices SET public_key = $key, enrolled_utc_ticks = $now WHERE device_id = $device;",
                    ("$device", deviceId), ("$key", publicKey.ToString()), ("$now", now.UtcTicks));
                result = EnrollmentResult.KeyReplaced;
            }
            else
            {
                result = EnrollmentResult.KeyConflict;
            }

            transaction.Commit();
            return result;
        }
    }

    /// <inheritdoc/>
    public DevicePublicKey? FindDeviceKey(string deviceId)
    {
        lock (_lock)
        {
            string? text = Query(null, "SELECT public_key FROM devices WHERE device_id = $device;", reader => reader.GetString(0), ("$device", deviceId)).FirstOrDefault();
            return text is null ? null : DevicePublicKey.Parse(text);
        }
    }

    /// <inheritdoc/>
    public bool RecordPresence(string deviceId, bool online, long sequence, DateTimeOffset now)
    {
        lock (_lock)
        {
            return Run(null, "UPDATE devices SET online = $online, presence_sequence = $sequence, last_seen_utc_ticks = $now WHERE device_id = $device AND presence_sequence <= $sequence;",
                ("$device", deviceId), ("$online", online ? 1 : 0), ("$sequence", sequence), ("$now", now.UtcTicks)) == 1;
        }
    }

    /// <inheritdoc/>
    public string? FindSessionOwner(Guid sessionId)
    {
        lock (_lock)
        {
            return Query(null, "SELECT device_id FROM segments WHERE session_id = $session UNION ALL SELECT device_id FROM retracted_segments WHERE session_id = $session LIMIT 1;",
                reader => reader.GetString(0), ("$session", SessionText(sessionId))).FirstOrDefault();
        }
    }

    /// <inheritdoc/>
    public StoredSegment? FindSegment(SegmentReference segment)
    {
        lock (_lock)
        {
            return Query(null, $"SELECT {SegmentColumns} FROM segments WHERE session_id = $session AND segment_index = $index;", ReadSegment,
                ("$session", SessionText(segment.SessionId)), ("$index", segment.SegmentIndex)).FirstOrDefault();
        }
    }

    /// <inheritdoc/>
    public bool IsRetracted(SegmentReference segment)
    {
        lock (_lock)
        {
            return Query(null, "SELECT 1 FROM retracted_segments WHERE session_id = $session AND segment_index = $index;", _ => true,
                ("$session", SessionText(segment.SessionId)), ("$index", segment.SegmentIndex)).Count > 0;
        }
    }

    /// <inheritdoc/>
    public bool TryInsertSegment(StoredSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        lock (_lock)
        {
            return Run(null, $"INSERT OR IGNORE INTO segments ({SegmentColumns}) VALUES ($device, $session, $index, $hash, $length, $manifest, $manifestHash, $previous, $wallStart, $wallEnd, $endReason, $linked, $stored);",
                ("$device", segment.DeviceId), ("$session", SessionText(segment.Segment.SessionId)), ("$index", segment.Segment.SegmentIndex),
                ("$hash", segment.Address.Hex), ("$length", segment.CiphertextLength), ("$manifest", segment.Manifest.ToArray()),
                ("$manifestHash", segment.ManifestSha256.ToArray()), ("$previous", segment.PreviousManifestSha256.ToArray()),
                ("$wallStart", segment.WallClockStartUtc.UtcTicks), ("$wallEnd", segment.WallClockEndUtc.UtcTicks), ("$endReason", segment.EndReason),
                ("$linked", segment.ChainLinked ? 1 : 0), ("$stored", segment.StoredUtc.UtcTicks)) == 1;
        }
    }

    /// <inheritdoc/>
    public void MarkChainLinked(SegmentReference segment)
    {
        lock (_lock)
        {
            Run(null, "UPDATE segments SET chain_linked = 1 WHERE session_id = $session AND segment_index = $index;",
                ("$session", SessionText(segment.SessionId)), ("$index", segment.SegmentIndex));
        }
    }

    /// <inheritdoc/>
    public bool IsBlobReferenced(ContentAddress address)
    {
        lock (_lock)
        {
            return Query(null, "SELECT 1 FROM segments WHERE ciphertext_sha256 = $hash LIMIT 1;", _ => true, ("$hash", address.Hex)).Count > 0;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<StoredSegment> ListSegments(string? deviceId = null)
    {
        lock (_lock)
        {
            return deviceId is null
                ? Query(null, $"SELECT {SegmentColumns} FROM segments ORDER BY session_id, segment_index;", ReadSegment)
                : Query(null, $"SELECT {SegmentColumns} FROM segments WHERE device_id = $device ORDER BY session_id, segment_index;", ReadSegment, ("$device", deviceId));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<StoredSegment> ListSessionSegments(Guid sessionId)
    {
        lock (_lock)
        {
            return Query(null, $"SELECT {SegmentColumns} FROM segments WHERE session_id = $session ORDER BY segment_index;", ReadSegment, ("$session", SessionText(sessionId)));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<StoredSegment> OldestSegments(int limit)
    {
        lock (_lock)
        {
            return Query(null, $"SELECT {SegmentColumns} FROM segments ORDER BY stored_utc_ticks, session_id, segment_index LIMIT $limit;", ReadSegment, ("$limit", limit));
        }
    }

    /// <inheritdoc/>
    public StoredSegment? DeleteSegment(SegmentReference segment, string reason, DateTimeOffset now)
    {
        lock (_lock)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            StoredSegment? deleted = DeleteSegment(transaction, segment, reason, null, now);
            transaction.Commit();
            return deleted;
        }
    }

    /// <inheritdoc/>
    public RetractionRecord? FindRetraction(ReadOnlySpan<byte> documentSha256)
    {
        byte[] digest = documentSha256.ToArray();
        lock (_lock)
        {
            return Query(null, "SELECT id, device_id, document_sha256, issued_utc_ticks, applied_utc_ticks, segments_named, segments_deleted, bytes_deleted FROM retractions WHERE document_sha256 = $digest;",
                ReadRetraction, ("$digest", digest)).FirstOrDefault();
        }
    }

    /// <inheritdoc/>
    public (RetractionRecord Record, IReadOnlyList<StoredSegment> Deleted) ApplyRetraction(string deviceId, ReadOnlyMemory<byte> document, ReadOnlySpan<byte> documentSha256, DateTimeOffset issuedUtc, IReadOnlyList<SegmentReference> segments, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(segments);
        byte[] digest = documentSha256.ToArray();
        lock (_lock)
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            long id = Query(transaction, "INSERT INTO retractions (device_id, document_sha256, document, issued_utc_ticks, applied_utc_ticks, segments_named, segments_deleted, bytes_deleted) VALUES ($device, $digest, $document, $issued, $now, $named, 0, 0) RETURNING id;",
                reader => reader.GetInt64(0), ("$device", deviceId), ("$digest", digest), ("$document", document.ToArray()), ("$issued", issuedUtc.UtcTicks), ("$now", now.UtcTicks), ("$named", segments.Count))[0];
            var deleted = new List<StoredSegment>();
            foreach (SegmentReference segment in segments.Distinct())
            {
                // Only the device's own segments: a retraction can never delete another device's data.
                StoredSegment? row = Query(transaction, $"SELECT {SegmentColumns} FROM segments WHERE session_id = $session AND segment_index = $index;", ReadSegment,
                    ("$session", SessionText(segment.SessionId)), ("$index", segment.SegmentIndex)).FirstOrDefault();
                if (row is not null && row.DeviceId != deviceId)
                {
                    continue;
                }

                if (row is not null && DeleteSegment(transaction, segment, "retraction", id, now) is { } removed)
                {
                    deleted.Add(removed);
                }

                Run(transaction, "INSERT OR IGNORE INTO retracted_segments (session_id, segment_index, device_id, retraction_id) VALUES ($session, $index, $device, $id);",
                    ("$session", SessionText(segment.SessionId)), ("$index", segment.SegmentIndex), ("$device", deviceId), ("$id", id));
            }

            long bytes = deleted.Sum(row => row.CiphertextLength);
            Run(transaction, "UPDATE retractions SET segments_deleted = $count, bytes_deleted = $bytes WHERE id = $id;", ("$count", deleted.Count), ("$bytes", bytes), ("$id", id));
            transaction.Commit();
            return (new RetractionRecord(id, deviceId, digest, issuedUtc, now, segments.Count, deleted.Count, bytes), deleted);
        }
    }

    /// <inheritdoc/>
    public long AddQuarantine(QuarantineEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            return Query(null, "INSERT INTO quarantine (received_utc_ticks, device_id, topic, session_id, segment_index, reason, detail, payload_bytes, evidence) VALUES ($received, $device, $topic, $session, $index, $reason, $detail, $bytes, $evidence) RETURNING id;",
                reader => reader.GetInt64(0),
                ("$received", entry.ReceivedUtc.UtcTicks), ("$device", entry.DeviceId), ("$topic", entry.Topic),
                ("$session", entry.Segment is { } segment ? SessionText(segment.SessionId) : null), ("$index", entry.Segment?.SegmentIndex),
                ("$reason", entry.Reason), ("$detail", entry.Detail), ("$bytes", entry.PayloadBytes), ("$evidence", entry.Evidence))[0];
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<QuarantineEntry> ListQuarantine(int limit)
    {
        lock (_lock)
        {
            return Query(null, "SELECT id, received_utc_ticks, device_id, topic, session_id, segment_index, reason, detail, payload_bytes, evidence FROM quarantine ORDER BY id DESC LIMIT $limit;",
                reader => new QuarantineEntry(
                    reader.GetInt64(0),
                    Ticks(reader.GetInt64(1)),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.IsDBNull(4) ? null : new SegmentReference(Guid.Parse(reader.GetString(4)), reader.GetInt32(5)),
                    reader.GetString(6),
                    reader.GetString(7),
                    reader.GetInt64(8),
                    reader.IsDBNull(9) ? null : reader.GetString(9)),
                ("$limit", limit));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<DeletionRecord> ListDeletions(int limit)
    {
        lock (_lock)
        {
            return Query(null, "SELECT id, device_id, session_id, segment_index, ciphertext_sha256, ciphertext_length, reason, retraction_id, deleted_utc_ticks FROM deletions ORDER BY id DESC LIMIT $limit;",
                reader => new DeletionRecord(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    new SegmentReference(Guid.Parse(reader.GetString(2)), reader.GetInt32(3)),
                    Address(reader.GetString(4)),
                    reader.GetInt64(5),
                    reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetInt64(7),
                    Ticks(reader.GetInt64(8))),
                ("$limit", limit));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<DeviceSummary> ListDevices()
    {
        lock (_lock)
        {
            return Query(null, """
                WITH known AS (SELECT device_id FROM devices UNION SELECT device_id FROM segments UNION SELECT device_id FROM quarantine)
                SELECT known.device_id,
                       devices.device_id IS NOT NULL,
                       coalesce(devices.public_key, ''),
                       coalesce(devices.online, 0),
                       max(coalesce(devices.last_seen_utc_ticks, 0), coalesce((SELECT max(stored_utc_ticks) FROM segments WHERE segments.device_id = known.device_id), 0)),
                       (SELECT count(DISTINCT session_id) FROM segments WHERE segments.device_id = known.device_id),
                       (SELECT count(*) FROM segments WHERE segments.device_id = known.device_id),
                       (SELECT coalesce(sum(ciphertext_length), 0) FROM segments WHERE segments.device_id = known.device_id),
                       (SELECT count(*) FROM quarantine WHERE quarantine.device_id = known.device_id)
                FROM known LEFT JOIN devices ON devices.device_id = known.device_id
                ORDER BY known.device_id;
                """,
                reader => new DeviceSummary(
                    reader.GetString(0),
                    reader.GetInt64(1) != 0,
                    reader.GetString(2),
                    reader.GetInt64(3) != 0,
                    reader.GetInt64(4) == 0 ? null : Ticks(reader.GetInt64(4)),
                    reader.GetInt32(5),
                    reader.GetInt32(6),
                    reader.GetInt64(7),
                    reader.GetInt32(8)));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<SessionSummary> ListSessions(string? deviceId = null)
    {
        lock (_lock)
        {
            var sessions = Query(null, """
                SELECT session_id, device_id, min(segment_index), max(segment_index), count(*), sum(ciphertext_length), min(wall_start_utc_ticks), max(wall_end_utc_ticks),
                       (SELECT end_reason FROM segments AS last WHERE last.session_id = segments.session_id ORDER BY segment_index DESC LIMIT 1)
                FROM segments WHERE ($device IS NULL OR device_id = $device)
                GROUP BY session_id, device_id ORDER BY min(wall_start_utc_ticks), session_id;
                """,
                reader => (Session: Guid.Parse(reader.GetString(0)), Device: reader.GetString(1), First: reader.GetInt32(2), Last: reader.GetInt32(3), Count: reader.GetInt32(4), Bytes: reader.GetInt64(5),
                           Start: Ticks(reader.GetInt64(6)), End: Ticks(reader.GetInt64(7)), Ended: reader.GetInt32(8) != 0),
                ("$device", deviceId));
            var summaries = new List<SessionSummary>(sessions.Count);
            foreach (var session in sessions)
            {
                var held = new HashSet<int>(Query(null, "SELECT segment_index FROM segments WHERE session_id = $session UNION SELECT segment_index FROM retracted_segments WHERE session_id = $session;",
                    reader => reader.GetInt32(0), ("$session", SessionText(session.Session))));
                int[] missing = [.. Enumerable.Range(0, session.Last + 1).Where(index => !held.Contains(index)).Take(ProtocolLimits.MaximumMissingParts)];
                summaries.Add(new SessionSummary(session.Session, session.Device, session.First, session.Last, session.Count, session.Bytes, missing, session.Ended, session.Start, session.End));
            }

            return summaries;
        }
    }

    /// <inheritdoc/>
    public CollectorTotals GetTotals()
    {
        lock (_lock)
        {
            return Query(null, """
                SELECT (SELECT count(*) FROM devices), (SELECT count(DISTINCT session_id) FROM segments), (SELECT count(*) FROM segments),
                       (SELECT coalesce(sum(ciphertext_length), 0) FROM segments), (SELECT count(*) FROM quarantine), (SELECT count(*) FROM retractions), (SELECT count(*) FROM deletions);
                """,
                reader => new CollectorTotals(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6)))[0];
        }
    }

    /// <summary>Closes the database.</summary>
    public void Dispose() => _connection.Dispose();

    private StoredSegment? DeleteSegment(SqliteTransaction transaction, SegmentReference segment, string reason, long? retractionId, DateTimeOffset now)
    {
        StoredSegment? row = Query(transaction, $"DELETE FROM segments WHERE session_id = $session AND segment_index = $index RETURNING {SegmentColumns};", ReadSegment,
            ("$session", SessionText(segment.SessionId)), ("$index", segment.SegmentIndex)).FirstOrDefault();
        if (row is not null)
        {
            Run(transaction, "INSERT INTO deletions (device_id, session_id, segment_index, ciphertext_sha256, ciphertext_length, reason, retraction_id, deleted_utc_ticks) VALUES ($device, $session, $index, $hash, $length, $reason, $retraction, $now);",
                ("$device", row.DeviceId), ("$session", SessionText(segment.SessionId)), ("$index", segment.SegmentIndex), ("$hash", row.Address.Hex),
                ("$length", row.CiphertextLength), ("$reason", reason), ("$retraction", retractionId), ("$now", now.UtcTicks));
        }

        return row;
    }

    private static StoredSegment ReadSegment(SqliteDataReader reader) => new(
        reader.GetString(0),
        new SegmentReference(Guid.Parse(reader.GetString(1)), reader.GetInt32(2)),
        Address(reader.GetString(3)),
        reader.GetInt64(4),
        (byte[])reader.GetValue(5),
        (byte[])reader.GetValue(6),
        (byte[])reader.GetValue(7),
        Ticks(reader.GetInt64(8)),
        Ticks(reader.GetInt64(9)),
        reader.GetInt32(10),
        reader.GetInt64(11) != 0,
        Ticks(reader.GetInt64(12)));

    private static RetractionRecord ReadRetraction(SqliteDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2), Ticks(reader.GetInt64(3)), Ticks(reader.GetInt64(4)), reader.GetInt32(5), reader.GetInt32(6), reader.GetInt64(7));

    private static ContentAddress Address(string hex) =>
        ContentAddress.TryParse(hex, out ContentAddress address) ? address : throw new InvalidDataException($"Index row names an invalid blob hash '{hex}'.");

    private static DateTimeOffset Ticks(long ticks) => new(ticks, TimeSpan.Zero);

    private static string SessionText(Guid session) => session.ToString("D");

    private List<T> Query<T>(SqliteTransaction? transaction, string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using SqliteCommand command = Command(transaction, sql, parameters);
        using SqliteDataReader reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private int Run(SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using SqliteCommand command = Command(transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private SqliteCommand Command(SqliteTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach ((string name, object? value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
