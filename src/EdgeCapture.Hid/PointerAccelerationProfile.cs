namespace EdgeCapture.Hid;

/// <summary>
/// How the box turns a physical mouse's counts into screen pixels in absolute pointer mode (the host applies no
/// acceleration of its own to an absolute pointer, so the box does it). Per mouse frame:
/// <list type="number">
/// <item>speed = distance in counts / elapsed milliseconds since the previous frame, the elapsed time clamped to
/// <see cref="MinimumFrameMilliseconds"/>..<see cref="MaximumFrameMilliseconds"/> (so a first frame after a pause
/// counts as slow, and a burst of frames with equal timestamps cannot divide by zero);</item>
/// <item>factor = 1 + <see cref="Slope"/> x max(0, speed - <see cref="ThresholdCountsPerMillisecond"/>), at most
/// <see cref="MaximumFactor"/>;</item>
/// <item>pixels = counts x <see cref="PixelsPerCount"/> x factor, per axis, with the fraction carried to the next frame.</item>
/// </list>
/// The defaults are close to what a desktop gives a 1000 DPI mouse: slow, precise moves map one count to one pixel,
/// a fast flick crosses a 1080p screen with a few centimetres of travel.
/// </summary>
public sealed record PointerAccelerationProfile
{
    /// <summary>Pixels per count below the threshold. Default 1.</summary>
    public double PixelsPerCount { get; init; } = 1.0;

    /// <summary>Speed, in counts per millisecond, above which acceleration starts. Default 1.5 (about 4 cm/s at 1000 DPI).</summary>
    public double ThresholdCountsPerMillisecond { get; init; } = 1.5;

    /// <summary>Factor gained per count/ms above the threshold. Default 0.25.</summary>
    public double Slope { get; init; } = 0.25;

    /// <summary>Largest factor. Default 3.</summary>
    public double MaximumFactor { get; init; } = 3.0;

    /// <summary>Shortest elapsed time a frame counts for. Default 1 ms (a 1 kHz mouse).</summary>
    public double MinimumFrameMilliseconds { get; init; } = 1.0;

    /// <summary>Longest elapsed time a frame counts for. Default 16 ms.</summary>
    public double MaximumFrameMilliseconds { get; init; } = 16.0;

    /// <summary>No acceleration: one count is <see cref="PixelsPerCount"/> pixels at any speed.</summary>
    public static PointerAccelerationProfile Flat { get; } = new() { Slope = 0, MaximumFactor = 1 };

    /// <summary>The factor for a frame.</summary>
    /// <param name="distanceCounts">Length of the frame's motion vector, in counts.</param>
    /// <param name="elapsedMilliseconds">Time since the previous frame.</param>
    /// <returns>The acceleration factor, 1 .. <see cref="MaximumFactor"/>.</returns>
    public double FactorFor(double distanceCounts, double elapsedMilliseconds)
    {
        double elapsed = Math.Clamp(elapsedMilliseconds, MinimumFrameMilliseconds, MaximumFrameMilliseconds);
        double speed = distanceCounts / elapsed;
        double factor = 1.0 + (Slope * Math.Max(0.0, speed - ThresholdCountsPerMillisecond));
        return Math.Clamp(factor, 1.0, Math.Max(1.0, MaximumFactor));
    }
}
