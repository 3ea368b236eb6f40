using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MakeFifo(string path, uint mode);
}
