namespace EdgeCapture.Hid;

/// <summary>
/// The pointer position the box owns in absolute pointer mode: relative mouse motion integrated through a
/// <see cref="PointerAccelerationProfile"/> into a pixel position on a screen of a given size, clamped to its edges.
/// Because the box sends this position (<see cref="AbsolutePointerReport"/>) and the host puts the pointer exactly there,
/// the position recorded next to a click is the position clicked. Not thread-safe; allocates nothing.
/// </summary>
public sealed class AbsolutePointerTracker
{
    private readonly PointerAccelerationProfile _profile;
    private double _remainderX;
    private double _remainderY;
    private long _lastFrameNanoseconds = long.MinValue;

    /// <summary>Creates a tracker with the pointer in the middle of the screen.</summary>
    /// <param name="screenWidth">Width of the captured screen in pixels.</param>
    /// <param name="screenHeight">Height of the captured screen in pixels.</param>
    /// <param name="profile">Acceleration profile.</param>
    public AbsolutePointerTracker(int screenWidth, int screenHeight, PointerAccelerationProfile profile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(screenWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(screenHeight, 1);
        ArgumentNullException.ThrowIfNull(profile);
        ScreenWidth = screenWidth;
        ScreenHeight = screenHeight;
        _profile = profile;
        X = screenWidth / 2;
        Y = screenHeight / 2;
    }

    /// <summary>Screen width in pixels.</summary>
    public int ScreenWidth { get; private set; }

    /// <summary>Screen height in pixels.</summary>
    public int ScreenHeight { get; private set; }

    /// <summary>Pointer column, 0 .. <see cref="ScreenWidth"/> - 1.</summary>
    public int X { get; private set; }

    /// <summary>Pointer row, 0 .. <see cref="ScreenHeight"/> - 1.</summary>
    public int Y { get; private set; }

    /// <summary>The position as the report's X (0..32767).</summary>
    public ushort LogicalX => AbsolutePointerReport.ToLogical(X, ScreenWidth);

    /// <summary>The position as the report's Y (0..32767).</summary>
    public ushort LogicalY => AbsolutePointerReport.ToLogical(Y, ScreenHeight);

    /// <summary>Applies one mouse frame's motion.</summary>
    /// <param name="deltaX">Counts to the right.</param>
    /// <param name="deltaY">Counts downwards.</param>
    /// <param name="timestampNanoseconds">The frame's monotonic time (evdev), for the speed.</param>
    /// <returns>True when the pixel position changed.</returns>
    public bool Move(long deltaX, long deltaY, long timestampNanoseconds)
    {
        double elapsedMilliseconds = _lastFrameNanoseconds == long.MinValue
            ? double.PositiveInfinity
            : (timestampNanoseconds - _lastFrameNanoseconds) / 1_000_000.0;
        _lastFrameNanoseconds = timestampNanoseconds;
        if (deltaX == 0 && deltaY == 0)
        {
            return false;
        }

        double distance = Math.Sqrt(((double)deltaX * deltaX) + ((double)deltaY * deltaY));
        double gain = _profile.PixelsPerCount * _profile.FactorFor(distance, elapsedMilliseconds);
        int oldX = X;
        int oldY = Y;
        X = Step(X, ScreenWidth, (deltaX * gain) + _remainderX, out _remainderX);
        Y = Step(Y, ScreenHeight, (deltaY * gain) + _remainderY, out _remainderY);
        return X != oldX || Y != oldY;
    }

    /// <summary>The captured screen changed size: keep the pointer at the same relative place.</summary>
    /// <param name="screenWidth">New width in pixels.</param>
    /// <param name="screenHeight">New height in pixels.</param>
    public void Resize(int screenWidth, int screenHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(screenWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(screenHeight, 1);
        X = (int)Math.Min(screenWidth - 1, (long)X * screenWidth / ScreenWidth);
        Y = (int)Math.Min(screenHeight - 1, (long)Y * screenHeight / ScreenHeight);
        ScreenWidth = screenWidth;
        ScreenHeight = screenHeight;
        _remainderX = 0;
        _remainderY = 0;
    }

    private static int Step(int position, int size, double pixels, out double remainder)
    {
        double whole = Math.Truncate(pixels);
        double next = position + whole;
        if (next < 0 || next > size - 1)
        {
            // Pushed against an edge: the pointer stops there and the excess is not kept (a host does the same).
            remainder = 0;
            return next < 0 ? 0 : size - 1;
        }

        remainder = pixels - whole;
        return (int)next;
    }
}
