namespace EdgeCapture.Dataset.Timeline;

/// <summary>
/// Where the pointer probably is, from relative motion: counts integrated one to one and clamped to the screen, as a
/// host without acceleration would. The host's real acceleration makes this drift, so each click re-anchors it on
/// the pointer found in the frame before (<see cref="Correct"/>); the search radius grows with the motion since then.
/// Starts at the screen centre (the box cannot know where the host's pointer was when recording began).
/// </summary>
internal sealed class PointerEstimator(int screenWidth, int screenHeight)
{
    private const int BaseRadius = 48;
    private const int MaximumRadius = 900;

    public double X { get; private set; } = screenWidth / 2;

    public double Y { get; private set; } = screenHeight / 2;

    /// <summary>Motion (in counts, |dx| + |dy|) since the estimate was last confirmed.</summary>
    public double MotionSinceFix { get; private set; } = double.PositiveInfinity;

    public int PixelX => (int)Math.Round(X);

    public int PixelY => (int)Math.Round(Y);

    public void Move(int deltaX, int deltaY)
    {
        X = Math.Clamp(X + deltaX, 0, screenWidth - 1);
        Y = Math.Clamp(Y + deltaY, 0, screenHeight - 1);
        MotionSinceFix += Math.Abs(deltaX) + Math.Abs(deltaY);
    }

    /// <summary>Sets the position the host reported (absolute pointer mode).</summary>
    public void SetAbsolute(double x, double y)
    {
        X = Math.Clamp(x, 0, screenWidth - 1);
        Y = Math.Clamp(y, 0, screenHeight - 1);
        MotionSinceFix = 0;
    }

    /// <summary>How far from the estimate to search (screen pixels): the drift grows with the motion since the last fix.</summary>
    public int SearchRadius => double.IsPositiveInfinity(MotionSinceFix)
        ? MaximumRadius
        : (int)Math.Min(MaximumRadius, BaseRadius + (MotionSinceFix * 0.6));

    /// <summary>Shifts the estimate by the error measured at an earlier instant (the frame before the click).</summary>
    public void Correct(double offsetX, double offsetY)
    {
        X = Math.Clamp(X + offsetX, 0, screenWidth - 1);
        Y = Math.Clamp(Y + offsetY, 0, screenHeight - 1);
        MotionSinceFix = 0;
    }
}
