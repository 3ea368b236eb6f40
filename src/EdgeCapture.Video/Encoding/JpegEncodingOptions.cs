namespace EdgeCapture.Video.Encoding;

/// <summary>How raw frames become JPEG. MJPEG frames from a dongle are passed through and ignore these.</summary>
public sealed record JpegEncodingOptions
{
    /// <summary>JPEG quality 1-100. Default 75: text stays legible at 1080p, a desktop frame is ~100-250 KB.</summary>
    public int Quality { get; init; } = 75;

    /// <summary>Divide width and height by this before encoding: 1 (full size, default) or 2 (960x540 from 1080p).</summary>
    public int DownscaleFactor { get; init; } = 1;

    /// <summary>Use the fast integer DCT: a little faster on a Pi, very slightly less accurate. Default true.</summary>
    public bool FastDct { get; init; } = true;

    /// <summary>
    /// The range of the packed frames' samples. Default <see cref="YCbCrRange.Limited"/>: the TC358743's UYVY (and the
    /// simulated desktop) is BT.601 limited range, which is expanded to JFIF's full range before encoding.
    /// </summary>
    public YCbCrRange SourceRange { get; init; } = YCbCrRange.Limited;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        if (Quality is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(Quality), Quality, "JPEG quality must be 1-100.");
        }

        if (DownscaleFactor is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(DownscaleFactor), DownscaleFactor, "Downscale factor must be 1 or 2.");
        }

        if (!Enum.IsDefined(SourceRange))
        {
            throw new ArgumentOutOfRangeException(nameof(SourceRange), SourceRange, "Source range must be Limited or Full.");
        }
    }
}
