using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage;

/// <summary>Retractions: queued by a forget (signed by the recorder), offered to the uploader, delivered or refused by the collector; a refused one is kept with the reason and never offered again.</summary>
public sealed partial class SegmentOutbox
{
    /// <summary>
    /// The collector's signed answer refused a retraction for good: it keeps its row (the box's record of the forget) with
    /// <paramref name="reason"/>, leaves <see cref="GetPendingRetractions"/> for good (also after a restart), is counted in
    /// <see cref="OutboxStatistics.RejectedRetractions"/> and listed by <see cref="GetRejectedRetractions"/>.
    /// </summary>
    /// <param name="retractionId">The retraction id.</param>
    /// <param name="reason">The collector's reason: not empty, at most <see cref="MaximumRejectionReasonLength"/> characters.</param>
    /// <returns>True if the retraction is now rejected (also when it already was); false if no such retraction is queued.</returns>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty, blank or too long.</exception>
    public bool MarkRetractionRejected(long retractionId, string reason)
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
            command.CommandText = """
                UPDATE retractions SET rejection_reason = $reason, rejected_utc_ticks = $now WHERE id = $id AND rejection_reason IS NULL;
                SELECT count(*) FROM retractions WHERE id = $id AND rejection_reason IS NOT NULL;
                """;
            command.Parameters.AddWithValue("$id", retractionId);
            command.Parameters.AddWithValue("$reason", reason);
            command.Parameters.AddWithValue("$now", NowTicks());
            bool rejected = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
            if (rejected)
            {
                OutboxLog.RetractionRejected(_logger, retractionId, reason);
            }

            return rejected;
        }
    }

    /// <summary>Up to <paramref name="max"/> retractions the collector rejected, oldest first, with their reasons (for status and for a person to decide).</summary>
    /// <param name="max">Maximum number returned.</param>
    /// <returns>The rejected retractions.</returns>
    public IReadOnlyList<RejectedRetraction> GetRejectedRetractions(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            List<(long Id, byte[] Document, long Created, string Reason, long Rejected)> rows = [];
            using (SqliteCommand command = _connection.CreateCommand())
            {
                command.CommandText = "SELECT id, document, created_utc_ticks, rejection_reason, rejected_utc_ticks FROM retractions WHERE rejection_reason IS NOT NULL ORDER BY id LIMIT $max;";
                command.Parameters.AddWithValue("$max", max);
                using SqliteDataReader reader = command.ExecuteReader();
                while (reader.Read())
                {
                    rows.Add((reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4)));
                }
            }

            List<RejectedRetraction> retractions = new(rows.Count);
            using SqliteCommand segments = _connection.CreateCommand();
            segments.CommandText = "SELECT session_id, segment_index FROM retraction_segments WHERE retraction_id = $id ORDER BY session_id, segment_index;";
            SqliteParameter id = segments.Parameters.Add("$id", SqliteType.Integer);
            foreach ((long retractionId, byte[] document, long created, string reason, long rejectedTicks) in rows)
            {
                id.Value = retractionId;
                retractions.Add(new RejectedRetraction
                {
                    RetractionId = retractionId,
                    Document = document,
                    Segments = ReadKeys(segments),
                    CreatedUtc = FromTicks(created),
                    Reason = reason,
                    RejectedUtc = FromTicks(rejectedTicks),
                });
            }

            return retractions;
        }
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
        ThrowIfReadOnly();
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
        ThrowIfReadOnly();
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
}
