using System.Collections.Concurrent;

namespace EdgeCapture.Video.Frames;

/// <summary>
/// A bounded set of frame buffers, each allocated the first time it is needed and then reused for good. Sources rent,
/// fill and hand over; when every buffer is in use (the consumer is behind) a live source's <see cref="TryRent"/> fails
/// and it drops that frame instead of allocating; a simulated source may wait with <see cref="Rent"/> instead. Allocating
/// on first need keeps the steady state at the buffers really in flight (typically four or five at 1080p, where each is
/// 4 MB), not the bound: on a 512 MB board the difference is tens of megabytes.
/// </summary>
public sealed class RawFramePool : IDisposable
{
    private readonly ConcurrentBag<RawFrame> _free = [];
    private readonly SemaphoreSlim _available;
    private readonly int _frameCapacity;
    private int _created;
    private long _rentFailures;
    private volatile bool _disposed;

    /// <summary>A pool of at most <paramref name="frameCount"/> buffers of <paramref name="frameCapacity"/> bytes, allocated as needed.</summary>
    public RawFramePool(int frameCount, int frameCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameCapacity);
        FrameCount = frameCount;
        _frameCapacity = frameCapacity;
        _available = new SemaphoreSlim(frameCount, frameCount);
    }

    /// <summary>How many frames the pool may own.</summary>
    public int FrameCount { get; }

    /// <summary>How many buffers have been allocated so far (the most that were in use at once).</summary>
    public int Allocated => Volatile.Read(ref _created);

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
        // The semaphore admitted this rent (at most FrameCount are out), so a free buffer exists or one is allocated now.
        if (!_free.TryTake(out RawFrame? frame))
        {
            Interlocked.Increment(ref _created);
            frame = new RawFrame(this, _frameCapacity);
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
