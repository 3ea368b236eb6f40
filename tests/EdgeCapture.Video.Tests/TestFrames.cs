using EdgeCapture.Video.Frames;

namespace EdgeCapture.Video.Tests;

/// <summary>Builds small synthetic packed frames for sampler tests.</summary>
internal static class TestFrames
{
    public static RawFrame Uyvy(RawFramePool pool, int width, int height, long timestamp, long sequence, byte background, params (int X, int Y, int Width, int Height, byte Luma)[] rectangles)
    {
        Assert.True(pool.TryRent(out RawFrame? frame));
        int stride = width * 2;
        Span<byte> pixels = frame.GetWritableSpan(stride * height);
        for (int i = 0; i < pixels.Length; i += 2)
        {
            pixels[i] = 128;
            pixels[i + 1] = background;
        }

        foreach ((int x, int y, int w, int h, byte luma) in rectangles)
        {
            for (int row = Math.Max(0, y); row < Math.Min(height, y + h); row++)
            {
                for (int column = Math.Max(0, x); column < Math.Min(width, x + w); column++)
                {
                    pixels[(row * stride) + (column * 2) + 1] = luma;
                }
            }
        }

        frame.Describe(PixelLayout.Uyvy, width, height, stride, stride * height, timestamp, sequence);
        return frame;
    }
}
