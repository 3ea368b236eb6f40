namespace EdgeCapture.Video.Simulation;

/// <summary>A colour in BT.601 limited-range YCbCr, what HDMI capture delivers.</summary>
internal readonly record struct YuvColor(byte Y, byte U, byte V)
{
    public static YuvColor FromRgb(int red, int green, int blue)
    {
        double y = 16 + (((65.481 * red) + (128.553 * green) + (24.966 * blue)) / 255);
        double u = 128 + (((-37.797 * red) - (74.203 * green) + (112.0 * blue)) / 255);
        double v = 128 + (((112.0 * red) - (93.786 * green) - (18.214 * blue)) / 255);
        return new YuvColor(Clamp(y), Clamp(u), Clamp(v));
    }

    private static byte Clamp(double value) => (byte)Math.Clamp((int)Math.Round(value), 0, 255);
}

/// <summary>Draws rectangles and 5x7 text straight into a packed UYVY buffer.</summary>
internal ref struct UyvyCanvas
{
    private readonly Span<byte> _pixels;
    private readonly int _stride;

    public UyvyCanvas(Span<byte> pixels, int width, int height, int stride)
    {
        _pixels = pixels;
        Width = width;
        Height = height;
        _stride = stride;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Fills a rectangle; x is rounded to even columns so chroma pairs stay whole.</summary>
    public readonly void FillRectangle(int x, int y, int width, int height, YuvColor color)
    {
        int left = Math.Clamp(x & ~1, 0, Width);
        int right = Math.Clamp((x + width + 1) & ~1, 0, Width);
        int top = Math.Clamp(y, 0, Height);
        int bottom = Math.Clamp(y + height, 0, Height);
        if (left >= right || top >= bottom)
        {
            return;
        }

        Span<byte> pattern = [color.U, color.Y, color.V, color.Y];
        int pattern32 = BitConverter.ToInt32(pattern);
        for (int row = top; row < bottom; row++)
        {
            Span<int> pairs = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(
                _pixels.Slice((row * _stride) + (left * 2), (right - left) * 2));
            pairs.Fill(pattern32);
        }
    }

    /// <summary>Sets one pixel's luma and neutralises its pair's chroma (for the cursor and glyph edges on grey backgrounds).</summary>
    public readonly void SetPixel(int x, int y, YuvColor color)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            return;
        }

        int pair = (y * _stride) + ((x & ~1) * 2);
        _pixels[pair] = color.U;
        _pixels[pair + 2] = color.V;
        _pixels[pair + 1 + ((x & 1) * 2)] = color.Y;
    }

    /// <summary>Draws text with each font pixel as a <paramref name="scale"/> square; returns the x after the last glyph.</summary>
    public readonly int DrawText(int x, int y, ReadOnlySpan<char> text, YuvColor color, int scale, int maximumX)
    {
        int advance = (BitmapFont.GlyphWidth + 1) * scale;
        foreach (char character in text)
        {
            if (x + advance > maximumX)
            {
                break;
            }

            for (int column = 0; column < BitmapFont.GlyphWidth; column++)
            {
                for (int row = 0; row < BitmapFont.GlyphHeight; row++)
                {
                    if (!BitmapFont.IsSet(character, column, row))
                    {
                        continue;
                    }

                    for (int dy = 0; dy < scale; dy++)
                    {
                        for (int dx = 0; dx < scale; dx++)
                        {
                            SetLuma(x + (column * scale) + dx, y + (row * scale) + dy, color.Y);
                        }
                    }
                }
            }

            x += advance;
        }

        return x;
    }

    private readonly void SetLuma(int x, int y, byte luma)
    {
        if ((uint)x < (uint)Width && (uint)y < (uint)Height)
        {
            _pixels[(y * _stride) + (x * 2) + 1] = luma;
        }
    }
}
