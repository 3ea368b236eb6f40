using EdgeCapture.Video.Sampling;

namespace EdgeCapture.Video.Encoding;

/// <summary>
/// Reads JPEG headers and decodes MJPEG frames at 1/8 scale to grayscale: libjpeg-turbo then computes only the DC
/// coefficient of each 8x8 block, which is exactly the block mean the change detector wants, at a fraction of a full decode.
/// </summary>
public sealed class JpegThumbnailDecoder : IDisposable
{
    private nint _handle;

    /// <summary>Creates a decoder. Throws <see cref="DllNotFoundException"/> when libturbojpeg0 is not installed.</summary>
    public JpegThumbnailDecoder()
    {
        _handle = TurboJpeg.InitDecompress();
        if (_handle == 0)
        {
            throw new JpegCodecException("tjInitDecompress failed.");
        }
    }

    /// <summary>Width and height from the JPEG header; throws <see cref="JpegCodecException"/> for data that is not a JPEG.</summary>
    public unsafe (int Width, int Height) ReadSize(ReadOnlySpan<byte> jpeg)
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        int width, height, subsampling, colorspace;
        fixed (byte* data = jpeg)
        {
            if (TurboJpeg.DecompressHeader3(_handle, data, (nuint)jpeg.Length, &width, &height, &subsampling, &colorspace) != 0)
            {
                throw new JpegCodecException($"Not a readable JPEG ({jpeg.Length} bytes): {TurboJpeg.ErrorText(_handle)}");
            }
        }

        return (width, height);
    }

    /// <summary>Decodes <paramref name="jpeg"/> at 1/8 scale, gray, into <paramref name="target"/>.</summary>
    public unsafe void DecodeThumbnail(ReadOnlySpan<byte> jpeg, FrameThumbnail target)
    {
        ArgumentNullException.ThrowIfNull(target);
        (int width, int height) = ReadSize(jpeg);
        int thumbnailWidth = (width + FrameThumbnail.BlockSize - 1) / FrameThumbnail.BlockSize;
        int thumbnailHeight = (height + FrameThumbnail.BlockSize - 1) / FrameThumbnail.BlockSize;
        Span<byte> pixels = target.Prepare(thumbnailWidth, thumbnailHeight, width, height);
        fixed (byte* data = jpeg)
        fixed (byte* destination = pixels)
        {
            int result = TurboJpeg.Decompress2(
                _handle, data, (nuint)jpeg.Length, destination, thumbnailWidth, thumbnailWidth, thumbnailHeight,
                TurboJpeg.PixelFormatGray, TurboJpeg.FlagFastUpsample | TurboJpeg.FlagFastDct);
            if (result != 0 && TurboJpeg.GetErrorCode(_handle) != TurboJpeg.ErrorWarning)
            {
                throw new JpegCodecException($"MJPEG frame {width}x{height} does not decode: {TurboJpeg.ErrorText(_handle)}");
            }
        }
    }

    /// <summary>Frees the TurboJPEG handle.</summary>
    public void Dispose()
    {
        nint handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0)
        {
            _ = TurboJpeg.Destroy(handle);
        }
    }
}
