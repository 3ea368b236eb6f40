using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    // sys/mman.h
    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x1;
    public const int MAP_PRIVATE = 0x2;
    public const int MAP_ANONYMOUS = 0x20;

    /// <summary>What mmap returns on failure ((void*)-1).</summary>
    public static readonly nint MAP_FAILED = -1;

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint MemoryMap(nint address, nuint length, int protection, int flags, int fileDescriptor, nint offset);
}
