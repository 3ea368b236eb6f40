using System.Buffers;

namespace EdgeCapture.Video;

/// <summary>How the bytes of a <see cref="CapturedFrame"/> are encoded.</summary>
public enum CapturedFrameFormat
{
    /// <summary>A complete baseline JPEG/JFIF file encoded on the box (from UYVY or YUYV).</summary>
    Jpeg = 1,

    /// <summary>
    /// One MJPEG frame passed through untouched from the capture device. It is a JPEG image, but like many
    /// UVC devices it may omit the Huffman tables (DHT); decoders then use the standard tables of ITU-T T.81 Annex K.
    /// </summary>
    Mjpeg = 2,
}

/// <summary>
/// A frame the sampler kept, encoded and ready for the recorder. It owns a pooled buffer:
/// dispose it exactly once when its bytes have been written (or copied) to return the buffer.
/// Reading <see cref="EncodedBytes"/> after <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class CapturedFrame : CaptureRecord, IDisposable
{
    private byte[]? _buffer;
    private readonly int _length;

    /// <summary>Creates a frame that takes ownership of <paramref name="pooledBuffer"/> (rented from <see cref="ArrayPool{T}.Shared"/>).</summary>
    internal CapturedFrame(
        long monotonicNanoseconds,
        long sequenceNumber,
        int width,
        int height,
        int sourceWidth,
        int sourceHeight,
        CapturedFrameFormat format,
        FrameKeepReason reasons,
        byte[] pooledBuffer,
        int length)
        : base(monotonicNanoseconds)
    {
        SequenceNumber = sequenceNumber;
        Width = width;
        Height = height;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        Format = format;
        Reasons = reasons;
        _buffer = pooledBuffer;
        _length = length;
    }

    /// <summary>
    /// Creates a frame from encoded bytes, copied into a pooled buffer: for file imports, replays and the recorder's tests.
    /// </summary>
    public static CapturedFrame Create(
        long monotonicNanoseconds,
        long sequenceNumber,
        int width,
        int height,
        CapturedFrameFormat format,
        FrameKeepReason reasons,
        ReadOnlySpan<byte> encodedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (encodedBytes.IsEmpty)
        {
            throw new ArgumentException("A frame needs encoded bytes.", nameof(encodedBytes));
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(encodedBytes.Length);
        encodedBytes.CopyTo(buffer);
        return new CapturedFrame(monotonicNanoseconds, sequenceNumber, width, height, width, height, format, reasons, buffer, encodedBytes.Length);
    }

    /// <summary>The capture sequence number of the source frame (counts every frame the source delivered, kept or not).</summary>
    public long SequenceNumber { get; }

    /// <summary>Width of the encoded image in pixels (smaller than <see cref="SourceWidth"/> when downscaled).</summary>
    public int Width { get; }

    /// <summary>Height of the encoded image in pixels.</summary>
    public int Height { get; }

    /// <summary>Width of the HDMI source frame in pixels: the coordinate space of the input events' absolute positions.</summary>
    public int SourceWidth { get; }

    /// <summary>Height of the HDMI source frame in pixels.</summary>
    public int SourceHeight { get; }

    /// <summary>Encoding of <see cref="EncodedBytes"/>.</summary>
    public CapturedFrameFormat Format { get; }

    /// <summary>Why the sampler kept this frame.</summary>
    public FrameKeepReason Reasons { get; }

    /// <summary>Length of the encoded image in bytes.</summary>
    public int Length => _length;

    /// <summary>The encoded image. Valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> EncodedBytes
    {
        get
        {
            byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(CapturedFrame));
            return new ReadOnlyMemory<byte>(buffer, 0, _length);
        }
    }

    /// <summary>Returns the pooled buffer. Safe to call more than once.</summary>
    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Frame #{SequenceNumber} @{MonotonicNanoseconds} ns {Width}x{Height} {Format} {_length} B ({Reasons})";
}
