using System.Runtime.CompilerServices;

namespace EdgeCapture.Linux;

/// <summary>
/// The one "monotonic nanoseconds" clock of the box: a <see cref="TimeProvider"/> timestamp converted to nanoseconds.
/// Input, relay, privacy, capture and recording all stamp with it, so their instants compare.
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
/// Every stage that stamps events compared against the privacy timeline must use the same clock, so simulated runs
/// with a fake provider and an origin stay consistent too. Code handed only a <see cref="TimeProvider"/> gets that
/// clock with <see cref="For"/>: one clock per provider, whoever asks.
/// </para>
/// </remarks>
public sealed class MonotonicClock
{
    /// <summary>Nanoseconds in a second.</summary>
    public const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>Nanoseconds in a millisecond.</summary>
    public const long NanosecondsPerMillisecond = 1_000_000;

    private static readonly ConditionalWeakTable<TimeProvider, MonotonicClock> ClocksByProvider = [];

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

    /// <summary>
    /// The clock every component given <paramref name="timeProvider"/> shares: <see cref="System"/> for
    /// <see cref="TimeProvider.System"/>; for any other provider one clock, created on first use, whose origin is 0 when
    /// the provider's timestamps fit nanoseconds from 0 and otherwise the provider's timestamp at that first use
    /// (FakeTimeProvider starts in year 2000, far beyond the nanosecond range).
    /// </summary>
    /// <param name="timeProvider">The time source.</param>
    /// <returns>The shared clock.</returns>
    public static MonotonicClock For(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (ReferenceEquals(timeProvider, TimeProvider.System))
        {
            return System;
        }

        return ClocksByProvider.GetValue(timeProvider, static provider =>
        {
            long now = provider.GetTimestamp();
            long frequency = provider.TimestampFrequency;
            bool fitsFromZero = frequency > 0 && (Int128)now * NanosecondsPerSecond / frequency < long.MaxValue / 2;
            return new MonotonicClock(provider, fitsFromZero ? 0 : now);
        });
    }

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
