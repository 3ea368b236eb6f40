using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage;

/// <summary>
/// The outbox schema, its version history and the per-connection settings. The schema version lives in
/// <c>PRAGMA user_version</c>; <c>PRAGMA application_id</c> marks the file as an EdgeCapture outbox.
/// </summary>
internal static class OutboxSchema
{
    /// <summary>The schema version this code writes.</summary>
    internal const int CurrentVersion = 4;

    /// <summary>"ECOB" (EdgeCapture OutBox) as a big-endian 32-bit integer, stored at offset 68 of the database header.</summary>
    internal const int ApplicationId = 0x45434F42;

    /// <summary>Tables every database of the current version must have.</summary>
    internal static readonly string[] RequiredTables =
        ["segments", "segment_payloads", "forgotten_segments", "retractions", "retraction_segments", "session_chains"];

    // Version 1. Ticks are DateTimeOffset.UtcTicks (100 ns since 0001-01-01 UTC); session ids are lowercase "D" GUID text.
    // Payloads live in their own table so that scans of the metadata never touch ciphertext overflow pages.
    private const string Version1 = """
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL,
            segment_index INTEGER NOT NULL CHECK (segment_index >= 0),
            monotonic_start_ns INTEGER NOT NULL,
            monotonic_end_ns INTEGER NOT NULL,
            wall_start_utc_ticks INTEGER NOT NULL,
            wall_end_utc_ticks INTEGER NOT NULL,
            ciphertext_length INTEGER NOT NULL CHECK (ciphertext_length >= 0),
            manifest_length INTEGER NOT NULL CHECK (manifest_length >= 0),
            ciphertext_sha256 BLOB NOT NULL CHECK (length(ciphertext_sha256) = 32),
            manifest_sha256 BLOB NOT NULL CHECK (length(manifest_sha256) = 32),
            state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),
            created_utc_ticks INTEGER NOT NULL,
            state_changed_utc_ticks INTEGER NOT NULL,
            UNIQUE (session_id, segment_index)
        ) STRICT;
        CREATE INDEX segments_by_state ON segments (state, id);
        CREATE INDEX segments_by_wall_start ON segments (wall_start_utc_ticks);
        CREATE TABLE segment_payloads (
            segment_id INTEGER PRIMARY KEY REFERENCES segments (id) ON DELETE CASCADE,
            manifest BLOB NOT NULL,
            ciphertext BLOB NOT NULL
        ) STRICT;
        CREATE TABLE forgotten_segments (
            session_id TEXT NOT NULL,
            segment_index INTEGER NOT NULL,
            wall_start_utc_ticks INTEGER NOT NULL,
            wall_end_utc_ticks INTEGER NOT NULL,
            state_when_forgotten INTEGER NOT NULL,
            forgotten_utc_ticks INTEGER NOT NULL,
            PRIMARY KEY (session_id, segment_index)
        ) STRICT;
        CREATE TABLE retractions (
            id INTEGER PRIMARY KEY,
            document BLOB NOT NULL,
            created_utc_ticks INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE retraction_segments (
            retraction_id INTEGER NOT NULL REFERENCES retractions (id) ON DELETE CASCADE,
            session_id TEXT NOT NULL,
            segment_index INTEGER NOT NULL,
            PRIMARY KEY (retraction_id, session_id, segment_index)
        ) STRICT;
        CREATE TABLE session_chains (
            session_id TEXT PRIMARY KEY,
            last_segment_index INTEGER NOT NULL,
            last_manifest_sha256 BLOB NOT NULL CHECK (length(last_manifest_sha256) = 32),
            updated_utc_ticks INTEGER NOT NULL
        ) STRICT;
        """;

    // Version 2: UploadState.Rejected (4) and the collector's reason. SQLite cannot change a CHECK constraint in place, so the
    // table is rebuilt (SQLite's documented procedure: foreign keys are off around the transaction, see Migrate) and its
    // indexes recreated. Payload rows keep their segment ids, so the foreign key from segment_payloads still holds.
    private const string Version2 = """
        CREATE TABLE segments_version2 (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL,
            segment_index INTEGER NOT NULL CHECK (segment_index >= 0),
            monotonic_start_ns INTEGER NOT NULL,
            monotonic_end_ns INTEGER NOT NULL,
            wall_start_utc_ticks INTEGER NOT NULL,
            wall_end_utc_ticks INTEGER NOT NULL,
            ciphertext_length INTEGER NOT NULL CHECK (ciphertext_length >= 0),
            manifest_length INTEGER NOT NULL CHECK (manifest_length >= 0),
            ciphertext_sha256 BLOB NOT NULL CHECK (length(ciphertext_sha256) = 32),
            manifest_sha256 BLOB NOT NULL CHECK (length(manifest_sha256) = 32),
            state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4),
            rejection_reason TEXT,
            created_utc_ticks INTEGER NOT NULL,
            state_changed_utc_ticks INTEGER NOT NULL,
            UNIQUE (session_id, segment_index),
            CHECK ((state = 4) = (rejection_reason IS NOT NULL))
        ) STRICT;
        INSERT INTO segments_version2 (id, session_id, segment_index, monotonic_start_ns, monotonic_end_ns, wall_start_utc_ticks, wall_end_utc_ticks,
                                       ciphertext_length, manifest_length, ciphertext_sha256, manifest_sha256, state, rejection_reason,
                                       created_utc_ticks, state_changed_utc_ticks)
            SELECT id, session_id, segment_index, monotonic_start_ns, monotonic_end_ns, wall_start_utc_ticks, wall_end_utc_ticks,
                   ciphertext_length, manifest_length, ciphertext_sha256, manifest_sha256, state, NULL, created_utc_ticks, state_changed_utc_ticks
            FROM segments;
        DROP TABLE segments;
        ALTER TABLE segments_version2 RENAME TO segments;
        CREATE INDEX segments_by_state ON segments (state, id);
        CREATE INDEX segments_by_wall_start ON segments (wall_start_utc_ticks);
        """;

