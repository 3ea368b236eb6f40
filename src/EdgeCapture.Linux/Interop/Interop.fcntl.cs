using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    // fcntl commands
    public const int F_SETPIPE_SZ = 1031;
    public const int F_GETPIPE_SZ = 1032;

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int FileControl(int fileDescriptor, int command, int argument);
}
