using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static unsafe partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fileDescriptor, byte* buffer, nint count);

    /// <summary>read(2) into a span: the byte count, or -errno (EAGAIN on an empty non-blocking descriptor).</summary>
    public static int Read(int fileDescriptor, Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            nint result = Read(fileDescriptor, pointer, buffer.Length);
            return result < 0 ? -LastError : (int)result;
        }
    }
}
