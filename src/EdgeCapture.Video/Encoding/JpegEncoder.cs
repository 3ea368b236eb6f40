using EdgeCapture.Video.Frames;

namespace EdgeCapture.Video.Encoding;

/// <summary>
/// Encodes packed 4:2:2 frames (UYVY, YUYV) to baseline JPEG 4:2:0 with libjpeg-turbo's TurboJPEG API.
/// The packed frame is split into Y, Cb and Cr planes (halving chroma vertically, optionally downscaling)
/// and handed to <c>tjCompressFromYUVPlanes</c>, so no RGB conversion happens anywhere: the YCbCr samples
/// from HDMI go straight into the DCT (NEON-accelerated on the Pi). Limited-range samples (the default
/// <see cref="JpegEncodingOptions.SourceRange"/>) are first expanded to the full range JFIF decoders assume.
/// One instance per thread; buffers are reused.
/// </summary>
public sealed class JpegEncoder : IDisposable
{
    private readonly JpegEncodingOptions _options;
    private nint _handle;
    private byte[] _luma = [];
    private byte[] _blue = [];
    private byte[] _red = [];
    private byte[] _output = [];
    private int _outputLength;

    /// <summary>Creates an encoder. Throws <see cref="DllNotFoundException"/> when libturbojpeg0 is not installed.</summary>
    public JpegEncoder(JpegEncodingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _handle = TurboJpeg.InitCompress();
        if (_handle == 0)
        {
            throw new JpegCodecException("tjInitCompress failed.");
        }
    }

    /// <summary>The options in force.</summary>
    public JpegEncodingOptions Options => _options;

    /// <summary>
    /// Encodes a packed frame. The returned span points into the encoder's own buffer and is valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> EncodePacked(
        ReadOnlySpan<byte> packed, PixelLayout layout, int width, int height, int stride, out int encodedWidth, out int encodedHeight)
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        if (layout is not (PixelLayout.Uyvy or PixelLayout.Yuyv))
        {
            throw new ArgumentException($"Only packed 4:2:2 frames are encoded, not {layout}.", nameof(layout));
        }

        if (width <= 0 || height <= 0 || width % 2 != 0)
        {
            throw new ArgumentException($"Packed 4:2:2 frames need a positive, even width; got {width}x{height}.", nameof(width));
        }

        if (stride < width * 2 || (long)stride * height > packed.Length)
        {
            throw new ArgumentException($"{packed.Length} bytes cannot hold {width}x{height} at stride {stride}.", nameof(packed));
        }

        int scale = _options.DownscaleFactor;
        encodedWidth = width / scale;
        encodedHeight = height / scale;
        int chromaWidth = (encodedWidth + 1) / 2;
        int chromaHeight = (encodedHeight + 1) / 2;
        EnsureCapacity(ref _luma, encodedWidth * encodedHeight);
        EnsureCapacity(ref _blue, chromaWidth * chromaHeight);
        EnsureCapacity(ref _red, chromaWidth * chromaHeight);
        int outputCapacity = checked((int)TurboJpeg.BufferSize(encodedWidth, encodedHeight, TurboJpeg.Subsampling420));
        EnsureCapacity(ref _output, outputCapacity);

        bool uyvy = layout == PixelLayout.Uyvy;
        if (scale == 1)
        {
            PackedPlanes.SplitFullSize(packed, width, height, stride, uyvy, _luma, _blue, _red);
        }
        else
        {
            PackedPlanes.SplitHalfSize(packed, width, height, stride, uyvy, encodedWidth, encodedHeight, _luma, _blue, _red);
        }

        if (_options.SourceRange == YCbCrRange.Limited)
        {
            SampleRange.ExpandLuma(_luma.AsSpan(0, encodedWidth * encodedHeight));
            SampleRange.ExpandChroma(_blue.AsSpan(0, chromaWidth * chromaHeight));
            SampleRange.ExpandChroma(_red.AsSpan(0, chromaWidth * chromaHeight));
        }

        _outputLength = Compress(encodedWidth, encodedHeight, chromaWidth);
        return new ReadOnlySpan<byte>(_output, 0, _outputLength);
    }

    private unsafe int Compress(int width, int height, int chromaWidth)
    {
        fixed (byte* luma = _luma)
        fixed (byte* blue = _blue)
        fixed (byte* red = _red)
        fixed (byte* output = _output)
        {
            byte** planes = stackalloc byte*[3];
            planes[0] = luma;
            planes[1] = blue;
            planes[2] = red;
            int* strides = stackalloc int[3];
            strides[0] = width;
            strides[1] = chromaWidth;
            strides[2] = chromaWidth;
            byte* destination = output;
            nuint size = (nuint)_output.Length;
            int flags = TurboJpeg.FlagNoRealloc | (_options.FastDct ? TurboJpeg.FlagFastDct : 0);
            int result = TurboJpeg.CompressFromYuvPlanes(
                _handle, planes, width, strides, height, TurboJpeg.Subsampling420, &destination, &size, _options.Quality, flags);
            if (result != 0)
            {
                throw new JpegCodecException($"tjCompressFromYUVPlanes failed for {width}x{height}: {TurboJpeg.ErrorText(_handle)}");
            }

            return checked((int)size);
        }
    }

    private static void EnsureCapacity(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new byte[length];
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
