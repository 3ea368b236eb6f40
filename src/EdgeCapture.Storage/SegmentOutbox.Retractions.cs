using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage;

/// <summary>Retractions the collector refused: kept, marked with the reason, reported, and never offered for sending again.</summary>
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
}
