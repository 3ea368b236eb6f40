using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fileDescriptor);
}
