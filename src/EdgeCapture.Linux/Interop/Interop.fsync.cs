using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fileDescriptor);

    /// <summary>Flushes a directory's entries (created, renamed, deleted files) to stable storage: 0, or the errno.</summary>
    public static int SyncDirectory(string directoryPath)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return 0;
        }

        int descriptor = Open(directoryPath, O_RDONLY | O_CLOEXEC, 0);
        if (descriptor < 0)
        {
            return LastError;
        }

        int result = Fsync(descriptor) == 0 ? 0 : LastError;
        _ = Close(descriptor);
        return result;
    }
}
