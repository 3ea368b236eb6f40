namespace EdgeCapture.Video.Encoding;

/// <summary>
/// Decodes a JPEG to 8-bit gray at full size (fast DCT and upsampling), into a buffer reused from image to image:
/// the custodian's export looks for the pointer in the frame before a click with it.
/// </summary>
public sealed class JpegGrayDecoder : IDisposable
{
    private nint _handle;
    private byte[] _pixels = [];

    /// <summary>Creates a decoder. Throws <see cref="DllNotFoundException"/> when libturbojpeg0 is not installed.</summary>
    public JpegGrayDecoder()
    {
        _handle = TurboJpeg.InitDecompress();
        if (_handle == 0)
        {
            throw new JpegCodecException("tjInitDecompress failed.");
        }
    }

    /// <summary>
    /// Decodes <paramref name="jpeg"/>. The pixels (row-major, stride = width) stay valid until the next call; they
    /// live in a buffer this decoder owns and reuses.
    /// </summary>
    /// <param name="jpeg">The encoded image.</param>
    /// <param name="pixels">The decoder's buffer, at least width x height bytes.</param>
    /// <param name="width">The image width.</param>
    /// <param name="height">The image height.</param>
    /// <returns>False, and no image, for data that does not decode.</returns>
    public unsafe bool TryDecode(ReadOnlySpan<byte> jpeg, out byte[] pixels, out int width, out int height)
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        pixels = [];
        int headerWidth, headerHeight, subsampling, colorspace;
        width = 0;
        height = 0;
        fixed (byte* data = jpeg)
        {
            if (TurboJpeg.DecompressHeader3(_handle, data, (nuint)jpeg.Length, &headerWidth, &headerHeight, &subsampling, &colorspace) != 0 || headerWidth <= 0 || headerHeight <= 0)
            {
                return false;
            }

            int size = checked(headerWidth * headerHeight);
            if (_pixels.Length < size)
            {
                _pixels = new byte[size];
            }

            fixed (byte* destination = _pixels)
            {
                int result = TurboJpeg.Decompress2(_handle, data, (nuint)jpeg.Length, destination, headerWidth, headerWidth, headerHeight, TurboJpeg.PixelFormatGray, TurboJpeg.FlagFastUpsample | TurboJpeg.FlagFastDct);
                if (result != 0 && TurboJpeg.GetErrorCode(_handle) != TurboJpeg.ErrorWarning)
                {
                    return false;
                }
            }
        }

        pixels = _pixels;
        width = headerWidth;
        height = headerHeight;
        return true;
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
