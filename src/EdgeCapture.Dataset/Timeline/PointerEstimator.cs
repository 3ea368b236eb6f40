using EdgeCapture.Hid;

namespace EdgeCapture.Dataset.Timeline;

/// <summary>
/// Where the pointer probably is, from relative motion. The host turns counts into pixels through an acceleration curve
/// the box cannot see, so the estimate integrates the motion under several candidate curves at once
/// (<see cref="Candidates"/>: flat at three speeds, and the threshold-slope-cap shape desktops use, the shape of the
/// box's own <see cref="PointerAccelerationProfile"/>) and
/// reports the one that has best predicted where the pointer was found at the last clicks. Each click re-anchors every
/// candidate on the pointer found in the frame before (<see cref="Correct"/>); the search radius grows with the motion
/// since then. Until a second fix shows how the host moves, the flat one-to-one curve is reported. Starts at the screen
/// centre (the box cannot know where the host's pointer was when recording began).
/// </summary>
/// <remarks>
/// A closer estimate is what makes the export fast as well as truthful: the pointer search looks nearest first, and a
/// one-to-one estimate was hundreds of pixels off after an accelerated flick, so most clicks searched the whole frame.
/// </remarks>
internal sealed class PointerEstimator
{
    private const int BaseRadius = 48;
    private const int MaximumRadius = 900;

    /// <summary>How much of a candidate's past error is kept at each fix (the host's settings may change).</summary>
    private const double ErrorDecay = 0.7;

    private readonly int _screenWidth;
    private readonly int _screenHeight;
    private readonly PointerAccelerationProfile[] _curves = [.. Candidates];
    private readonly double[] _x;
    private readonly double[] _y;
    private readonly double[] _error;
    private int _chosen;
    private long _lastFrameNanoseconds = long.MinValue;

    public PointerEstimator(int screenWidth, int screenHeight)
    {
        _screenWidth = screenWidth;
        _screenHeight = screenHeight;
        _x = new double[_curves.Length];
        _y = new double[_curves.Length];
        _error = new double[_curves.Length];
        Place(screenWidth / 2, screenHeight / 2);
    }

    public double X => _x[_chosen];

    public double Y => _y[_chosen];

    /// <summary>Motion (in counts, |dx| + |dy|) since the estimate was last confirmed.</summary>
    public double MotionSinceFix { get; private set; } = double.PositiveInfinity;

    public int PixelX => (int)Math.Round(X);

    public int PixelY => (int)Math.Round(Y);

    /// <summary>
    /// The curves followed at once: flat at one, half and twice a pixel per count first (flat one-to-one is the guess
    /// before any evidence), then thresholds of 1, 1.5 and 2.5 counts/ms, slopes of 0.125, 0.25 and 0.5 per count/ms and
    /// largest factors of 2, 3 and 4.
    /// </summary>
    public static IReadOnlyList<PointerAccelerationProfile> Candidates { get; } =
    [
        PointerAccelerationProfile.Flat,
        PointerAccelerationProfile.Flat with { PixelsPerCount = 0.5 },
        PointerAccelerationProfile.Flat with { PixelsPerCount = 2.0 },
        .. from threshold in (double[])[1.0, 1.5, 2.5]
           from slope in (double[])[0.125, 0.25, 0.5]
           from maximum in (double[])[2.0, 3.0, 4.0]
           select new PointerAccelerationProfile { ThresholdCountsPerMillisecond = threshold, Slope = slope, MaximumFactor = maximum },
    ];

    /// <summary>The curve the estimate follows now.</summary>
    public PointerAccelerationProfile Curve => _curves[_chosen];

    /// <summary>One mouse frame of the box's input (every frame, motion or not: the host's curve sees the time between them).</summary>
    public void Move(int deltaX, int deltaY, long timeNanoseconds)
    {
        double elapsedMilliseconds = _lastFrameNanoseconds == long.MinValue ? double.PositiveInfinity : (timeNanoseconds - _lastFrameNanoseconds) / 1_000_000.0;
        _lastFrameNanoseconds = timeNanoseconds;
        if (deltaX == 0 && deltaY == 0)
        {
            return;
        }

        double distance = Math.Sqrt(((double)deltaX * deltaX) + ((double)deltaY * deltaY));
        for (int index = 0; index < _curves.Length; index++)
        {
            PointerAccelerationProfile curve = _curves[index];
            double gain = curve.PixelsPerCount * curve.FactorFor(distance, elapsedMilliseconds);
            _x[index] = Math.Clamp(_x[index] + (deltaX * gain), 0, _screenWidth - 1);
            _y[index] = Math.Clamp(_y[index] + (deltaY * gain), 0, _screenHeight - 1);
        }

        MotionSinceFix += Math.Abs(deltaX) + Math.Abs(deltaY);
    }

    /// <summary>Sets the position the host reported (absolute pointer mode).</summary>
    public void SetAbsolute(double x, double y)
    {
        Place(x, y);
        MotionSinceFix = 0;
    }

    /// <summary>How far from the estimate to search (screen pixels): the drift grows with the motion since the last fix.</summary>
    public int SearchRadius => double.IsPositiveInfinity(MotionSinceFix)
        ? MaximumRadius
        : (int)Math.Min(MaximumRadius, BaseRadius + (MotionSinceFix * 0.6));

    /// <summary>
    /// Shifts the estimate by the error measured at an earlier instant (the frame before the click), and scores every
    /// candidate curve by how far it was from the pointer found, when an earlier fix gave them a common start.
    /// </summary>
    public void Correct(double offsetX, double offsetY)
    {
        double foundX = Math.Clamp(X + offsetX, 0, _screenWidth - 1);
        double foundY = Math.Clamp(Y + offsetY, 0, _screenHeight - 1);
        if (!double.IsPositiveInfinity(MotionSinceFix))
        {
            int best = 0;
            for (int index = 0; index < _curves.Length; index++)
            {
                double missX = _x[index] - foundX;
                double missY = _y[index] - foundY;
                _error[index] = (_error[index] * ErrorDecay) + (missX * missX) + (missY * missY);

                // A tie keeps the earlier candidate: flat one-to-one comes first.
                if (_error[index] < _error[best])
                {
                    best = index;
                }
            }

            _chosen = best;
        }

        Place(foundX, foundY);
        MotionSinceFix = 0;
    }

    private void Place(double x, double y)
    {
        Array.Fill(_x, Math.Clamp(x, 0, _screenWidth - 1));
        Array.Fill(_y, Math.Clamp(y, 0, _screenHeight - 1));
    }
}
