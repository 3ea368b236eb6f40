namespace EdgeCapture.Video.Sampling;

/// <summary>
/// Thresholds of the sampling policy. Defaults are tuned for 1080p desktops (32,400 blocks of 8x8 pixels);
/// every one is configurable. See the project README for the policy as a whole.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>
    /// A block counts as changed when its mean luma moved by more than this many levels (0-255). Default 6:
    /// above MJPEG re-compression noise, below a glyph appearing in an 8x8 block.
    /// </summary>
    public byte PixelDifferenceThreshold { get; init; } = 6;

    /// <summary>
    /// Changed blocks (relative to the last kept frame) needed for a change-driven keep. Default 40: more than a moving cursor
    /// touches (at most 24 blocks: old and new place), about one word of 12 px text, a tooltip, a new line of output.
    /// </summary>
    public int MinimumChangedBlocks { get; init; } = 40;

    /// <summary>
    /// Changes of at most this many blocks look like the cursor moving (a 16x24 cursor spans up to 3x4 blocks, twice for old and new).
    /// Default 24. The screen counts as settled after an action while frame-to-frame changes stay this small.
    /// </summary>
    public int CursorSizedChangeBlocks { get; init; } = 24;

    /// <summary>When true, any change of at least one block is kept (still rate-capped), cursor-only moves included. Default false.</summary>
    public bool KeepCursorOnlyChanges { get; init; }

    /// <summary>
    /// Least time between a kept frame and a change-driven keep. Default 2 s: changes caused by input are already covered by
    /// the before/after frames, so change-driven frames only need to follow what moves by itself (page loads, progress bars).
    /// </summary>
    public TimeSpan ChangeMinimumInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Rate cap: least time between two frames kept going forward (after-action, change, idle). Default 200 ms (5 per second).
    /// Before-action frames are exempt: they are bounded by the action rate and bursts coalesce.
    /// </summary>
    public TimeSpan MinimumKeptFrameInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>When nothing was kept for this long, keep the current frame anyway. Default 60 s.</summary>
    public TimeSpan IdleKeyframeInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>An after-action frame is taken no earlier than this after the action. Default 100 ms (menus, key echo).</summary>
    public TimeSpan SettleDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>If the screen keeps changing (video, animation), the after-action frame is taken this long after the action anyway. Default 1 s.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Key presses (or wheel steps) closer than this to the previous one continue the same burst. Default 500 ms.</summary>
    public TimeSpan BurstGap { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Recent frames kept (by reference) to pick the frame before an action, at most. Default 6 (100 ms at 60 fps).</summary>
    public int RecentFrameCapacity { get; init; } = 6;

    /// <summary>
    /// How far behind the newest frame a recent frame's buffer is still held, for an action reported late. Default 50 ms.
    /// Actions come straight from the relay's tap while a frame is decided only once the privacy gate has confirmed its
    /// instant, so an action is nearly always known before the first frame after it and its frame before is the newest;
    /// the window covers a report delayed by scheduling. An older frame's buffer goes back to the pool and only its
    /// thumbnail stays: at 10 fps this holds one raw 1080p frame (4 MB) rather than six (25 MB), at 60 fps four.
    /// </summary>
    public TimeSpan RecentFrameWindow { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MinimumChangedBlocks);
        ArgumentOutOfRangeException.ThrowIfNegative(CursorSizedChangeBlocks);
        ArgumentOutOfRangeException.ThrowIfLessThan(RecentFrameCapacity, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(RecentFrameWindow, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ChangeMinimumInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumKeptFrameInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleKeyframeInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(SettleDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(SettleTimeout, SettleDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(BurstGap, TimeSpan.Zero);
    }
}
