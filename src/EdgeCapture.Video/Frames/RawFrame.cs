namespace EdgeCapture.Video.Frames;

/// <summary>
/// One frame as the source delivered it, in a buffer owned by a <see cref="RawFramePool"/>.
/// Reference-counted so the sampler's ring of recent frames and the encoder can share it without copies:
/// whoever holds a reference calls <see cref="Release"/> once; the last release returns it to the pool.
/// The bytes live in anonymous memory outside the managed heap, so a buffer the pool trims is given back to the kernel at once.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The pool owns the buffer's lifetime: it frees it when it trims the frame or is disposed; holders only take and release references.")]
public sealed class RawFrame
{
    private readonly RawFramePool _pool;
    private AnonymousMemory _buffer;
    private int _references;

    internal RawFrame(RawFramePool pool, int capacity)
    {
        _pool = pool;
        _buffer = new AnonymousMemory(capacity);
    }

    /// <summary>Bytes the buffer can hold.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>Bytes of frame data in the buffer.</summary>
    public int Length { get; private set; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; private set; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; private set; }

    /// <summary>Bytes per row for packed layouts (0 for MJPEG).</summary>
    public int Stride { get; private set; }

    /// <summary>How the bytes are laid out.</summary>
    public PixelLayout Layout { get; private set; }

    /// <summary>Capture time, CLOCK_MONOTONIC ns.</summary>
    public long MonotonicNanoseconds { get; private set; }

    /// <summary>Counts every frame the source delivered.</summary>
    public long SequenceNumber { get; private set; }

    /// <summary>The frame bytes. Valid while the caller holds a reference.</summary>
    public ReadOnlySpan<byte> Data => _buffer.AsSpan(Length);

    /// <summary>Writable space for a source to fill; grows the buffer (once, at a resolution change) when too small.</summary>
    public Span<byte> GetWritableSpan(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_buffer.Length < length)
        {
            _buffer.Dispose();
            _buffer = new AnonymousMemory(length);
        }

        return _buffer.AsSpan(length);
    }

    /// <summary>Describes the data a source has just written.</summary>
    public void Describe(PixelLayout layout, int width, int height, int stride, int length, long monotonicNanoseconds, long sequenceNumber)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _buffer.Length);
        if (layout != PixelLayout.Mjpeg && (stride < width * 2 || (long)stride * height > length))
        {
            throw new ArgumentException($"Packed frame {width}x{height} with stride {stride} needs {(long)stride * height} bytes, got {length}.", nameof(length));
        }

        Layout = layout;
        Width = width;
        Height = height;
        Stride = stride;
        Length = length;
        MonotonicNanoseconds = monotonicNanoseconds;
        SequenceNumber = sequenceNumber;
    }

    internal void SetRented()
    {
        Volatile.Write(ref _references, 1);
        Length = 0;
    }

    /// <summary>Takes one more reference.</summary>
    public void AddReference()
    {
        int after = Interlocked.Increment(ref _references);
        if (after <= 1)
        {
            throw new InvalidOperationException("AddReference on a frame that is back in its pool.");
        }
    }

    /// <summary>Drops one reference; the last one returns the frame to its pool.</summary>
    public void Release()
    {
        int after = Interlocked.Decrement(ref _references);
        if (after == 0)
        {
            _pool.Return(this);
        }
        else if (after < 0)
        {
            throw new InvalidOperationException("Release called more often than references were taken.");
        }
    }

    /// <summary>Gives the buffer back to the kernel; only the pool calls it, for a frame no one holds.</summary>
    internal void FreeBuffer() => _buffer.Dispose();
}
