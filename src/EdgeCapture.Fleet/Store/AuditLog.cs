using EdgeCapture.Protocol.Fleet;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Fleet.Store;

/// <summary>
/// The box's append-only, hash-chained audit log (<see cref="FleetAuditEntry"/>). Rows cannot be deleted or rewritten
/// (SQLite triggers refuse it); each entry's hash covers the previous one, so <see cref="Verify"/> finds any tampering
/// with the file. Entries are published to the collector in order; <see cref="Unpublished"/> is what is left to send.
/// </summary>
public sealed class AuditLog
{
    private readonly FleetDatabase _database;
    private readonly string _deviceId;

    /// <summary>Uses the box's fleet database.</summary>
    /// <param name="database">The database.</param>
    /// <param name="deviceId">The box's id, written into every entry.</param>
    public AuditLog(FleetDatabase database, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        _database = database;
        _deviceId = deviceId;
    }

    /// <summary>Appends an entry durably and returns it with its sequence and hash.</summary>
    /// <param name="at">When.</param>
    /// <param name="kind"><c>command</c> or <c>configuration</c>.</param>
    /// <param name="subject">The command name or configuration scope.</param>
    /// <param name="commandId">The command id or version, or null.</param>
    /// <param name="signer">The signer's fingerprint, or null.</param>
    /// <param name="role">The signer's role, or null.</param>
    /// <param name="outcome">See <see cref="FleetOutcomes"/>.</param>
    /// <param name="reason">A <see cref="FleetRejections"/> code, or null.</param>
    /// <param name="detail">Detail, or null.</param>
    /// <returns>The entry as stored.</returns>
    public FleetAuditEntry Append(DateTimeOffset at, string kind, string subject, string? commandId, string? signer, string? role, string outcome, string? reason, string? detail)
    {
        lock (_database.Gate)
        {
            (long lastSequence, string lastHash) = Head();
            var entry = new FleetAuditEntry(_deviceId, lastSequence + 1, at, kind, subject, commandId, signer, role, outcome, reason, Truncate(detail), lastHash, string.Empty);
            entry = entry with { Hash = entry.ComputeHash() };
            using SqliteCommand insert = _database.Connection.CreateCommand();
            insert.CommandText = "INSERT INTO audit (sequence, body, hash) VALUES ($sequence, $body, $hash)";
            insert.Parameters.AddWithValue("$sequence", entry.Sequence);
            insert.Parameters.AddWithValue("$body", System.Text.Encoding.UTF8.GetString(FleetJsonMessages.Encode(entry)));
            insert.Parameters.AddWithValue("$hash", entry.Hash);
            insert.ExecuteNonQuery();
            return entry;
        }
    }

    /// <summary>All entries in order.</summary>
    /// <returns>The entries.</returns>
    public IReadOnlyList<FleetAuditEntry> ReadAll() => Read("SELECT body FROM audit ORDER BY sequence");

    /// <summary>Entries not yet confirmed published, in order.</summary>
    /// <param name="limit">At most this many.</param>
    /// <returns>The entries.</returns>
    public IReadOnlyList<FleetAuditEntry> Unpublished(int limit) => Read("SELECT body FROM audit WHERE published = 0 ORDER BY sequence LIMIT " + limit.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Records that the broker accepted entry <paramref name="sequence"/>.</summary>
    /// <param name="sequence">The entry.</param>
    public void MarkPublished(long sequence)
    {
        lock (_database.Gate)
        {
            using SqliteCommand update = _database.Connection.CreateCommand();
            update.CommandText = "UPDATE audit SET published = 1 WHERE sequence = $sequence";
            update.Parameters.AddWithValue("$sequence", sequence);
            update.ExecuteNonQuery();
        }
    }

    /// <summary>Whether the stored chain is intact (hashes, links and sequence without gaps).</summary>
    /// <param name="brokenAt">The first bad sequence, or 0.</param>
    /// <returns>Whether it verifies.</returns>
    public bool Verify(out long brokenAt)
    {
        IReadOnlyList<FleetAuditEntry> entries = ReadAll();
        if (entries.Count > 0 && entries[0].Sequence != 1)
        {
            brokenAt = entries[0].Sequence;
            return false;
        }

        return FleetAuditEntry.VerifyChain(entries, FleetAuditEntry.GenesisHash, out brokenAt);
    }

    private (long Sequence, string Hash) Head()
    {
        using SqliteCommand command = _database.Connection.CreateCommand();
        command.CommandText = "SELECT sequence, hash FROM audit ORDER BY sequence DESC LIMIT 1";
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : (0, FleetAuditEntry.GenesisHash);
    }

    private List<FleetAuditEntry> Read(string sql)
    {
        lock (_database.Gate)
        {
            using SqliteCommand command = _database.Connection.CreateCommand();
            command.CommandText = sql;
            using SqliteDataReader reader = command.ExecuteReader();
            var entries = new List<FleetAuditEntry>();
            while (reader.Read())
            {
                entries.Add(FleetJsonMessages.Decode<FleetAuditEntry>(System.Text.Encoding.UTF8.GetBytes(reader.GetString(0))));
            }

            return entries;
        }
    }

    private static string? Truncate(string? detail) => detail is { Length: > 1024 } ? detail[..1024] + "..." : detail;
}
