namespace EdgeCapture.Dataset.Timeline;

/// <summary>
/// One guess at how the host turns mouse counts into pixels: <see cref="PixelsPerCount"/> below
/// <see cref="ThresholdCountsPerMillisecond"/>, then a factor growing by <see cref="Slope"/> per count/ms above it, at
/// most <see cref="MaximumFactor"/>. This is the shape desktops apply (and the box itself applies in absolute pointer
/// mode); the speed is a frame's counts over the time since the previous frame, that time clamped to
/// <see cref="MinimumFrameMilliseconds"/>..<see cref="MaximumFrameMilliseconds"/>.
/// </summary>
internal sealed record AccelerationCurve(double PixelsPerCount, double ThresholdCountsPerMillisecond, double Slope, double MaximumFactor)
{
    /// <summary>Shortest time a frame counts for (a 1 kHz mouse).</summary>
    public const double MinimumFrameMilliseconds = 1.0;

    /// <summary>Longest time a frame counts for (a first frame after a pause counts as slow).</summary>
    public const double MaximumFrameMilliseconds = 16.0;

    /// <summary>
    /// The curves <see cref="PointerEstimator"/> follows at once: flat at half, one and twice a pixel per count first (flat
    /// one-to-one is the guess before any evidence), then thresholds of 1, 1.5 and 2.5 counts/ms, slopes of 0.125, 0.25 and
    /// 0.5 per count/ms and largest factors of 2, 3 and 4.
    /// </summary>
    public static AccelerationCurve[] Candidates { get; } = Build();

    /// <summary>Pixels per count at <paramref name="speedCountsPerMillisecond"/>.</summary>
    public double GainAt(double speedCountsPerMillisecond) =>
        PixelsPerCount * Math.Min(MaximumFactor, 1.0 + (Slope * Math.Max(0.0, speedCountsPerMillisecond - ThresholdCountsPerMillisecond)));

    private static AccelerationCurve[] Build()
    {
        var curves = new List<AccelerationCurve> { new(1.0, 0, 0, 1), new(0.5, 0, 0, 1), new(2.0, 0, 0, 1) };
        foreach (double threshold in (double[])[1.0, 1.5, 2.5])
        {
            foreach (double slope in (double[])[0.125, 0.25, 0.5])
            {
                foreach (double maximum in (double[])[2.0, 3.0, 4.0])
                {
                    curves.Add(new AccelerationCurve(1.0, threshold, slope, maximum));
                }
            }
        }

        return [.. curves];
    }
}
