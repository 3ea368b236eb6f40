namespace EdgeCapture.Linux;

/// <summary>
/// The libc calls the box makes, one file per call (dotnet/iot's layout). Every call returns -1 and sets errno on
/// failure; read it with <see cref="LastError"/>. Constants are the asm-generic values, identical on x86-64, arm64 and armhf.
/// </summary>
internal static unsafe partial class Interop
{
    /// <summary>The one place the C library is named.</summary>
    private const string Libc = "libc";
}
