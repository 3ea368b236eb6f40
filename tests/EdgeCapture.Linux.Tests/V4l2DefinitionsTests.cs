using System.Runtime.InteropServices;

namespace EdgeCapture.Linux.Tests;

/// <summary>V4L2 request numbers and four-character codes against include/uapi/linux/videodev2.h (64-bit values).</summary>
public sealed class V4l2DefinitionsTests
{
    [Fact]
    public void Request_numbers_match_the_kernel_headers()
    {
        Assert.Equal(0x80845663u, V4l2.QueryDvTimings);
        Assert.Equal(0xC0845657u, V4l2.SetDvTimings);
        Assert.Equal(0x4020565Au, V4l2.SubscribeEvent);
        Assert.True(Environment.Is64BitProcess, "The remaining numbers are the 64-bit ones (Pi OS arm64, x86-64).");
        Assert.Equal(0x80885659u, V4l2.DequeueEvent);
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
    public unsafe void A_v4l2_ioctl_on_a_file_that_is_not_a_video_device_fails_with_enotty()
    {
        // The real ioctl entry point, on a real file: the kernel answers ENOTTY, which proves the binding works.
        using var file = File.OpenHandle(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
        V4l2.DvTimings timings = default;

        int result = Interop.IoControl((int)file.DangerousGetHandle(), V4l2.QueryDvTimings, &timings);

        Assert.Equal(-1, result);
        Assert.Equal(Errno.ENOTTY, Interop.LastError);
    }

    [Fact]
    public void Mmap_of_a_regular_file_maps_its_bytes_and_munmap_releases_them()
    {
        // The same two calls the capture device makes on its buffers, on a file whose content the test wrote.
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [1, 2, 3, 4]);
            int descriptor = Interop.Open(path, Interop.O_RDONLY | Interop.O_CLOEXEC, 0);
            Assert.True(descriptor >= 0, $"open failed: errno {Interop.LastError}");
            try
            {
                nint address = Interop.MemoryMap(0, 4, Interop.PROT_READ, Interop.MAP_SHARED, descriptor, 0);
                Assert.NotEqual(Interop.MAP_FAILED, address);
                byte[] mapped = new byte[4];
                Marshal.Copy(address, mapped, 0, 4);
                Assert.Equal([1, 2, 3, 4], mapped);
                Assert.Equal(0, Interop.MemoryUnmap(address, 4));
            }
            finally
            {
                _ = Interop.Close(descriptor);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
