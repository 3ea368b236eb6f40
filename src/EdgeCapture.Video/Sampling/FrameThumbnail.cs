namespace EdgeCapture.Video.Sampling;

/// <summary>
/// A frame reduced to the mean luma of each 8x8 block (240x135 for 1080p): what the change detector compares.
/// Small enough to keep per recent frame, large enough to see a typed character or the cursor.
/// </summary>
public sealed class FrameThumbnail
{
    /// <summary>Side of the square block one thumbnail pixel summarises.</summary>
    public const int BlockSize = 8;

    private byte[] _pixels = [];

    /// <summary>Thumbnail width in blocks.</summary>
    public int Width { get; private set; }

    /// <summary>Thumbnail height in blocks.</summary>
    public int Height { get; private set; }

    /// <summary>Width of the frame it was made from.</summary>
    public int SourceWidth { get; private set; }

    /// <summary>Height of the frame it was made from.</summary>
    public int SourceHeight { get; private set; }

    /// <summary>Block means, row-major, <see cref="Width"/> x <see cref="Height"/>.</summary>
    public ReadOnlySpan<byte> Pixels => new(_pixels, 0, Width * Height);

    /// <summary>True when a thumbnail has been computed into this instance.</summary>
    public bool IsEmpty => Width == 0;

    /// <summary>True when both were made from frames of the same size, so block i means the same place.</summary>
    public bool IsComparableTo(FrameThumbnail other) =>
        other.Width == Width && other.Height == Height && other.SourceWidth == SourceWidth && other.SourceHeight == SourceHeight;

    /// <summary>Writable pixels for a thumbnail of the given size; reallocates only when it grows.</summary>
    internal Span<byte> Prepare(int width, int height, int sourceWidth, int sourceHeight)
    {
        int size = width * height;
        if (_pixels.Length < size)
        {
            _pixels = new byte[size];
        }

        Width = width;
        Height = height;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        return new Span<byte>(_pixels, 0, size);
    }

    /// <summary>Copies <paramref name="source"/> into this instance.</summary>
    public void CopyFrom(FrameThumbnail source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.Pixels.CopyTo(Prepare(source.Width, source.Height, source.SourceWidth, source.SourceHeight));
    }

    /// <summary>Forgets the content.</summary>
    public void Clear()
    {
        Width = 0;
        Height = 0;
        SourceWidth = 0;
        SourceHeight = 0;
    }
}
