using System.Runtime.InteropServices;

namespace EdgeCapture.Storage.Interop;

/// <summary>The few libc calls .NET does not expose: fsync of a directory, which makes a rename durable.</summary>
internal static partial class LibC
{
    // Same value on x86-64, arm and arm64 (asm-generic/fcntl.h): O_RDONLY is 0, O_CLOEXEC is 02000000.
    private const int OpenReadOnlyCloseOnExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fileDescriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fileDescriptor);

    /// <summary>Flushes a directory's entries (created, renamed, deleted files) to stable storage.</summary>
    /// <returns>0 on success, otherwise the errno.</returns>
    internal static int SyncDirectory(string directoryPath)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return 0;
        }

        int descriptor = Open(directoryPath, OpenReadOnlyCloseOnExec);
        if (descriptor < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        int result = Fsync(descriptor) == 0 ? 0 : Marshal.GetLastPInvokeError();
        _ = Close(descriptor);
        return result;
    }
}
