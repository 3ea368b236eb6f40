using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static unsafe partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoControl(int fileDescriptor, nuint request, void* argument);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoControl(int fileDescriptor, nuint request, nint argument);

    /// <summary>
    /// Encodes an ioctl request number with the asm-generic _IOC layout (x86 and ARM): direction in bits 30-31, argument
    /// size in bits 16-29, type in bits 8-15, number in bits 0-7.
    /// </summary>
    public static uint IoctlRequest(uint direction, char type, uint number, uint size) => (direction << 30) | (size << 16) | ((uint)type << 8) | number;

    /// <summary>_IOC_WRITE: userland writes the argument.</summary>
    public const uint IocWrite = 1;

    /// <summary>_IOC_READ: the kernel fills the argument.</summary>
    public const uint IocRead = 2;
}
