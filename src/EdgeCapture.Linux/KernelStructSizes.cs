using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

/// <summary>
/// Sizes of the kernel structures the box reads and writes, from the process architecture, and the check that the
/// managed layouts match them. A mismatch would misparse every evdev event, so it is checked, not assumed.
/// </summary>
public static class KernelStructSizes
{
    /// <summary>
    /// <c>struct input_event</c> for a process of <paramref name="architecture"/>: its timeval fields are
    /// <c>__kernel_ulong_t</c> (include/uapi/linux/input.h), so 24 bytes on 64-bit userland and 16 on 32-bit, also
    /// with a 64-bit time_t (the kernel keeps the 32-bit layout for y2038-safe userland).
    /// </summary>
    /// <param name="architecture">The process architecture.</param>
    /// <returns>The size in bytes.</returns>
    public static int InputEventFor(Architecture architecture) => architecture switch
    {
        Architecture.X64 or Architecture.Arm64 or Architecture.LoongArch64 or Architecture.RiscV64 or Architecture.Ppc64le or Architecture.S390x => 24,
        Architecture.X86 or Architecture.Arm or Architecture.Armv6 => 16,
        _ => throw new PlatformNotSupportedException($"No input_event layout is known for {architecture}."),
    };

    /// <summary><c>struct input_event</c> in this process.</summary>
    public static int InputEvent { get; } = InputEventFor(RuntimeInformation.ProcessArchitecture);

    /// <summary><c>struct pollfd</c>: int fd, short events, short revents on every architecture.</summary>
    public const int PollFileDescriptor = 8;

    /// <summary>
    /// Throws when a managed layout differs from the kernel's size for this process. Hardware-facing code calls it once
    /// before it parses anything.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">A layout does not match.</exception>
    public static void Verify()
    {
        int inputEvent = Environment.Is64BitProcess ? Marshal.SizeOf<LinuxInputEvent64>() : Marshal.SizeOf<LinuxInputEvent32>();
        Check("input_event", inputEvent, InputEvent);
        Check("pollfd", Marshal.SizeOf<PollFileDescriptor>(), PollFileDescriptor);
    }

    private static void Check(string name, int managed, int kernel)
    {
        if (managed != kernel)
        {
            throw new PlatformNotSupportedException(
                $"struct {name} is {kernel} bytes for a {RuntimeInformation.ProcessArchitecture} process, but the managed layout is {managed}.");
        }
    }
}
