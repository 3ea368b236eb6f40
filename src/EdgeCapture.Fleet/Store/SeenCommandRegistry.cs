using Microsoft.Data.Sqlite;

namespace EdgeCapture.Fleet.Store;

/// <summary>
/// The ids of accepted commands, kept durably until their expiry (plus the clock tolerance) has passed, so a command is
/// never accepted twice, across restarts ("Governed control"). After that the command is refused as expired anyway.
/// </summary>
public sealed class SeenCommandRegistry
{
    private readonly FleetDatabase _database;

    /// <summary>Uses the box's fleet database.</summary>
    /// <param name="database">The database.</param>
    public SeenCommandRegistry(FleetDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Records <paramref name="id"/> as accepted, unless it was seen before; forgets ids whose time has passed.</summary>
    /// <param name="id">The command id.</param>
    /// <param name="keepUntil">Until when to remember it.</param>
    /// <param name="now">The current time.</param>
    /// <returns>True if the id is new (now recorded durably), false if it was seen before.</returns>
    public bool TryRecord(string id, DateTimeOffset keepUntil, DateTimeOffset now)
    {
        lock (_database.Gate)
        {
            using SqliteTransaction transaction = _database.Connection.BeginTransaction();
            using (SqliteCommand purge = _database.Connection.CreateCommand())
            {
                purge.Transaction = transaction;
                purge.CommandText = "DELETE FROM seen_command WHERE keep_until_ms < $now";
                purge.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                purge.ExecuteNonQuery();
            }

            using SqliteCommand insert = _database.Connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO seen_command (id, keep_until_ms) VALUES ($id, $keep) ON CONFLICT (id) DO NOTHING";
            insert.Parameters.AddWithValue("$id", id);
            insert.Parameters.AddWithValue("$keep", keepUntil.ToUnixTimeMilliseconds());
            bool added = insert.ExecuteNonQuery() == 1;
            transaction.Commit();
            return added;
        }
    }

    /// <summary>How many ids are remembered now.</summary>
    /// <returns>The count.</returns>
    public long Count()
    {
        lock (_database.Gate)
        {
            using SqliteCommand command = _database.Connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM seen_command";
            return (long)command.ExecuteScalar()!;
        }
    }
}
