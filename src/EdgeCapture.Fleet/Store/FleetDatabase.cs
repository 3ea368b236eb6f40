using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Fleet.Store;

/// <summary>
/// The box's fleet state in one SQLite file (<c>fleet.db</c>, WAL, <c>synchronous=FULL</c>): seen command ids, the audit
/// log, the presence sequence and the applied desired versions. Every write commits durably before it returns; one
/// connection, used under a lock, so the agent's loops may share it.
/// </summary>
public sealed class FleetDatabase : IDisposable
{
    private readonly SqliteConnection _connection;

    private FleetDatabase(SqliteConnection connection) => _connection = connection;

    /// <summary>Serializes use of the connection.</summary>
    internal Lock Gate { get; } = new();

    internal SqliteConnection Connection => _connection;

    /// <summary>Opens (creating if needed) the fleet database.</summary>
    /// <param name="path">The file, e.g. <c>/var/lib/edgecapture/fleet.db</c>.</param>
    /// <returns>The database.</returns>
    public static FleetDatabase Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode = WAL;");
            Execute(connection, """
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS seen_command (id TEXT PRIMARY KEY, keep_until_ms INTEGER NOT NULL) STRICT;
                CREATE INDEX IF NOT EXISTS seen_command_keep ON seen_command (keep_until_ms);
                CREATE TABLE IF NOT EXISTS audit (
                    sequence INTEGER PRIMARY KEY, body TEXT NOT NULL, hash TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0) STRICT;
                CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER IF NOT EXISTS audit_no_rewrite BEFORE UPDATE OF sequence, body, hash ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
                """);
            return new FleetDatabase(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Reads a named state value.</summary>
    internal string? ReadState(string name)
    {
        lock (Gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT value FROM state WHERE name = $name";
            command.Parameters.AddWithValue("$name", name);
            return command.ExecuteScalar() as string;
        }
    }

    /// <summary>Writes a named state value durably.</summary>
    internal void WriteState(string name, string value)
    {
        lock (Gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO state (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value";
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$value", value);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Increments a named counter durably and returns the new value (1 on first use).</summary>
    internal long Increment(string name)
    {
        lock (Gate)
        {
            long next = long.Parse(ReadState(name) ?? "0", CultureInfo.InvariantCulture) + 1;
            WriteState(name, next.ToString(CultureInfo.InvariantCulture));
            return next;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _connection.Dispose();

    private static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