    // Version 3: the boot a segment's monotonic range was measured in (lowercase UUID text; NULL for older rows, which a forget
    // matches conservatively like rows of an earlier boot).
    private const string Version3 = """
        ALTER TABLE segments ADD COLUMN boot_id TEXT CHECK (boot_id IS NULL OR length(boot_id) = 36);
        """;

    // Version 4: a retraction the collector refused for good keeps its row with the collector's reason (and when), so that a
    // restart never sends it again; only retractions without a reason are pending.
    private const string Version4 = """
        ALTER TABLE retractions ADD COLUMN rejection_reason TEXT CHECK (rejection_reason IS NULL OR length(rejection_reason) BETWEEN 1 AND 1000);
        ALTER TABLE retractions ADD COLUMN rejected_utc_ticks INTEGER CHECK ((rejected_utc_ticks IS NULL) = (rejection_reason IS NULL));
        """;

    /// <summary>
    /// Migrations[n] brings a database from version n to n + 1 (index 0 creates version 1 in an empty file).
    /// Each step runs in one transaction together with its user_version bump; a step is never edited once shipped.
    /// </summary>
    private static readonly string[] Migrations = [Version1, Version2, Version3, Version4];

    internal static SqliteConnection OpenConnection(string databasePath, SqliteOpenMode mode, int pageCacheKibibytes)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = mode,
            // No pool: a closed connection must really release the file, or moving a corrupt database aside would race it.
            Pooling = false,
            ForeignKeys = true,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"""
                PRAGMA synchronous = FULL;
                PRAGMA secure_delete = ON;
                PRAGMA temp_store = MEMORY;
                PRAGMA cell_size_check = ON;
                PRAGMA journal_size_limit = 8388608;
                PRAGMA cache_size = -{pageCacheKibibytes};
                """));
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Creates a version-<see cref="CurrentVersion"/> database in an empty file (auto_vacuum must be set before the first table).</summary>
    internal static void Create(SqliteConnection connection)
    {
        Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL;");
        EnableWriteAheadLog(connection);
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA application_id = {ApplicationId};"));
        Migrate(connection, fromVersion: 0);
    }

    internal static void EnableWriteAheadLog(SqliteConnection connection)
    {
        string mode = Convert.ToString(Scalar(connection, "PRAGMA journal_mode = WAL;"), CultureInfo.InvariantCulture) ?? string.Empty;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SQLite refused write-ahead-log mode (journal_mode is '{mode}').");
        }
    }

    /// <summary>Applies every migration from <paramref name="fromVersion"/> up to <see cref="CurrentVersion"/>.</summary>
    internal static void Migrate(SqliteConnection connection, int fromVersion)
    {
        // A table rebuild drops the old table: with foreign keys on, that would cascade into segment_payloads. The pragma is a
        // no-op inside a transaction, so it is switched around the steps, and each step proves the keys still hold before committing.
        Execute(connection, "PRAGMA foreign_keys = OFF;");
        try
        {
            for (int version = fromVersion; version < CurrentVersion; version++)
            {
                using SqliteTransaction transaction = connection.BeginTransaction();
                using (SqliteCommand command = connection.CreateCommand())
                {
                    command.Transaction = transaction;
                    command.CommandText = Migrations[version] + string.Create(CultureInfo.InvariantCulture, $"\nPRAGMA user_version = {version + 1};");
                    command.ExecuteNonQuery();
                }

                using (SqliteCommand check = connection.CreateCommand())
                {
                    check.Transaction = transaction;
                    check.CommandText = "PRAGMA foreign_key_check;";
                    using SqliteDataReader reader = check.ExecuteReader();
                    if (reader.Read())
                    {
                        throw new InvalidOperationException(
                            string.Create(CultureInfo.InvariantCulture, $"Outbox migration to version {version + 1} broke a foreign key in table {reader.GetString(0)}."));
                    }
                }

                transaction.Commit();
            }
        }
        finally
        {
            Execute(connection, "PRAGMA foreign_keys = ON;");
        }
    }

    internal static long ReadInt64(SqliteConnection connection, string pragma) =>
        Convert.ToInt64(Scalar(connection, pragma), CultureInfo.InvariantCulture);

    internal static object? Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
