using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sampling;

namespace EdgeCapture.Video;

/// <summary>Settings of the <see cref="CaptureStage"/>.</summary>
public sealed record CaptureStageOptions
{
    /// <summary>The sampling policy.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>How raw frames are encoded.</summary>
    public JpegEncodingOptions Encoding { get; init; } = new();

    /// <summary>
    /// The most raw frame buffers in use at once. Must cover the sampler's ring, the encode queue and the one the source fills.
    /// Default 16 (64 MB at 1080p UYVY, reached only in a burst): buffers are allocated when needed and given back to the
    /// kernel once free for <see cref="IdleFrameBufferLifetime"/>, so the steady state holds the few in flight.
    /// </summary>
    public int FramePoolSize { get; init; } = 16;

    /// <summary>How long a frame buffer may stay free before the pool gives it back. Default 2 s.</summary>
    public TimeSpan IdleFrameBufferLifetime { get; init; } = RawFramePool.DefaultIdleBufferLifetime;

    /// <summary>Initial size of each frame buffer in bytes. Default: 1920x1080 UYVY. Buffers grow once when the source is larger.</summary>
    public int FrameBufferCapacity { get; init; } = 1920 * 1080 * 2;

    /// <summary>Kept frames and markers waiting for the encoder. When full the newest is dropped (counted). Default 8.</summary>
    public int EncodeQueueCapacity { get; init; } = 8;

    /// <summary>Records waiting for the consumer. When full the newest is dropped (counted), capture never blocks. Default 64.</summary>
    public int OutputCapacity { get; init; } = 64;

    /// <summary>Input actions waiting for the next frame; beyond this the oldest are dropped (counted). Default 1024.</summary>
    public int PendingActionCapacity { get; init; } = 1024;

    /// <summary>
    /// Frames and markers held while the privacy gate has not confirmed their instant yet (asked again with the next one).
    /// Beyond this the newest is not recorded (counted as private). Default 2; the pool must cover them too.
    /// </summary>
    public int PendingGateCapacity { get; init; } = 2;

    /// <summary>Wait before restarting a source that failed unexpectedly. Default 2 s.</summary>
    public TimeSpan SourceRestartDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Sampling);
        ArgumentNullException.ThrowIfNull(Encoding);
        Sampling.Validate();
        Encoding.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PendingGateCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(FramePoolSize, Sampling.RecentFrameCapacity + 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FrameBufferCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleFrameBufferLifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EncodeQueueCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(OutputCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PendingActionCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(SourceRestartDelay, TimeSpan.Zero);
    }
}
