using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fileDescriptor);

    /// <summary>Flushes a directory's entries (created, renamed, deleted files) to stable storage: 0, or the errno.</summary>
    public static int SyncDirectory(string directoryPath) =>
        !OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD() ? 0 : OnDirectory(directoryPath, static descriptor => Fsync(descriptor));

    /// <summary>Opens <paramref name="directoryPath"/> read-only, runs <paramref name="call"/> on its descriptor and closes it: 0, or the errno of the open or the call.</summary>
    private static int OnDirectory(string directoryPath, Func<int, int> call)
    {
        int descriptor = Open(directoryPath, O_RDONLY | O_CLOEXEC, 0);
        if (descriptor < 0)
        {
            return LastError;
        }

        int result = call(descriptor) == 0 ? 0 : LastError;
        _ = Close(descriptor);
        return result;
    }
}
