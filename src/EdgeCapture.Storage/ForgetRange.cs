using EdgeCapture.Linux;

namespace EdgeCapture.Storage;

/// <summary>
/// What a forget covers: a monotonic range measured back from the button press in the current boot, and the same range on the
/// wall clock (used only for segments whose boot is not the current one, in addition to the conservative monotonic rule).
/// </summary>
public sealed record ForgetRange
{
    /// <summary>The boot <see cref="MonotonicFromNanoseconds"/> and <see cref="MonotonicToNanoseconds"/> were measured in.</summary>
    public required BootId CurrentBoot { get; init; }

    /// <summary>Window start: the press's edge timestamp minus the window (may be negative: the window reaches before this boot).</summary>
    public required long MonotonicFromNanoseconds { get; init; }

    /// <summary>Window end: the press's edge timestamp, or later when more was dropped in memory.</summary>
    public required long MonotonicToNanoseconds { get; init; }

    /// <summary>The window start on the wall clock at the time of the forget.</summary>
    public required DateTimeOffset WallClockFromUtc { get; init; }

    /// <summary>The window end on the wall clock at the time of the forget.</summary>
    public required DateTimeOffset WallClockToUtc { get; init; }
}
