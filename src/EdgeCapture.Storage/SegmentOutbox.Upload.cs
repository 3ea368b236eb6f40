using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using EdgeCapture.Linux;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Storage;

/// <summary>
/// The upload queue (<see cref="IUploadBacklog"/>, what the transport is written against): segments waiting to leave the
/// box, their ciphertext, and the state changes an upload makes. Data is deleted only on a confirmed acknowledgement.
/// </summary>
public sealed partial class SegmentOutbox
{
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
        SqliteConnection connection = OutboxSchema.OpenConnection(_readerDataSource, SqliteOpenMode.ReadOnly, _options.PageCacheKibibytes);
        SqliteTransaction? transaction = null;
        SqliteBlob? blob = null;
        try
        {
            if (IsReadOnly)
            {
                // A reader of a copy (the export reads every ciphertext once): the file mapped, so a blob's overflow pages are
                // copied out of the page cache instead of one pread per 4 KiB page. Never on the box's own outbox.
                OutboxSchema.Execute(connection, ReadOnlyMemoryMapSql);
            }

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
        ThrowIfReadOnly();
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
        ThrowIfReadOnly();
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

    private bool Transition(SegmentKey key, UploadState target, string sql)
    {
        ThrowIfReadOnly();
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
}
