using System.Globalization;

namespace EdgeCapture.Collector.Storage;

/// <summary>fsync of a directory (through EdgeCapture.Linux), so a created, renamed or deleted file is durable; a failure is an error, never ignored.</summary>
internal static class DirectorySync
{
    /// <summary>Syncs <paramref name="directoryPath"/>.</summary>
    /// <param name="directoryPath">The directory.</param>
    /// <exception cref="IOException">The directory could not be synced.</exception>
    public static void Sync(string directoryPath)
    {
        int errno = EdgeCapture.Linux.Interop.SyncDirectory(directoryPath);
        if (errno != 0)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"fsync of directory {directoryPath} failed (errno {errno})."));
        }
    }
}
