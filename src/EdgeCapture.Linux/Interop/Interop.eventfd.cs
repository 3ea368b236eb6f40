using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    // sys/eventfd.h
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFileDescriptor(uint initialValue, int flags);
}
