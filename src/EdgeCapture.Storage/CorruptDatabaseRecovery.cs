namespace EdgeCapture.Storage;

/// <summary>Why an existing outbox database was not used.</summary>
public enum CorruptionReason
{
    /// <summary>The file exists but is empty (a healthy outbox file is never empty: it is created complete and renamed into place).</summary>
    EmptyFile,

    /// <summary>The file does not start with the SQLite header, is shorter than a header, or SQLite says it is not a database.</summary>
    NotADatabase,

    /// <summary>SQLite reported the database malformed while opening or reading it.</summary>
    Malformed,

    /// <summary><c>PRAGMA quick_check</c> / <c>integrity_check</c> reported problems.</summary>
    IntegrityCheckFailed,

    /// <summary>A SQLite database, but not an EdgeCapture outbox (foreign application id, unknown version 0, or missing tables).</summary>
    UnknownSchema,

    /// <summary>An outbox written by a newer schema version than this software understands.</summary>
    NewerSchemaVersion,

    /// <summary>The write-ahead log has a header SQLite never writes (bad magic, version or checksum): the storage is not trustworthy.</summary>
    GarbageWriteAheadLog,

    /// <summary>A write-ahead log or shared-memory file without its database.</summary>
    OrphanedWriteAheadLog,

    /// <summary>The file could not be read (I/O or permission error).</summary>
    Unreadable,
}

/// <summary>Report of a database that was moved aside at startup and replaced with a fresh one. The appliance surfaces it.</summary>
public sealed class CorruptDatabaseRecovery
{
    /// <summary>What was wrong.</summary>
    public required CorruptionReason Reason { get; init; }

    /// <summary>Human-readable detail (SQLite message, check output, versions).</summary>
    public required string Detail { get; init; }

    /// <summary>Where the old database now lives (<c>&lt;name&gt;.corrupt-&lt;timestamp&gt;</c>, with its -wal/-shm next to it under the same stem).</summary>
    public required string MovedAsidePath { get; init; }

    /// <summary>When it was detected.</summary>
    public required DateTimeOffset DetectedUtc { get; init; }
}
