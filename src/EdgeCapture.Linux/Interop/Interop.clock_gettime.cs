using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

internal static partial class Interop
{
    // time.h
    public const int CLOCK_MONOTONIC = 1;

    /// <summary>
    /// clock_gettime(2). <see cref="MonotonicClock"/> does not call it (it reads <see cref="TimeProvider"/>); it is the
    /// kernel's own answer the clock's tests compare against, so they do not check the clock with itself.
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGetTime(int clockId, out TimeSpecification time);
}

/// <summary><c>struct timespec</c>: <c>time_t</c> and <c>long</c>, pointer-sized on time32 and 64-bit userland.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeSpecification
{
    public nint tv_sec;
    public nint tv_nsec;
}
