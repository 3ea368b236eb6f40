using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static unsafe partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fileDescriptor, byte* buffer, nint count);

    /// <summary>write(2) from a span: the byte count, or -errno (EAGAIN when a non-blocking descriptor is full).</summary>
    public static int Write(int fileDescriptor, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            nint result = Write(fileDescriptor, pointer, buffer.Length);
            return result < 0 ? -LastError : (int)result;
        }
    }
}
