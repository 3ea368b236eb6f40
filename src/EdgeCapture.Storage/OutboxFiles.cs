using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Storage;

/// <summary>
/// The database file and its companions (-wal, -shm, -journal): moving an unusable set aside, creating a fresh database
/// atomically (built under a temporary name, then renamed into place), and keeping the number of corrupt copies bounded.
/// </summary>
internal sealed class OutboxFiles(string databasePath, ILogger logger)
{
    private static readonly string[] CompanionSuffixes = ["-wal", "-shm", "-journal"];

    private string DirectoryPath => Path.GetDirectoryName(databasePath)!;

    /// <summary>
    /// Takes an exclusive lock on <c>&lt;name&gt;.lock</c> (flock, released by the kernel when the process dies), so that a second
    /// process cannot use, inspect or move aside a database that another one is writing.
    /// </summary>
    /// <exception cref="IOException">Another process holds the lock.</exception>
    internal static FileStream AcquireOwnership(string databasePath)
    {
        string lockPath = databasePath + ".lock";
        try
        {
            // On Unix, FileShare.None makes .NET take flock(LOCK_EX | LOCK_NB) on the file.
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception) when (File.Exists(lockPath))
        {
            throw new IOException($"The outbox {databasePath} is already open in another process or instance ({lockPath} is locked).", exception);
        }
    }

    /// <summary>With no database file, a non-empty write-ahead log left behind is reported; empty companions are just removed.</summary>
    internal DatabaseProblem? InspectStrays()
    {
        var wal = new FileInfo(databasePath + "-wal");
        if (wal.Exists && wal.Length > 0)
        {
            return new DatabaseProblem(CorruptionReason.OrphanedWriteAheadLog,
                string.Create(CultureInfo.InvariantCulture, $"{wal.FullName} ({wal.Length} bytes) exists without its database"));
        }

        DeleteSet(databasePath);
        return null;
    }

    /// <summary>Renames the database and its companions to <c>&lt;name&gt;.corrupt-&lt;UTC timestamp&gt;</c> (companions keep their suffix).</summary>
    /// <returns>The new path of the database file.</returns>
    internal string MoveAside(DateTimeOffset now, int maximumCopies)
    {
        string stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        string target = $"{databasePath}.corrupt-{stamp}";
        for (int attempt = 1; SetExists(target); attempt++)
        {
            target = string.Create(CultureInfo.InvariantCulture, $"{databasePath}.corrupt-{stamp}-{attempt}");
        }

        if (File.Exists(databasePath))
        {
            File.Move(databasePath, target);
        }

        foreach (string suffix in CompanionSuffixes)
        {
            if (File.Exists(databasePath + suffix))
            {
                File.Move(databasePath + suffix, target + suffix);
            }
        }

        SyncDirectory();
        DeleteOldCopies(maximumCopies);
        return target;
    }

    /// <summary>
    /// Builds a complete empty outbox under <c>&lt;name&gt;.creating</c>, checkpoints it into the main file, and renames it into
    /// place: a database at the final path is therefore never empty or half-created, whatever moment a crash hits.
    /// </summary>
    internal void CreateFresh(int pageCacheKibibytes)
    {
        string creating = databasePath + ".creating";
        DeleteSet(creating);
        using (SqliteConnection connection = OutboxSchema.OpenConnection(creating, SqliteOpenMode.ReadWriteCreate, pageCacheKibibytes))
        {
            OutboxSchema.Create(connection);
            OutboxSchema.Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        }

        // Closing the last connection removed the (checkpointed, empty) WAL; drop anything left so no stray can pair with the new file.
        foreach (string suffix in CompanionSuffixes)
        {
            File.Delete(creating + suffix);
        }

        File.Move(creating, databasePath);
        SyncDirectory();
    }

    private void DeleteOldCopies(int maximumCopies)
    {
        string prefix = Path.GetFileName(databasePath) + ".corrupt-";
        string[] stems = [.. Directory.EnumerateFiles(DirectoryPath, prefix + "*")
            .Select(path => CompanionSuffixes.Aggregate(path, (stem, suffix) => stem.EndsWith(suffix, StringComparison.Ordinal) ? stem[..^suffix.Length] : stem))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
        foreach (string stem in stems.Take(Math.Max(0, stems.Length - maximumCopies)))
        {
            DeleteSet(stem);
            OutboxLog.DeletedOldCorruptCopy(logger, stem, maximumCopies);
        }

        SyncDirectory();
    }

    /// <summary>
    /// Deletes every copy moved aside as <c>.corrupt-*</c> (with its companions). A forget calls it: a damaged database cannot be
    /// searched reliably for the forgotten window, and it is never uploaded, so deleting all of it is the side that deletes more.
    /// </summary>
    /// <returns>How many copies were deleted.</returns>
    internal int DeleteCorruptCopies() => DeleteOldCopiesCount(0);

    private int DeleteOldCopiesCount(int maximumCopies)
    {
        string prefix = Path.GetFileName(databasePath) + ".corrupt-";
        string[] stems = [.. Directory.EnumerateFiles(DirectoryPath, prefix + "*")
            .Select(path => CompanionSuffixes.Aggregate(path, (stem, suffix) => stem.EndsWith(suffix, StringComparison.Ordinal) ? stem[..^suffix.Length] : stem))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
        string[] doomed = [.. stems.Take(Math.Max(0, stems.Length - maximumCopies))];
        foreach (string stem in doomed)
        {
            DeleteSet(stem);
        }

        if (doomed.Length > 0)
        {
            SyncDirectory();
        }

        return doomed.Length;
    }

    private static bool SetExists(string path) =>
        File.Exists(path) || CompanionSuffixes.Any(suffix => File.Exists(path + suffix));

    private static void DeleteSet(string path)
    {
        File.Delete(path);
        foreach (string suffix in CompanionSuffixes)
        {
            File.Delete(path + suffix);
        }
    }

    private void SyncDirectory()
    {
        int errno = Interop.SyncDirectory(DirectoryPath);
        if (errno != 0)
        {
            OutboxLog.DirectorySyncFailed(logger, DirectoryPath, errno);
        }
    }
}
