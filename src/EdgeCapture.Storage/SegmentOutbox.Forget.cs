using System.Globalization;
using EdgeCapture.Linux;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage;

/// <summary>The outbox's forget job: which segments a window covers, deleting them, and leaving nothing of a forgotten session but a count.</summary>
public sealed partial class SegmentOutbox
{
    private bool _forgetCheckpointOwed;

    /// <summary>False while a forget's write-ahead-log truncation is still owed (see <see cref="ForgetResult.IsComplete"/>).</summary>
    public bool IsForgetComplete
    {
        get
        {
            lock (_writeLock)
            {
                return !_forgetCheckpointOwed;
            }
        }
    }

    /// <summary>
    /// Forgets what <paramref name="range"/> covers, matched by monotonic time: segments of the current boot whose monotonic range
    /// overlaps the window (ends inclusive). Segments of an earlier boot (or of no recorded boot) are matched conservatively:
    /// when the window reaches back before this boot (<see cref="ForgetRange.MonotonicFromNanoseconds"/> below zero), every
    /// segment of the most recent earlier boot that ended within that remaining span of its boot's last recorded instant, and so
    /// on into older boots while span remains (real time between boots is at least zero, so this deletes more, never less); and,
    /// whatever the boot, any segment whose wall-clock range overlaps the window. The wall clock is never used for the current boot.
    /// </summary>
    /// <param name="range">The window.</param>
    /// <returns>What was deleted, what needs a retraction, and whether the write-ahead log was truncated.</returns>
    public ForgetResult Forget(ForgetRange range)
    {
        ThrowIfReadOnly();
        ArgumentNullException.ThrowIfNull(range);
        if (range.MonotonicToNanoseconds < range.MonotonicFromNanoseconds)
        {
            throw new ArgumentException("The forget window ends before it starts.", nameof(range));
        }

        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ForgetMatching(transaction => MatchRange(transaction, range), range.WallClockFromUtc, range.WallClockToUtc);
        }
    }

    /// <summary>
    /// Forgets every segment whose wall-clock range overlaps [<paramref name="fromUtc"/>, <paramref name="toUtc"/>)
    /// (overlap: segment start before <paramref name="toUtc"/> and segment end after <paramref name="fromUtc"/>). For imports and
    /// tools that only know wall-clock times; the forget button uses <see cref="Forget(ForgetRange)"/>, which an NTP step cannot fool.
    /// Pending segments are deleted outright; segments that may have reached the collector lose their local ciphertext and are
    /// remembered as awaiting a retraction (durably: <see cref="GetSegmentsAwaitingRetraction"/> lists them after a restart).
    /// Deleted pages are overwritten (secure_delete) and the write-ahead log is truncated afterwards.
    /// </summary>
    /// <param name="fromUtc">Window start (wall clock).</param>
    /// <param name="toUtc">Window end (wall clock); not before <paramref name="fromUtc"/>.</param>
    /// <returns>What was deleted and which segments need a signed retraction (pass them to <see cref="QueueRetraction"/>).</returns>
    public ForgetResult ForgetWindow(DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        ThrowIfReadOnly();
        if (toUtc < fromUtc)
        {
            throw new ArgumentException($"The forget window ends ({toUtc:o}) before it starts ({fromUtc:o}).", nameof(toUtc));
        }

        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ForgetMatching(transaction => MatchWallClock(transaction, fromUtc, toUtc, otherBootsOnly: null), fromUtc, toUtc);
        }
    }

    /// <summary>Tries again to truncate the write-ahead log a forget could not; true when nothing is owed any more.</summary>
    /// <returns>True when no forget is incomplete.</returns>
    public bool RetryForgetCheckpoint()
    {
        ThrowIfReadOnly();
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_forgetCheckpointOwed && TruncateWriteAheadLog())
            {
                _forgetCheckpointOwed = false;
            }

            return !_forgetCheckpointOwed;
        }
    }

    private ForgetResult ForgetMatching(Func<SqliteTransaction, HashSet<long>> match, DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        List<SegmentKey> deleted = [];
        List<SegmentKey> requireRetraction = [];
        long freedBytes = 0;
        long now = NowTicks();
        using (SqliteTransaction transaction = _connection.BeginTransaction())
        {
            HashSet<long> ids = match(transaction);
            List<(long Id, SegmentKey Key, UploadState State, long Bytes, long WallStart, long WallEnd)> doomed = [];
            using (SqliteCommand select = Command(transaction, """
                SELECT id, session_id, segment_index, state, ciphertext_length + manifest_length, wall_start_utc_ticks, wall_end_utc_ticks
                FROM segments WHERE id = $id;
                """))
            {
                SqliteParameter id = select.Parameters.Add("$id", SqliteType.Integer);
                foreach (long segmentId in ids.Order())
                {
                    id.Value = segmentId;
                    using SqliteDataReader reader = select.ExecuteReader();
                    if (reader.Read())
                    {
                        doomed.Add((reader.GetInt64(0), new SegmentKey(Guid.Parse(reader.GetString(1)), reader.GetInt32(2)),
                            (UploadState)reader.GetInt32(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
                    }
                }
            }

            using SqliteCommand delete = Command(transaction, """
                DELETE FROM segment_payloads WHERE segment_id = $id;
                DELETE FROM segments WHERE id = $id;
                """);
            SqliteParameter deleteId = delete.Parameters.Add("$id", SqliteType.Integer);
            using SqliteCommand remember = Command(transaction, """
                INSERT OR IGNORE INTO forgotten_segments (session_id, segment_index, wall_start_utc_ticks, wall_end_utc_ticks, state_when_forgotten, forgotten_utc_ticks)
                VALUES ($session, $index, $start, $end, $state, $now);
                """);
            HashSet<Guid> sessions = [];
            foreach ((long id, SegmentKey key, UploadState state, long bytes, long wallStart, long wallEnd) in doomed)
            {
                deleteId.Value = id;
                delete.ExecuteNonQuery();
                sessions.Add(key.SessionId);
                if (state != UploadState.Acknowledged)
                {
                    freedBytes += bytes;
                }

                if (state == UploadState.Pending)
                {
                    deleted.Add(key);
                    continue;
                }

                remember.Parameters.Clear();
                AddKey(remember, key);
                remember.Parameters.AddWithValue("$start", wallStart);
                remember.Parameters.AddWithValue("$end", wallEnd);
                remember.Parameters.AddWithValue("$state", (int)state);
                remember.Parameters.AddWithValue("$now", now);
                remember.ExecuteNonQuery();
                requireRetraction.Add(key);
            }

            // A session with nothing left keeps no chain head either: a forgotten session leaves only a count.
            using SqliteCommand chain = Command(transaction, """
                DELETE FROM session_chains WHERE session_id = $session AND NOT EXISTS (SELECT 1 FROM segments WHERE session_id = $session);
                """);
            SqliteParameter chainSession = chain.Parameters.Add("$session", SqliteType.Text);
            foreach (Guid session in sessions)
            {
                chainSession.Value = SessionText(session);
                chain.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        if (freedBytes > 0)
        {
            SpaceFreed(freedBytes);
        }

        int corruptCopiesDeleted = new OutboxFiles(DatabasePath, _logger).DeleteCorruptCopies();
        if (deleted.Count + requireRetraction.Count > 0 || _forgetCheckpointOwed)
        {
            _forgetCheckpointOwed = !TruncateWriteAheadLog();
            VacuumIfWorthwhile();
            if (_forgetCheckpointOwed)
            {
                // Once more after the vacuum, which may have been what held the log.
                _forgetCheckpointOwed = !TruncateWriteAheadLog();
            }
        }

        OutboxLog.Forgot(_logger, fromUtc, toUtc, deleted.Count, requireRetraction.Count);
        return new ForgetResult
        {
            DeletedBeforeUpload = deleted,
            RequireRetraction = requireRetraction,
            IsComplete = !_forgetCheckpointOwed,
            CorruptCopiesDeleted = corruptCopiesDeleted,
        };
    }

    private HashSet<long> MatchRange(SqliteTransaction transaction, ForgetRange range)
    {
        string currentBoot = range.CurrentBoot.ToString();
        HashSet<long> ids = [];
        using (SqliteCommand current = Command(transaction, """
            SELECT id FROM segments WHERE boot_id = $boot AND monotonic_start_ns <= $to AND monotonic_end_ns >= $from;
            """))
        {
            current.Parameters.AddWithValue("$boot", currentBoot);
            current.Parameters.AddWithValue("$from", range.MonotonicFromNanoseconds);
            current.Parameters.AddWithValue("$to", range.MonotonicToNanoseconds);
            ReadIds(current, ids);
        }

        // Earlier boots, most recent first: real time between an instant of a boot and now is at least its distance to that
        // boot's last recorded instant plus everything recorded in later boots, so this span bounds what may be inside the window.
        long remaining = range.MonotonicFromNanoseconds < 0 ? -range.MonotonicFromNanoseconds : 0;
        if (remaining > 0)
        {
            List<(string? Boot, long FirstStart, long LastEnd)> boots = [];
            using (SqliteCommand earlier = Command(transaction, """
                SELECT boot_id, min(monotonic_start_ns), max(monotonic_end_ns) FROM segments
                WHERE boot_id IS NULL OR boot_id <> $boot GROUP BY boot_id ORDER BY max(id) DESC;
                """))
            {
                earlier.Parameters.AddWithValue("$boot", currentBoot);
                using SqliteDataReader reader = earlier.ExecuteReader();
                while (reader.Read())
                {
                    boots.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
                }
            }

            using SqliteCommand inBoot = Command(transaction, """
                SELECT id FROM segments WHERE (boot_id IS $boot) AND monotonic_end_ns >= $from;
                """);
            SqliteParameter boot = inBoot.Parameters.Add("$boot", SqliteType.Text);
            SqliteParameter from = inBoot.Parameters.Add("$from", SqliteType.Integer);
            foreach ((string? bootId, long firstStart, long lastEnd) in boots)
            {
                if (remaining <= 0)
                {
                    break;
                }

                boot.Value = (object?)bootId ?? DBNull.Value;
                from.Value = lastEnd - remaining;
                ReadIds(inBoot, ids);
                remaining -= lastEnd - firstStart;
            }
        }

        ids.UnionWith(MatchWallClock(transaction, range.WallClockFromUtc, range.WallClockToUtc, otherBootsOnly: currentBoot));
        return ids;
    }

    private HashSet<long> MatchWallClock(SqliteTransaction transaction, DateTimeOffset fromUtc, DateTimeOffset toUtc, string? otherBootsOnly)
    {
        HashSet<long> ids = [];
        using SqliteCommand select = Command(transaction, otherBootsOnly is null
            ? "SELECT id FROM segments WHERE wall_start_utc_ticks < $to AND wall_end_utc_ticks > $from;"
            : "SELECT id FROM segments WHERE (boot_id IS NULL OR boot_id <> $boot) AND wall_start_utc_ticks <= $to AND wall_end_utc_ticks >= $from;");
        select.Parameters.AddWithValue("$from", fromUtc.UtcTicks);
        select.Parameters.AddWithValue("$to", toUtc.UtcTicks);
        if (otherBootsOnly is not null)
        {
            select.Parameters.AddWithValue("$boot", otherBootsOnly);
        }

        ReadIds(select, ids);
        return ids;
    }

    private static void ReadIds(SqliteCommand command, HashSet<long> ids)
    {
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }
    }
}
