using System.Globalization;

namespace EdgeCapture.Linux;

/// <summary>
/// Makes created, renamed and deleted files durable: fsync of a directory (its entries), and syncfs of the file system a
/// folder is on (every file and folder written under it at once). A failure is an error, never ignored. On systems other
/// than Linux, macOS and FreeBSD both do nothing; syncfs exists only on Linux, and elsewhere the directory's fsync stands in.
/// </summary>
public static class DirectorySync
{
    /// <summary>Syncs <paramref name="directoryPath"/>'s entries.</summary>
    /// <param name="directoryPath">The directory.</param>
    /// <exception cref="IOException">The directory could not be synced.</exception>
    public static void Sync(string directoryPath) => ThrowOnError(Interop.SyncDirectory(directoryPath), "fsync of directory", directoryPath);

    /// <summary>
    /// Syncs the whole file system <paramref name="directoryPath"/> is on: the data and the entries of every file and
    /// folder under it, in one call instead of one fsync per file.
    /// </summary>
    /// <param name="directoryPath">A directory on that file system.</param>
    /// <exception cref="IOException">The file system could not be synced.</exception>
    public static void SyncFileSystem(string directoryPath) => ThrowOnError(Interop.SyncFileSystem(directoryPath), "syncfs of the file system of", directoryPath);

    private static void ThrowOnError(int errno, string what, string directoryPath)
    {
        if (errno != 0)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"{what} {directoryPath} failed (errno {errno})."));
        }
    }
}
