using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage;

/// <summary>What the inspector found wrong with an existing database.</summary>
internal readonly record struct DatabaseProblem(CorruptionReason Reason, string Detail);

/// <summary>Decides, before the outbox uses an existing file, whether it is a healthy EdgeCapture outbox.</summary>
internal static class OutboxDatabaseInspector
{
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const int SqliteHeaderLength = 100;
    private static ReadOnlySpan<byte> SqliteMagic => "SQLite format 3\0"u8;

    /// <summary>Inspects <paramref name="databasePath"/>, which exists. Returns null and the schema version when it is usable.</summary>
    internal static DatabaseProblem? Inspect(string databasePath, OutboxStartupCheck check, out int schemaVersion) =>
        Inspect(databasePath, databasePath, SqliteOpenMode.ReadWrite, check, out schemaVersion);

    /// <summary>As <see cref="Inspect(string, OutboxStartupCheck, out int)"/>, reading the contents through <paramref name="dataSource"/> opened with <paramref name="mode"/>.</summary>
    internal static DatabaseProblem? Inspect(string databasePath, string dataSource, SqliteOpenMode mode, OutboxStartupCheck check, out int schemaVersion)
    {
        schemaVersion = 0;
        try
        {
            DatabaseProblem? fileProblem = InspectFiles(databasePath);
            if (fileProblem is not null)
            {
                return fileProblem;
            }

            using SqliteConnection connection = OutboxSchema.OpenConnection(dataSource, mode, pageCacheKibibytes: 2048);
            return InspectContents(connection, check, out schemaVersion);
        }
        catch (SqliteException exception)
        {
            CorruptionReason reason = exception.SqliteErrorCode switch
            {
                SqliteNotADatabase => CorruptionReason.NotADatabase,
                SqliteCorrupt => CorruptionReason.Malformed,
                _ => CorruptionReason.Unreadable,
            };
            return new DatabaseProblem(reason, $"SQLite error {exception.SqliteErrorCode}: {exception.Message}");
        }
        catch (IOException exception)
        {
            return new DatabaseProblem(CorruptionReason.Unreadable, exception.Message);
        }
        catch (UnauthorizedAccessException exception)
        {
            return new DatabaseProblem(CorruptionReason.Unreadable, exception.Message);
        }
    }

    private static DatabaseProblem? InspectFiles(string databasePath)
    {
        Span<byte> header = stackalloc byte[SqliteHeaderLength];
        int headerBytes;
        using (FileStream file = new(databasePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            if (file.Length == 0)
            {
                return new DatabaseProblem(CorruptionReason.EmptyFile, "the database file is empty");
            }

            headerBytes = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        if (headerBytes < SqliteHeaderLength)
        {
            return new DatabaseProblem(CorruptionReason.NotADatabase, $"the file is {headerBytes} bytes, shorter than a SQLite header");
        }

        if (!header.StartsWith(SqliteMagic))
        {
            return new DatabaseProblem(CorruptionReason.NotADatabase, "the file does not start with the SQLite header");
        }

        string walPath = databasePath + "-wal";
        if (File.Exists(walPath))
        {
            Span<byte> walHeader = stackalloc byte[WriteAheadLogHeader.HeaderLength];
            int walBytes;
            using (FileStream wal = new(walPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                walBytes = wal.ReadAtLeast(walHeader, walHeader.Length, throwOnEndOfStream: false);
            }

            string? walProblem = WriteAheadLogHeader.Describe(walHeader[..walBytes]);
            if (walProblem is not null)
            {
                return new DatabaseProblem(CorruptionReason.GarbageWriteAheadLog, $"write-ahead log {walPath}: {walProblem}");
            }
        }

        return null;
    }

    private static List<string> CheckPages(SqliteConnection connection, OutboxStartupCheck check)
    {
        List<string> problems = [];
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = check == OutboxStartupCheck.Full ? "PRAGMA integrity_check(20);" : "PRAGMA quick_check(20);";
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            problems.Add(reader.GetString(0));
        }

        return problems;
    }

    private static DatabaseProblem? InspectContents(SqliteConnection connection, OutboxStartupCheck check, out int schemaVersion)
    {
        schemaVersion = (int)OutboxSchema.ReadInt64(connection, "PRAGMA user_version;");
        long applicationId = OutboxSchema.ReadInt64(connection, "PRAGMA application_id;");
        if (applicationId != OutboxSchema.ApplicationId)
        {
            return new DatabaseProblem(CorruptionReason.UnknownSchema,
                string.Create(CultureInfo.InvariantCulture, $"application_id 0x{applicationId:x8} is not an EdgeCapture outbox (0x{OutboxSchema.ApplicationId:x8})"));
        }

        if (schemaVersion > OutboxSchema.CurrentVersion)
        {
            return new DatabaseProblem(CorruptionReason.NewerSchemaVersion,
                string.Create(CultureInfo.InvariantCulture, $"schema version {schemaVersion} is newer than the supported version {OutboxSchema.CurrentVersion}"));
        }

        if (schemaVersion < 1)
        {
            return new DatabaseProblem(CorruptionReason.UnknownSchema,
                string.Create(CultureInfo.InvariantCulture, $"schema version {schemaVersion} was never written by the outbox"));
        }

        List<string> problems = check == OutboxStartupCheck.SchemaOnly ? ["ok"] : CheckPages(connection, check);
        if (problems is not ["ok"])
        {
            return new DatabaseProblem(CorruptionReason.IntegrityCheckFailed, string.Join("; ", problems));
        }

        HashSet<string> tables = new(StringComparer.Ordinal);
        using (SqliteCommand command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table';";
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        string[] missing = [.. OutboxSchema.RequiredTables.Where(table => !tables.Contains(table))];
        return missing.Length == 0
            ? null
            : new DatabaseProblem(CorruptionReason.UnknownSchema, "missing tables: " + string.Join(", ", missing));
    }
}
