using System.Runtime.InteropServices;

namespace EdgeCapture.Input.Interop;

/// <summary>The libc calls the evdev reader needs. Every call returns -1 and sets errno on failure.</summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    // fcntl.h (identical on x86-64, arm64 and armhf).
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    // poll.h
    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    // eventfd.h
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    // sys/stat.h and statx
    public const int AT_FDCWD = -100;
    public const uint STATX_TYPE = 0x1;
    public const int S_IFMT = 0xF000;
    public const int S_IFIFO = 0x1000;
    public const int S_IFCHR = 0x2000;
    public const int S_IFREG = 0x8000;

    // fcntl commands
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

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoControl(int fileDescriptor, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoControl(int fileDescriptor, nuint request, nint argument);

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
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int EPIPE = 32;
    public const int ESHUTDOWN = 108;
}

/// <summary>evdev ioctl request numbers (include/uapi/linux/input.h; asm-generic _IOC layout, as on x86 and ARM).</summary>
internal static class EvdevIoctl
{
    private const uint Write = 1;
    private const uint ReadDirection = 2;
    private const uint TypeE = 'E';

    /// <summary>EVIOCGVERSION: _IOR('E', 0x01, int).</summary>
    public static readonly uint GetVersion = Encode(ReadDirection, 0x01, 4);

    /// <summary>EVIOCGID: _IOR('E', 0x02, struct input_id).</summary>
    public static readonly uint GetId = Encode(ReadDirection, 0x02, 8);

    /// <summary>EVIOCGRAB: _IOW('E', 0x90, int), argument passed by value.</summary>
    public static readonly uint Grab = Encode(Write, 0x90, 4);

    /// <summary>EVIOCSCLOCKID: _IOW('E', 0xa0, int), argument is a pointer to the clock id.</summary>
    public static readonly uint SetClockId = Encode(Write, 0xa0, 4);

    /// <summary>CLOCK_MONOTONIC.</summary>
    public const int ClockMonotonic = 1;

    /// <summary>EVIOCGKEY(len): _IOC(_IOC_READ, 'E', 0x18, len).</summary>
    public static uint GetKeyState(int length) => Encode(ReadDirection, 0x18, (uint)length);

    /// <summary>EVIOCGBIT(ev, len): _IOC(_IOC_READ, 'E', 0x20 + ev, len).</summary>
    public static uint GetBits(int eventType, int length) => Encode(ReadDirection, 0x20 + (uint)eventType, (uint)length);

    private static uint Encode(uint direction, uint number, uint size) => (direction << 30) | (size << 16) | (TypeE << 8) | number;
}
