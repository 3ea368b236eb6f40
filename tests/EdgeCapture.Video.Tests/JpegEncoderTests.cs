using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sampling;
using EdgeCapture.Video.Simulation;

namespace EdgeCapture.Video.Tests;

public sealed class JpegEncoderTests
{
    /// <summary>Decodes with djpeg (libjpeg-turbo-progs), an independent standard decoder, to binary PPM.</summary>
    private static (int Width, int Height, byte[] Rgb)? DecodeWithDjpeg(ReadOnlySpan<byte> jpeg)
    {
        string? djpeg = ExternalTool.Require("djpeg", "the Debian package libjpeg-turbo-progs");
        if (djpeg is null)
        {
            return null;
        }

        (int exitCode, byte[] output, string error) = ExternalTool.Run(djpeg, ["-pnm"], jpeg.ToArray());
        Assert.True(exitCode == 0, $"djpeg failed: {error}");
        return ParsePpm(output);
    }

    private static (int Width, int Height, byte[] Rgb) ParsePpm(byte[] ppm)
    {
        // P6\n<width> <height>\n255\n<rgb...>
        int position = 0;
        string[] fields = new string[4];
        for (int field = 0; field < 4; field++)
        {
            while (char.IsWhiteSpace((char)ppm[position]))
            {
                position++;
            }

            int start = position;
            while (!char.IsWhiteSpace((char)ppm[position]))
            {
                position++;
            }

            fields[field] = System.Text.Encoding.ASCII.GetString(ppm, start, position - start);
        }

        Assert.Equal("P6", fields[0]);
        int width = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        int height = int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
        byte[] rgb = ppm.AsSpan(position + 1, width * height * 3).ToArray();
        return (width, height, rgb);
    }

    /// <summary>
    /// 100% colour bars in BT.601 limited range (ITU-R BT.801), as the TC358743 delivers them, with the full-range RGB
    /// each bar is: white, yellow, cyan, green, magenta, red, blue, black.
    /// </summary>
    private static readonly (byte Y, byte U, byte V, byte R, byte G, byte B)[] ColourBars =
    [
        (235, 128, 128, 255, 255, 255), (210, 16, 146, 255, 255, 0), (170, 166, 16, 0, 255, 255), (145, 54, 34, 0, 255, 0),
        (106, 202, 222, 255, 0, 255), (81, 90, 240, 255, 0, 0), (41, 240, 110, 0, 0, 255), (16, 128, 128, 0, 0, 0),
    ];

