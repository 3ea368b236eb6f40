using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    /// <summary>The errno of the last failed call on this thread, as a positive number.</summary>
    public static int LastError => Marshal.GetLastPInvokeError();
}

/// <summary>errno values (asm-generic/errno-base.h, asm-generic/errno.h).</summary>
internal static class Errno
{
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int EPIPE = 32;
    public const int ERANGE = 34;
    public const int ENOLCK = 37;

    /// <summary>What qemu-user answers for an ioctl it does not translate (the arm64 build under emulation).</summary>
    public const int ENOSYS = 38;
    public const int ENOLINK = 67;
    public const int ESHUTDOWN = 108;
}
