using System.Runtime.InteropServices;

namespace EdgeCapture.Collector.Interop;

/// <summary>The libc call .NET does not expose: fsync of a directory, which makes a created, renamed or deleted entry durable.</summary>
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

    /// <summary>Flushes a directory's entries to stable storage.</summary>
    /// <param name="directoryPath">The directory.</param>
    /// <exception cref="IOException">The directory cannot be opened or synced.</exception>
    internal static void SyncDirectory(string directoryPath)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return;
        }

        int descriptor = Open(directoryPath, OpenReadOnlyCloseOnExec);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open directory {directoryPath} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        int result = Fsync(descriptor);
        int errno = Marshal.GetLastPInvokeError();
        _ = Close(descriptor);
        if (result != 0)
        {
            throw new IOException($"fsync of directory {directoryPath} failed (errno {errno}).");
        }
    }
}