    private static byte[] Bars(int width, int height, PixelLayout layout)
    {
        byte[] frame = new byte[width * height * 2];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x += 2)
            {
                (byte luma, byte u, byte v, _, _, _) = ColourBars[x * ColourBars.Length / width];
                int offset = (y * width * 2) + (x * 2);
                if (layout == PixelLayout.Uyvy)
                {
                    (frame[offset], frame[offset + 1], frame[offset + 2], frame[offset + 3]) = (u, luma, v, luma);
                }
                else
                {
                    (frame[offset], frame[offset + 1], frame[offset + 2], frame[offset + 3]) = (luma, u, luma, v);
                }
            }
        }

        return frame;
    }

    /// <summary>The full-range equivalent of a limited-range luma (BT.601: (Y - 16) * 255 / 219), the test's own definition.</summary>
    private static int FullRangeLuma(byte limited) => Math.Clamp((int)Math.Round((limited - 16) * 255.0 / 219), 0, 255);

    private static (int R, int G, int B) JfifRgb(int y, int u, int v)
    {
        // JFIF's full-range YCbCr to RGB, what every decoder applies.
        double r = y + (1.402 * (v - 128));
        double g = y - (0.344136 * (u - 128)) - (0.714136 * (v - 128));
        double b = y + (1.772 * (u - 128));
        return (Math.Clamp((int)Math.Round(r), 0, 255), Math.Clamp((int)Math.Round(g), 0, 255), Math.Clamp((int)Math.Round(b), 0, 255));
    }

    private static byte[] SampleBarCentres(byte[] rgb, int width, int height)
    {
        byte[] samples = new byte[ColourBars.Length * 3];
        for (int bar = 0; bar < ColourBars.Length; bar++)
        {
            // The centre of each bar, away from the chroma blur at the edges.
            int x = ((bar * width) / ColourBars.Length) + (width / ColourBars.Length / 2);
            int offset = (((height / 2) * width) + x) * 3;
            rgb.AsSpan(offset, 3).CopyTo(samples.AsSpan(bar * 3));
        }

        return samples;
    }

    [Theory]
    [InlineData(PixelLayout.Uyvy, 1)]
    [InlineData(PixelLayout.Yuyv, 1)]
    [InlineData(PixelLayout.Uyvy, 2)]
    public void Limited_range_colour_bars_decode_to_their_full_range_colours(PixelLayout layout, int downscale)
    {
        // TC358743 UYVY is limited range; JFIF is full range. Without the expansion white decodes as 235 and black as 16.
        const int Width = 640;
        const int Height = 360;
        using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = 90, DownscaleFactor = downscale });
        ReadOnlySpan<byte> jpeg = encoder.EncodePacked(Bars(Width, Height, layout), layout, Width, Height, Width * 2, out int width, out int height);
        Assert.Equal(Width / downscale, width);
        Assert.Equal(Height / downscale, height);
        Assert.Equal(0xFF, jpeg[0]);
        Assert.Equal(0xD8, jpeg[1]);

        var decoded = DecodeWithDjpeg(jpeg);
        if (decoded is null)
        {
            return;
        }

        Assert.Equal(width, decoded.Value.Width);
        Assert.Equal(height, decoded.Value.Height);
        byte[] samples = SampleBarCentres(decoded.Value.Rgb, width, height);
        for (int bar = 0; bar < ColourBars.Length; bar++)
        {
            (_, _, _, byte r, byte g, byte b) = ColourBars[bar];
            string where = $"bar {bar}: decoded ({samples[bar * 3]}, {samples[(bar * 3) + 1]}, {samples[(bar * 3) + 2]}), expected ({r}, {g}, {b})";
            Assert.True(Math.Abs(samples[bar * 3] - r) <= 8, where);
            Assert.True(Math.Abs(samples[(bar * 3) + 1] - g) <= 8, where);
            Assert.True(Math.Abs(samples[(bar * 3) + 2] - b) <= 8, where);
        }
    }

    [Fact]
    public void A_full_range_source_is_encoded_unchanged()
    {
        const int Width = 640;
        const int Height = 360;
        using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = 90, SourceRange = YCbCrRange.Full });
        byte[] jpeg = encoder.EncodePacked(Bars(Width, Height, PixelLayout.Uyvy), PixelLayout.Uyvy, Width, Height, Width * 2, out _, out _).ToArray();
        var decoded = DecodeWithDjpeg(jpeg);
        if (decoded is null)
        {
            return;
        }

        byte[] samples = SampleBarCentres(decoded.Value.Rgb, Width, Height);
        for (int bar = 0; bar < ColourBars.Length; bar++)
        {
            (byte y, byte u, byte v, _, _, _) = ColourBars[bar];
            (int r, int g, int b) = JfifRgb(y, u, v);
            Assert.InRange(samples[bar * 3], r - 6, r + 6);
            Assert.InRange(samples[(bar * 3) + 1], g - 6, g + 6);
            Assert.InRange(samples[(bar * 3) + 2], b - 6, b + 6);
        }
    }

    [Fact]
    public void Range_expansion_matches_the_bt601_definition_on_every_sample()
    {
        // Every byte value, through the vector path (a 256-byte plane) and the scalar tail (3 bytes), against the double formula.
        byte[] all = Enumerable.Range(0, 256).Select(v => (byte)v).ToArray();
        byte[] luma = [.. all, 7, 128, 250];
        byte[] chroma = [.. all, 7, 128, 250];
        SampleRange.ExpandLuma(luma);
        SampleRange.ExpandChroma(chroma);
        for (int i = 0; i < luma.Length; i++)
        {
            int source = i < 256 ? i : new[] { 7, 128, 250 }[i - 256];
            int expectedLuma = FullRangeLuma((byte)source);
            int expectedChroma = Math.Clamp((int)Math.Round(((Math.Clamp(source, 16, 240) - 128) * 255.0 / 224) + 128), 0, 255);
            Assert.True(Math.Abs(luma[i] - expectedLuma) <= 1, $"luma {source}: {luma[i]} vs {expectedLuma}");
            Assert.True(Math.Abs(chroma[i] - expectedChroma) <= 1, $"chroma {source}: {chroma[i]} vs {expectedChroma}");
        }

        Assert.Equal((0, 255, 128), (luma[16], luma[235], chroma[128]));
    }

    [Fact]
    public void A_simulated_desktop_frame_decodes_back_close_to_its_source()
    {
        var script = DesktopActivityScript.CreateDefault(7, TimeSpan.FromSeconds(20));
        var desktop = new SimulatedDesktop(script, 7);
        byte[] frame = new byte[1920 * 1080 * 2];
        desktop.Render(TimeSpan.FromSeconds(15), frame, 1920, 1080, 3840);
        using var encoder = new JpegEncoder(new JpegEncodingOptions());
        byte[] jpeg = encoder.EncodePacked(frame, PixelLayout.Uyvy, 1920, 1080, 3840, out _, out _).ToArray();
        Assert.InRange(jpeg.Length, 20_000, 600_000);

        var decoded = DecodeWithDjpeg(jpeg);
        if (decoded is null)
        {
            return;
        }

        Assert.Equal((1920, 1080), (decoded.Value.Width, decoded.Value.Height));

        // Compare luma of the decoded image (from RGB) with the source luma in full range: mean absolute error stays small.
        long error = 0;
        for (int pixel = 0; pixel < 1920 * 1080; pixel++)
        {
            byte[] rgb = decoded.Value.Rgb;
            double luma = (0.299 * rgb[pixel * 3]) + (0.587 * rgb[(pixel * 3) + 1]) + (0.114 * rgb[(pixel * 3) + 2]);
            error += Math.Abs((int)Math.Round(luma) - FullRangeLuma(frame[(pixel * 2) + 1]));
        }

        double meanError = error / (1920.0 * 1080);
        Assert.True(meanError < 3.0, $"mean luma error {meanError:F2}");
    }

    [Fact]
    public void The_thumbnail_decoder_reads_what_the_encoder_wrote()
    {
        byte[] frame = Bars(640, 360, PixelLayout.Uyvy);
        using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = 90 });
        byte[] jpeg = encoder.EncodePacked(frame, PixelLayout.Uyvy, 640, 360, 1280, out _, out _).ToArray();
        using var decoder = new JpegThumbnailDecoder();
        Assert.Equal((640, 360), decoder.ReadSize(jpeg));
        var fromJpeg = new FrameThumbnail();
        decoder.DecodeThumbnail(jpeg, fromJpeg);
        var fromPixels = new FrameThumbnail();
        byte[] fullRange = (byte[])frame.Clone();
        for (int i = 1; i < fullRange.Length; i += 2)
        {
            fullRange[i] = (byte)FullRangeLuma(fullRange[i]);
        }

        new LumaReducer().Reduce(fullRange, 640, 360, 1280, lumaInHighByte: true, fromPixels);
        Assert.Equal((80, 45), (fromJpeg.Width, fromJpeg.Height));
        Assert.True(fromJpeg.IsComparableTo(fromPixels));

        // Same picture through two paths: only blocks on bar edges may differ by more than the noise threshold.
        Assert.True(ChangeDetector.CountChangedBlocks(fromJpeg, fromPixels, 6) <= 45 * 2, "thumbnails from JPEG and from pixels disagree");
    }

    [Fact]
    public void Mjpeg_frames_without_huffman_tables_still_decode_for_change_detection()
    {
        // Many UVC devices omit DHT and rely on the standard tables of ITU-T T.81 Annex K, which libjpeg uses by default.
        byte[] frame = Bars(640, 360, PixelLayout.Uyvy);
        using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = 80 });
        byte[] jpeg = encoder.EncodePacked(frame, PixelLayout.Uyvy, 640, 360, 1280, out _, out _).ToArray();
        var stripped = new List<byte>(jpeg.Length);
        int position = 2;
        stripped.AddRange(jpeg[..2]);
        int removed = 0;
        while (jpeg[position] == 0xFF && jpeg[position + 1] != 0xDA)
        {
            int length = (jpeg[position + 2] << 8) | jpeg[position + 3];
            if (jpeg[position + 1] == 0xC4)
            {
                removed++;
            }
            else
            {
                stripped.AddRange(jpeg.AsSpan(position, 2 + length).ToArray());
            }

            position += 2 + length;
        }

        stripped.AddRange(jpeg[position..]);
        Assert.True(removed > 0, "the encoder wrote Huffman tables to strip");

        using var decoder = new JpegThumbnailDecoder();
        var withTables = new FrameThumbnail();
        var withoutTables = new FrameThumbnail();
        decoder.DecodeThumbnail(jpeg, withTables);
        decoder.DecodeThumbnail(stripped.ToArray(), withoutTables);
        Assert.Equal(0, ChangeDetector.CountChangedBlocks(withoutTables, withTables, 0));
    }

    [Fact]
    public void Garbage_is_a_clear_codec_error()
    {
        using var decoder = new JpegThumbnailDecoder();
        var exception = Assert.Throws<JpegCodecException>(() => decoder.ReadSize([1, 2, 3, 4, 5]));
        Assert.Contains("JPEG", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(101, 1)]
    [InlineData(75, 3)]
    public void Options_out_of_range_are_rejected(int quality, int downscale)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new JpegEncoder(new JpegEncodingOptions { Quality = quality, DownscaleFactor = downscale }));
    }

    [Fact]
    public void A_frame_too_small_for_its_size_is_rejected()
    {
        using var encoder = new JpegEncoder(new JpegEncodingOptions());
        Assert.Throws<ArgumentException>(() => encoder.EncodePacked(new byte[100], PixelLayout.Uyvy, 64, 64, 128, out _, out _));
    }
}
