using System.Runtime.InteropServices;

namespace EdgeCapture.Relay.Interop;

/// <summary>The libc calls the gadget writer needs. Every call returns -1 and sets errno on failure.</summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    // fcntl.h (identical on x86-64, arm64 and armhf).
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    public const int AT_FDCWD = -100;
    public const uint STATX_TYPE = 0x1;
    public const int S_IFMT = 0xF000;
    public const int S_IFIFO = 0x1000;
    public const int S_IFCHR = 0x2000;

    public const int F_SETPIPE_SZ = 1031;
    public const int F_GETPIPE_SZ = 1032;

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fileDescriptor);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fileDescriptor, byte* buffer, nint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fileDescriptor, byte* buffer, nint count);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFileDescriptor* fileDescriptors, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFileDescriptor(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MakeFifo(string path, uint mode);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int FileControl(int fileDescriptor, int command, int argument);

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StatX(int directoryFileDescriptor, string path, int flags, uint mask, byte* buffer);

    /// <summary>The last errno as a positive number.</summary>
    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>The S_IFMT bits of a path (statx's layout is the same on every architecture), or -errno.</summary>
    public static int GetFileType(string path)
    {
        // struct statx is 256 bytes; stx_mode is the __u16 at offset 28.
        byte* buffer = stackalloc byte[256];
        if (StatX(AT_FDCWD, path, 0, STATX_TYPE, buffer) != 0)
        {
            return -LastError;
        }

        return *(ushort*)(buffer + 28) & S_IFMT;
    }
}

/// <summary><c>struct pollfd</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFileDescriptor
{
    public int fd;
    public short events;
    public short revents;
}

/// <summary>errno values (asm-generic/errno-base.h, asm-generic/errno.h).</summary>
internal static class Errno
{
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENODEV = 19;
    public const int EPIPE = 32;
    public const int ESHUTDOWN = 108;
}
