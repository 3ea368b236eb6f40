namespace EdgeCapture.Privacy;

/// <summary>
/// The system-wide "monotonic nanoseconds" clock: a <see cref="TimeProvider"/> timestamp converted to nanoseconds.
/// </summary>
/// <remarks>
/// <para>
/// Conversion: <c>ns = (timestamp - origin) * 1e9 / TimestampFrequency</c>, done as whole seconds plus remainder so
/// no precision is lost and nothing overflows silently (an out-of-range result throws <see cref="OverflowException"/>).
/// With <see cref="TimeProvider.System"/> on Linux the timestamp is <c>Stopwatch.GetTimestamp()</c>, which is
/// CLOCK_MONOTONIC in nanoseconds (frequency 1e9), so with the default origin of zero the value is exactly the kernel's
/// CLOCK_MONOTONIC and matches evdev event times once the evdev fd is switched to CLOCK_MONOTONIC (EVIOCSCLOCKID).
/// </para>
/// <para>
/// Every stage that stamps events compared against the <see cref="PrivacyTimeline"/> must use the same instance
/// (<see cref="PrivacyTimeline.Clock"/>), so simulated runs with a fake provider and an origin stay consistent too.
/// </para>
/// </remarks>
public sealed class MonotonicClock
{
    private const long NanosecondsPerSecond = 1_000_000_000;

    private readonly long _originTimestamp;
    private readonly long _frequency;

    /// <summary>Creates a clock over <paramref name="timeProvider"/> whose zero is the provider's timestamp zero.</summary>
    /// <param name="timeProvider">The time source; <see cref="TimeProvider.System"/> in production.</param>
    public MonotonicClock(TimeProvider timeProvider)
        : this(timeProvider, originTimestamp: 0)
    {
    }

    /// <summary>
    /// Creates a clock whose zero is <paramref name="originTimestamp"/>. Only for simulated providers whose timestamps
    /// are far from zero (FakeTimeProvider counts 100 ns ticks since year 1, which overflows as nanoseconds).
    /// </summary>
    /// <param name="timeProvider">The time source.</param>
    /// <param name="originTimestamp">The provider timestamp that maps to nanosecond zero.</param>
    public MonotonicClock(TimeProvider timeProvider, long originTimestamp)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeProvider = timeProvider;
        _originTimestamp = originTimestamp;
        _frequency = timeProvider.TimestampFrequency;
        if (_frequency <= 0)
        {
            throw new ArgumentException($"The time provider reports a timestamp frequency of {_frequency}; it must be positive.", nameof(timeProvider));
        }
    }

    /// <summary>The default clock: <see cref="TimeProvider.System"/>, CLOCK_MONOTONIC nanoseconds on Linux.</summary>
    public static MonotonicClock System { get; } = new(TimeProvider.System);

    /// <summary>The time provider behind this clock (timers for debounce and blinking use it too).</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The current time in monotonic nanoseconds.</summary>
    public long NowNanoseconds => ToNanoseconds(TimeProvider.GetTimestamp());

    /// <summary>Converts a timestamp of <see cref="TimeProvider"/> to monotonic nanoseconds.</summary>
    /// <param name="timestamp">A value returned by <see cref="TimeProvider.GetTimestamp"/>.</param>
    /// <returns>Nanoseconds since this clock's origin.</returns>
    /// <exception cref="OverflowException">The result does not fit a 64-bit nanosecond count.</exception>
    public long ToNanoseconds(long timestamp)
    {
        long elapsed = checked(timestamp - _originTimestamp);
        if (_frequency == NanosecondsPerSecond)
        {
            return elapsed;
        }

        try
        {
            long seconds = elapsed / _frequency;
            long remainder = elapsed % _frequency;
            return checked((seconds * NanosecondsPerSecond) + (long)((Int128)remainder * NanosecondsPerSecond / _frequency));
        }
        catch (OverflowException exception)
        {
            throw new OverflowException(
                $"Timestamp {timestamp} at {_frequency} Hz is beyond the 64-bit nanosecond range from origin {_originTimestamp}; "
                + "give a simulated time provider an origin near its start time.",
                exception);
        }
    }

    /// <summary>Converts a duration to nanoseconds (100 ns tick resolution).</summary>
    /// <param name="duration">The duration.</param>
    /// <returns>The duration in nanoseconds.</returns>
    public static long ToNanoseconds(TimeSpan duration) => checked(duration.Ticks * 100);
}
