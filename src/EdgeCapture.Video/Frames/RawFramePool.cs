using System.Collections.Concurrent;

namespace EdgeCapture.Video.Frames;

/// <summary>
/// A fixed set of frame buffers allocated once. Sources rent, fill and hand over; when every buffer is in use
/// (the consumer is behind) a live source's <see cref="TryRent"/> fails and it drops that frame instead of allocating;
/// a simulated source may wait with <see cref="Rent"/> instead.
/// </summary>
public sealed class RawFramePool : IDisposable
{
    private readonly ConcurrentBag<RawFrame> _free = [];
    private readonly SemaphoreSlim _available;
    private long _rentFailures;
    private volatile bool _disposed;

    /// <summary>Allocates <paramref name="frameCount"/> buffers of <paramref name="frameCapacity"/> bytes.</summary>
    public RawFramePool(int frameCount, int frameCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameCapacity);
        FrameCount = frameCount;
        for (int i = 0; i < frameCount; i++)
        {
            _free.Add(new RawFrame(this, frameCapacity));
        }

        _available = new SemaphoreSlim(frameCount, frameCount);
    }

    /// <summary>How many frames the pool owns.</summary>
    public int FrameCount { get; }

    /// <summary>Frames currently free.</summary>
    public int Available => _available.CurrentCount;

    /// <summary>How often a rent failed because every frame was in use.</summary>
    public long RentFailures => Interlocked.Read(ref _rentFailures);

    /// <summary>Rents a frame holding one reference, or returns false at once when all are in use.</summary>
    public bool TryRent([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RawFrame? frame)
    {
        if (_available.Wait(0))
        {
            frame = Take();
            return true;
        }

        Interlocked.Increment(ref _rentFailures);
        frame = null;
        return false;
    }

    /// <summary>Rents a frame, waiting until one is returned. Throws <see cref="OperationCanceledException"/> when cancelled.</summary>
    public RawFrame Rent(CancellationToken cancellationToken)
    {
        _available.Wait(cancellationToken);
        return Take();
    }

    private RawFrame Take()
    {
        if (!_free.TryTake(out RawFrame? frame))
        {
            throw new InvalidOperationException("Frame pool count and contents disagree.");
        }

        frame.SetRented();
        return frame;
    }

    internal void Return(RawFrame frame)
    {
        if (_disposed)
        {
            // A holder released its frame after the pool was torn down: nothing left to return it to.
            return;
        }

        _free.Add(frame);
        _available.Release();
    }

    /// <summary>Frees the wait handle. Frames released afterwards are simply let go.</summary>
    public void Dispose()
    {
        _disposed = true;
        _available.Dispose();
    }
}
