using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using EdgeCapture.Linux;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Storage;

/// <summary>
/// The recorder's side of the outbox (<see cref="IRecordingOutbox"/>): quota, the append of a sealed segment in one
/// transaction, and the per-session manifest chain heads the next segment links to.
/// </summary>
public sealed partial class SegmentOutbox
{
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
        ThrowIfReadOnly();
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
