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

    [Theory]
    [InlineData(Architecture.X64)]
    [InlineData(Architecture.Arm64)]
    public void V4l2_structs_have_the_64_bit_header_sizes(Architecture architecture)
    {
        // videodev2.h on LP64: pointers, unsigned long and struct timeval are 8 bytes; v4l2_event's union holds an __s64.
        Assert.Equal(
            new V4l2StructSizes(BtTimings: 124, DvTimings: 132, EventSubscription: 32, Event: 136, PixFormat: 48, Format: 208, RequestBuffers: 20, Timecode: 16, Buffer: 88),
            KernelStructSizes.V4l2For(architecture));
    }

    [Theory]
    [InlineData(Architecture.Arm)]
    [InlineData(Architecture.Armv6)]
    public void V4l2_structs_have_the_32_bit_arm_header_sizes(Architecture architecture)
    {
        // armhf time32: v4l2_format = 4 + a 200-byte union; v4l2_buffer = 5 u32 + timeval 8 + timecode 16 + 2 u32 + m 4
        // + 3 u32; v4l2_event = type 4 + 4 padding (the union's __s64 is 8-aligned under AAPCS) + 64 + 2 u32 + timespec 8
        // + id 4 + 32 reserved = 124, rounded up to the 8-byte alignment.
        Assert.Equal(
            new V4l2StructSizes(BtTimings: 124, DvTimings: 132, EventSubscription: 32, Event: 128, PixFormat: 48, Format: 204, RequestBuffers: 20, Timecode: 16, Buffer: 68),
            KernelStructSizes.V4l2For(architecture));
    }

    [Fact]
    public void V4l2_layouts_of_this_process_match_the_kernel_and_an_unknown_abi_is_refused()
    {
        V4l2StructSizes kernel = KernelStructSizes.V4l2For(RuntimeInformation.ProcessArchitecture);

        Assert.Equal(kernel.BtTimings, Marshal.SizeOf<V4l2.BtTimings>());
        Assert.Equal(kernel.DvTimings, Marshal.SizeOf<V4l2.DvTimings>());
        Assert.Equal(kernel.EventSubscription, Marshal.SizeOf<V4l2.EventSubscription>());
        Assert.Equal(kernel.Event, Marshal.SizeOf<V4l2.Event>());
        Assert.Equal(8, Marshal.OffsetOf<V4l2.Event>(nameof(V4l2.Event.u)).ToInt32());
        Assert.Equal(kernel.PixFormat, Marshal.SizeOf<V4l2Streaming.PixFormat>());
        Assert.Equal(kernel.Format, Marshal.SizeOf<V4l2Streaming.Format>());
        Assert.Equal(kernel.RequestBuffers, Marshal.SizeOf<V4l2Streaming.RequestBuffersArgument>());
        Assert.Equal(kernel.Timecode, Marshal.SizeOf<V4l2Streaming.Timecode>());
        Assert.Equal(kernel.Buffer, Marshal.SizeOf<V4l2Streaming.Buffer>());
        Assert.Equal(Environment.Is64BitProcess ? 64 : 52, Marshal.OffsetOf<V4l2Streaming.Buffer>(nameof(V4l2Streaming.Buffer.m)).ToInt32());
        KernelStructSizes.VerifyV4l2();

        Assert.Throws<PlatformNotSupportedException>(() => KernelStructSizes.V4l2For(Architecture.X86));
    }
}
