using System.Runtime.InteropServices;
using EdgeCapture.Video.Interop;

namespace EdgeCapture.Video.Tests;

/// <summary>Struct sizes and request numbers against include/uapi/linux/videodev2.h (64-bit Linux, as on Pi OS arm64 and x86-64).</summary>
public sealed class V4l2InteropTests
{
    [Fact]
    public void Struct_sizes_match_the_kernel_headers()
    {
        Assert.Equal(124, Marshal.SizeOf<V4l2.BtTimings>());
        Assert.Equal(132, Marshal.SizeOf<V4l2.DvTimings>());
        Assert.Equal(32, Marshal.SizeOf<V4l2.EventSubscription>());
        Assert.Equal(Environment.Is64BitProcess ? 136 : 128, Marshal.SizeOf<V4l2.Event>());
        Assert.Equal(8, Marshal.OffsetOf<V4l2.Event>(nameof(V4l2.Event.u)).ToInt32());
    }

    [Fact]
    public void Request_numbers_match_the_kernel_headers()
    {
        Assert.Equal(0x80845663u, V4l2.QueryDvTimings);
        Assert.Equal(0xC0845657u, V4l2.SetDvTimings);
        Assert.Equal(0x4020565Au, V4l2.SubscribeEvent);
        if (Environment.Is64BitProcess)
        {
            Assert.Equal(0x80885659u, V4l2.DequeueEvent);
        }
    }

    [Fact]
    public void Frames_per_second_come_from_the_pixel_clock_and_the_total_frame()
    {
        var timings = new V4l2.BtTimings
        {
            width = 1920,
            height = 1080,
            pixelclock = 148_500_000,
            hfrontporch = 528,
            hsync = 44,
            hbackporch = 148,
            vfrontporch = 4,
            vsync = 5,
            vbackporch = 36,
        };
        Assert.Equal(50.0, timings.FramesPerSecond, 6);
    }

    [Fact]
    public void An_ioctl_on_a_file_that_is_not_a_video_device_fails_with_enotty()
    {
        // The real ioctl entry point, on a real file: the kernel answers ENOTTY (25), which proves the binding works.
        using var file = File.OpenHandle(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
        V4l2.DvTimings timings = default;
        int result;
        unsafe
        {
            result = V4l2.IoctlPointer((int)file.DangerousGetHandle(), V4l2.QueryDvTimings, &timings);
        }

        Assert.Equal(-1, result);
        Assert.Equal(25, Marshal.GetLastPInvokeError());
    }
}

public sealed class V4l2StreamingInteropTests
{
    [Fact]
    public void Streaming_struct_sizes_match_the_kernel_headers_on_64_bit()
    {
        Assert.True(Environment.Is64BitProcess, "These sizes are the 64-bit ones (Pi OS arm64, x86-64).");
        Assert.Equal(48, Marshal.SizeOf<V4l2Streaming.PixFormat>());
        Assert.Equal(208, Marshal.SizeOf<V4l2Streaming.Format>());
        Assert.Equal(20, Marshal.SizeOf<V4l2Streaming.RequestBuffersArgument>());
        Assert.Equal(16, Marshal.SizeOf<V4l2Streaming.Timecode>());
        Assert.Equal(88, Marshal.SizeOf<V4l2Streaming.Buffer>());
        Assert.Equal(64, Marshal.OffsetOf<V4l2Streaming.Buffer>(nameof(V4l2Streaming.Buffer.m)).ToInt32());
        Assert.Equal(8, Marshal.SizeOf<V4l2Streaming.PollDescriptor>());
    }

    [Fact]
    public void Streaming_request_numbers_match_the_kernel_headers_on_64_bit()
    {
        Assert.Equal(0xC0D05605u, V4l2Streaming.SetFormat);
        Assert.Equal(0xC0145608u, V4l2Streaming.RequestBuffers);
        Assert.Equal(0xC0585609u, V4l2Streaming.QueryBuffer);
        Assert.Equal(0xC058560Fu, V4l2Streaming.QueueBuffer);
        Assert.Equal(0xC0585611u, V4l2Streaming.DequeueBuffer);
        Assert.Equal(0x40045612u, V4l2Streaming.StreamOn);
        Assert.Equal(0x40045613u, V4l2Streaming.StreamOff);
    }

    [Fact]
    public void Four_character_codes_match_the_kernel()
    {
        Assert.Equal(0x59565955u, V4l2Streaming.PixelFormatUyvy);
        Assert.Equal(0x56595559u, V4l2Streaming.PixelFormatYuyv);
        Assert.Equal(0x47504A4Du, V4l2Streaming.PixelFormatMjpeg);
    }
}
