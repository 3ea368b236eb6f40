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
        string? djpeg = ExternalTool.Find("djpeg", "libjpeg-turbo-progs");
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

    private static byte[] Bars(int width, int height, PixelLayout layout)
    {
        // Eight vertical bars of known BT.601 colours (grey ramp plus primaries).
        (byte Y, byte U, byte V)[] bars =
        [
            (235, 128, 128), (16, 128, 128), (126, 128, 128), (82, 90, 240), (145, 54, 34), (41, 240, 110), (210, 16, 146), (170, 166, 16),
        ];
        byte[] frame = new byte[width * height * 2];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x += 2)
            {
                (byte luma, byte u, byte v) = bars[x * bars.Length / width];
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

    private static (int R, int G, int B) ExpectedRgb(byte y, byte u, byte v)
    {
        // JPEG stores full-range YCbCr (JFIF): the encoder passes the HDMI samples through, so a decoder reproduces them as full range.
        double r = y + (1.402 * (v - 128));
        double g = y - (0.344136 * (u - 128)) - (0.714136 * (v - 128));
        double b = y + (1.772 * (u - 128));
        return (Math.Clamp((int)Math.Round(r), 0, 255), Math.Clamp((int)Math.Round(g), 0, 255), Math.Clamp((int)Math.Round(b), 0, 255));
    }

    [Theory]
    [InlineData(PixelLayout.Uyvy, 1)]
    [InlineData(PixelLayout.Yuyv, 1)]
    [InlineData(PixelLayout.Uyvy, 2)]
    public void Encoded_bars_decode_to_the_expected_size_and_colours(PixelLayout layout, int downscale)
    {
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
        (byte Y, byte U, byte V)[] bars =
        [
            (235, 128, 128), (16, 128, 128), (126, 128, 128), (82, 90, 240), (145, 54, 34), (41, 240, 110), (210, 16, 146), (170, 166, 16),
        ];
        for (int bar = 0; bar < bars.Length; bar++)
        {
            // Sample the centre of each bar, away from the chroma blur at the edges.
            int x = ((bar * width) / bars.Length) + (width / bars.Length / 2);
            int y = height / 2;
            int offset = ((y * width) + x) * 3;
            (int r, int g, int b) = ExpectedRgb(bars[bar].Y, bars[bar].U, bars[bar].V);
            Assert.InRange(decoded.Value.Rgb[offset], r - 6, r + 6);
            Assert.InRange(decoded.Value.Rgb[offset + 1], g - 6, g + 6);
            Assert.InRange(decoded.Value.Rgb[offset + 2], b - 6, b + 6);
        }
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

        // Compare luma of the decoded image (from RGB) with the source luma: mean absolute error stays small.
        long error = 0;
        for (int pixel = 0; pixel < 1920 * 1080; pixel++)
        {
            byte[] rgb = decoded.Value.Rgb;
            double luma = (0.299 * rgb[pixel * 3]) + (0.587 * rgb[(pixel * 3) + 1]) + (0.114 * rgb[(pixel * 3) + 2]);
            error += Math.Abs((int)Math.Round(luma) - frame[(pixel * 2) + 1]);
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
        new LumaReducer().Reduce(frame, 640, 360, 1280, lumaInHighByte: true, fromPixels);
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
