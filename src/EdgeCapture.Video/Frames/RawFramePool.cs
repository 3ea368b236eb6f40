using System.Collections.Concurrent;

namespace EdgeCapture.Video.Frames;

/// <summary>
/// A fixed set of frame buffers allocated once. Sources rent, fill and hand over; when every buffer is in use
/// (the consumer is behind) <see cref="TryRent"/> fails and the source drops that frame instead of allocating.
/// </summary>
public sealed class RawFramePool
{
    private readonly ConcurrentBag<RawFrame> _free = [];
    private long _rentFailures;

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
    }

    /// <summary>Buffer capacity for a packed 4:2:2 frame of the given size.</summary>
    public static int PackedCapacity(int width, int height) => checked(width * height * 2);

    /// <summary>How many frames the pool owns.</summary>
    public int FrameCount { get; }

    /// <summary>Frames currently free.</summary>
    public int Available => _free.Count;

    /// <summary>How often a rent failed because every frame was in use.</summary>
    public long RentFailures => Interlocked.Read(ref _rentFailures);

    /// <summary>Rents a frame holding one reference, or returns false when all are in use.</summary>
    public bool TryRent([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RawFrame? frame)
    {
        if (_free.TryTake(out frame))
        {
            frame.SetRented();
            return true;
        }

        Interlocked.Increment(ref _rentFailures);
        return false;
    }

    internal void Return(RawFrame frame) => _free.Add(frame);
}
