using System.Runtime.InteropServices;

namespace EdgeCapture.Linux.Tests;

public sealed class KernelStructSizesTests
{
    [Theory]
    [InlineData(Architecture.X64, 24)]
    [InlineData(Architecture.Arm64, 24)]
    [InlineData(Architecture.Arm, 16)]
    [InlineData(Architecture.Armv6, 16)]
    [InlineData(Architecture.X86, 16)]
    public void Input_event_is_24_bytes_on_64_bit_userland_and_16_on_32_bit(Architecture architecture, int expected)
    {
        Assert.Equal(expected, KernelStructSizes.InputEventFor(architecture));
    }

    [Fact]
    public void This_process_uses_the_size_of_two_kernel_longs_plus_type_code_and_value()
    {
        // __kernel_ulong_t is pointer-sized on Linux: timeval is two of them, then __u16 type, __u16 code, __s32 value.
        int fromKernelHeader = (2 * IntPtr.Size) + 2 + 2 + 4;

        Assert.Equal(fromKernelHeader, KernelStructSizes.InputEvent);
        Assert.Equal(24, Marshal.SizeOf<LinuxInputEvent64>());
        Assert.Equal(16, Marshal.SizeOf<LinuxInputEvent32>());
        Assert.Equal(8, Marshal.SizeOf<PollFileDescriptor>());
        KernelStructSizes.Verify();
    }

    [Fact]
    public void An_unknown_architecture_is_refused_rather_than_guessed()
    {
        Assert.Throws<PlatformNotSupportedException>(() => KernelStructSizes.InputEventFor(Architecture.Wasm));
    }
}
