using System.Text;
using EdgeCapture.Protocol.Fleet;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Fleet.View;

/// <summary>
/// The collector's durable fleet view (<c>fleet-view.db</c>): the last birth, death, status and reported configuration of
/// each device, and every audit entry the boxes published, with whether each entry continues its device's hash chain.
/// The collector process hosts it (<see cref="FleetObserver"/> fills it); <c>edgecapture fleet audit</c> reads it.
/// </summary>
public sealed class FleetViewStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    /// <summary>The stored leaf of a signed presence birth (replayed on <c>up/presence</c>).</summary>
    public const string PresenceBirthLeaf = "presence-birth";

    /// <summary>The stored leaf of a signed presence death (replayed on <c>up/presence</c>).</summary>
    public const string PresenceDeathLeaf = "presence-death";

    private FleetViewStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens or creates the store.</summary>
    /// <param name="path">The file.</param>
    /// <param name="readOnly">Open for reading only (the CLI).</param>
    /// <returns>The store.</returns>
    public static FleetViewStore Open(string path, bool readOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            connection.Open();
            if (!readOnly)
            {
                using SqliteCommand command = connection.CreateCommand();
                command.CommandText = """
                    PRAGMA journal_mode = WAL;
                    PRAGMA synchronous = FULL;
                    CREATE TABLE IF NOT EXISTS device (id TEXT NOT NULL, leaf TEXT NOT NULL, body BLOB NOT NULL, received_ms INTEGER NOT NULL, PRIMARY KEY (id, leaf)) STRICT;
                    CREATE TABLE IF NOT EXISTS audit (device TEXT NOT NULL, sequence INTEGER NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, chain_ok INTEGER NOT NULL, received_ms INTEGER NOT NULL, PRIMARY KEY (device, sequence)) STRICT;
                    CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
                    CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
                    """;
                command.ExecuteNonQuery();
            }

            return new FleetViewStore(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Keeps the latest message of one kind for a device.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="leaf">birth, death, status or reported.</param>
    /// <param name="body">The message.</param>
    /// <param name="received">When.</param>
    public void Keep(string deviceId, string leaf, ReadOnlySpan<byte> body, DateTimeOffset received)
    {
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO device (id, leaf, body, received_ms) VALUES ($id, $leaf, $body, $at) ON CONFLICT (id, leaf) DO UPDATE SET body = excluded.body, received_ms = excluded.received_ms";
            command.Parameters.AddWithValue("$id", deviceId);
            command.Parameters.AddWithValue("$leaf", leaf);
            command.Parameters.AddWithValue("$body", body.ToArray());
            command.Parameters.AddWithValue("$at", received.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Stores an audit entry once (a republished entry is ignored), noting whether it continues the chain.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="received">When.</param>
    /// <returns>True if new.</returns>
    public bool AppendAudit(FleetAuditEntry entry, DateTimeOffset received)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            string? previous = null;
            using (SqliteCommand last = _connection.CreateCommand())
            {
                last.CommandText = "SELECT hash FROM audit WHERE device = $device AND sequence = $sequence";
                last.Parameters.AddWithValue("$device", entry.Device);
                last.Parameters.AddWithValue("$sequence", entry.Sequence - 1);
                previous = last.ExecuteScalar() as string;
            }

            bool chainOk = entry.ComputeHash() == entry.Hash && (entry.Sequence == 1 ? entry.PreviousHash == FleetAuditEntry.GenesisHash : previous == entry.PreviousHash);
            using SqliteCommand insert = _connection.CreateCommand();
            insert.CommandText = "INSERT INTO audit (device, sequence, body, hash, chain_ok, received_ms) VALUES ($device, $sequence, $body, $hash, $ok, $at) ON CONFLICT DO NOTHING";
            insert.Parameters.AddWithValue("$device", entry.Device);
            insert.Parameters.AddWithValue("$sequence", entry.Sequence);
            insert.Parameters.AddWithValue("$body", Encoding.UTF8.GetString(FleetJsonMessages.Encode(entry)));
            insert.Parameters.AddWithValue("$hash", entry.Hash);
            insert.Parameters.AddWithValue("$ok", chainOk ? 1 : 0);
            insert.Parameters.AddWithValue("$at", received.ToUnixTimeMilliseconds());
            return insert.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>The audit entries, oldest first, with whether each continued its chain when it arrived.</summary>
    /// <param name="deviceId">One device, or null for all.</param>
    /// <param name="limit">At most this many (the latest).</param>
    /// <returns>The entries.</returns>
    public IReadOnlyList<(FleetAuditEntry Entry, bool ChainOk)> Audit(string? deviceId, int limit)
    {
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT body, chain_ok FROM (SELECT body, chain_ok, received_ms, device, sequence FROM audit WHERE $device IS NULL OR device = $device ORDER BY received_ms DESC, sequence DESC LIMIT $limit) ORDER BY received_ms, device, sequence";
            command.Parameters.AddWithValue("$device", (object?)deviceId ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", limit);
            using SqliteDataReader reader = command.ExecuteReader();
            var entries = new List<(FleetAuditEntry, bool)>();
            while (reader.Read())
            {
                entries.Add((FleetJsonMessages.Decode<FleetAuditEntry>(Encoding.UTF8.GetBytes(reader.GetString(0))), reader.GetInt64(1) == 1));
            }

            return entries;
        }
    }

    /// <summary>Replays the kept presence messages into a view (the CLI's offline view of the fleet).</summary>
    /// <param name="view">The view to fill.</param>
    public void LoadInto(FleetView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        lock (_lock)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT id, leaf, body FROM device ORDER BY received_ms";
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                string id = reader.GetString(0);
                string leaf = reader.GetString(1);
                if (FleetTopics.IsValidName(id) && id != FleetTopics.GroupsLevel)
                {
                    string topic = leaf is PresenceBirthLeaf or PresenceDeathLeaf ? $"{FleetTopics.Root}/{id}/{Protocol.UploadTopics.PresenceSuffix}" : $"{FleetTopics.Root}/{id}/up/fleet/{leaf}";
                    view.Apply(topic, (byte[])reader.GetValue(2));
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _connection.Dispose();
}
