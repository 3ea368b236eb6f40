namespace EdgeCapture.Video;

/// <summary>Converts <see cref="TimeProvider"/> timestamps to the system-wide monotonic nanoseconds.</summary>
internal static class MonotonicTime
{
    public const long NanosecondsPerSecond = 1_000_000_000;
    public const long NanosecondsPerMillisecond = 1_000_000;

    /// <summary>Now, in monotonic nanoseconds (on Linux with <see cref="TimeProvider.System"/>: CLOCK_MONOTONIC).</summary>
    public static long NowNanoseconds(TimeProvider timeProvider) => ToNanoseconds(timeProvider, timeProvider.GetTimestamp());

    public static long ToNanoseconds(TimeProvider timeProvider, long timestamp)
    {
        long frequency = timeProvider.TimestampFrequency;
        if (frequency == NanosecondsPerSecond)
        {
            return timestamp;
        }

        // Split to avoid overflow of timestamp * 1e9 for large timestamps.
        long seconds = Math.DivRem(timestamp, frequency, out long remainder);
        return (seconds * NanosecondsPerSecond) + (remainder * NanosecondsPerSecond / frequency);
    }

    public static long ToNanoseconds(TimeSpan span) => span.Ticks * 100;
}
