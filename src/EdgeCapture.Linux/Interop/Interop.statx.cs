using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static unsafe partial class Interop
{
    // sys/stat.h and statx
    public const int AT_FDCWD = -100;
    public const uint STATX_TYPE = 0x1;
    public const int S_IFMT = 0xF000;
    public const int S_IFIFO = 0x1000;
    public const int S_IFCHR = 0x2000;
    public const int S_IFREG = 0x8000;

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StatX(int directoryFileDescriptor, string path, int flags, uint mask, byte* buffer);

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

    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const uint STATX_MODE = 0x2;
    public const uint STATX_UID = 0x8;
    public const uint STATX_GID = 0x10;

    /// <summary>Type, owner, group and mode of a path, a final symbolic link not followed: 0, or the errno.</summary>
    public static int GetFileStatus(string path, out UnixFileStatus status)
    {
        // struct statx: stx_uid is the __u32 at offset 20, stx_gid at 24, stx_mode the __u16 at 28 (same on every architecture).
        byte* buffer = stackalloc byte[256];
        if (StatX(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID, buffer) != 0)
        {
            status = default;
            return LastError;
        }

        int mode = *(ushort*)(buffer + 28);
        status = new UnixFileStatus(mode & S_IFMT, *(uint*)(buffer + 20), *(uint*)(buffer + 24), (UnixFileMode)(mode & 0xFFF));
        return 0;
    }
}
