namespace EdgeCapture.Video.Frames;

/// <summary>
/// A bounded set of frame buffers, each allocated the first time it is needed. Sources rent, fill and hand over; when
/// every buffer is in use (the consumer is behind) a live source's <see cref="TryRent"/> fails and it drops that frame
/// instead of allocating; a simulated source may wait with <see cref="Rent"/> instead.
/// Free buffers are reused last-in first-out, so the steady state cycles through the few really in flight and the rest
/// lie untouched at the bottom; one that stayed free for <see cref="IdleBufferLifetime"/> is given back to the kernel.
/// So a burst (the encoder's first, slow frames; a stall) costs its memory only while it lasts: on a 512 MB board each
/// 1080p buffer is 4 MB.
/// </summary>
public sealed class RawFramePool : IDisposable
{
    /// <summary>Default <see cref="IdleBufferLifetime"/>: 2 s, long enough that a frame rate's own jitter never frees a buffer it needs.</summary>
    public static readonly TimeSpan DefaultIdleBufferLifetime = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly RawFrame?[] _free;
    private readonly long[] _freedAt;
    private readonly SemaphoreSlim _available;
    private readonly TimeProvider _timeProvider;
    private readonly long _idleTicks;
    private readonly int _frameCapacity;
    private int _freeCount;
    private int _resident;
    private int _mostResident;
    private long _trimmed;
    private long _rentFailures;
    private bool _disposed;

    /// <summary>A pool of at most <paramref name="frameCount"/> buffers of <paramref name="frameCapacity"/> bytes, allocated as needed.</summary>
    public RawFramePool(int frameCount, int frameCapacity)
        : this(frameCount, frameCapacity, DefaultIdleBufferLifetime, TimeProvider.System)
    {
    }

    /// <summary>As above, giving back a buffer once it has been free for <paramref name="idleBufferLifetime"/> by <paramref name="timeProvider"/>.</summary>
    public RawFramePool(int frameCount, int frameCapacity, TimeSpan idleBufferLifetime, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleBufferLifetime, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(timeProvider);
        FrameCount = frameCount;
        IdleBufferLifetime = idleBufferLifetime;
        _frameCapacity = frameCapacity;
        _timeProvider = timeProvider;
        _idleTicks = (long)(idleBufferLifetime.TotalSeconds * timeProvider.TimestampFrequency);
        _free = new RawFrame[frameCount];
        _freedAt = new long[frameCount];
        _available = new SemaphoreSlim(frameCount, frameCount);
    }

    /// <summary>How many frames the pool may own.</summary>
    public int FrameCount { get; }

    /// <summary>How long a buffer may stay free before it is given back.</summary>
    public TimeSpan IdleBufferLifetime { get; }

    /// <summary>Buffers that exist now (in use or free), each holding its memory.</summary>
    public int Resident
    {
        get
        {
            lock (_lock)
            {
                return _resident;
            }
        }
    }

    /// <summary>The most buffers that existed at once.</summary>
    public int MostResident
    {
        get
        {
            lock (_lock)
            {
                return _mostResident;
            }
        }
    }

    /// <summary>Buffers given back because they stayed free for <see cref="IdleBufferLifetime"/>.</summary>
    public long Trimmed => Interlocked.Read(ref _trimmed);

    /// <summary>Frames currently free to rent (counting those not allocated yet).</summary>
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
        RawFrame? frame = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            TrimIdle();
            if (_freeCount > 0)
            {
                _freeCount--;
                frame = _free[_freeCount];
                _free[_freeCount] = null;
            }
            else
            {
                _resident++;
                _mostResident = Math.Max(_mostResident, _resident);
            }
        }

        if (frame is null)
        {
            try
            {
                frame = new RawFrame(this, _frameCapacity);
            }
            catch
            {
                lock (_lock)
                {
                    _resident--;
                }

                _available.Release();
                throw;
            }
        }

        frame.SetRented();
        return frame;
    }

    internal void Return(RawFrame frame)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                // A holder released its frame after the pool was torn down: nothing left to return it to.
                _resident--;
                frame.FreeBuffer();
                return;
            }

            _free[_freeCount] = frame;
            _freedAt[_freeCount] = _timeProvider.GetTimestamp();
            _freeCount++;
            TrimIdle();
        }

        _available.Release();
    }

    /// <summary>Gives back the buffers at the bottom of the free stack that have not been rented for the idle lifetime.</summary>
    private void TrimIdle()
    {
        long now = _timeProvider.GetTimestamp();
        int idle = 0;
        while (idle < _freeCount && now - _freedAt[idle] >= _idleTicks)
        {
            idle++;
        }

        if (idle == 0)
        {
            return;
        }

        for (int index = 0; index < idle; index++)
        {
            _free[index]!.FreeBuffer();
        }

        Array.Copy(_free, idle, _free, 0, _freeCount - idle);
        Array.Copy(_freedAt, idle, _freedAt, 0, _freeCount - idle);
        Array.Clear(_free, _freeCount - idle, idle);
        _freeCount -= idle;
        _resident -= idle;
        Interlocked.Add(ref _trimmed, idle);
    }

    /// <summary>Gives back every free buffer and the wait handle. Frames released afterwards give theirs back as they come.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            for (int index = 0; index < _freeCount; index++)
            {
                _free[index]!.FreeBuffer();
                _free[index] = null;
            }

            _resident -= _freeCount;
            _freeCount = 0;
        }

        _available.Dispose();
    }
}
