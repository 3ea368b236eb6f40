using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fileDescriptor);

    /// <summary>Flushes everything written to the file system <paramref name="directoryPath"/> is on (syncfs; fsync of the directory elsewhere than Linux): 0, or the errno.</summary>
    public static int SyncFileSystem(string directoryPath) =>
        OperatingSystem.IsLinux() ? OnDirectory(directoryPath, static descriptor => SyncFs(descriptor)) : SyncDirectory(directoryPath);
}
