namespace EdgeCapture.Input;

/// <summary>
/// Monotonic nanoseconds from a <see cref="TimeProvider"/>: on Linux, <see cref="TimeProvider.System"/> timestamps are
/// CLOCK_MONOTONIC nanoseconds already, the same base as evdev event times after EVIOCSCLOCKID.
/// </summary>
public static class MonotonicClock
{
    /// <summary>Now, in monotonic nanoseconds.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>Nanoseconds (for a fake clock: its timestamp scaled to nanoseconds, which must fit a long).</returns>
    public static long NowNanoseconds(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return ToNanoseconds(timeProvider.GetTimestamp(), timeProvider.TimestampFrequency);
    }

    /// <summary>Converts a timestamp of the given frequency to nanoseconds.</summary>
    /// <param name="timestamp">Timestamp in ticks.</param>
    /// <param name="frequency">Ticks per second.</param>
    /// <returns>Nanoseconds.</returns>
    public static long ToNanoseconds(long timestamp, long frequency) =>
        frequency == 1_000_000_000 ? timestamp : (long)((Int128)timestamp * 1_000_000_000 / frequency);
}
