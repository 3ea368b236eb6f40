using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Linux.Tests;

public sealed class MonotonicClockTests
{
    [Fact]
    public void A_nanosecond_provider_passes_timestamps_through_unchanged()
    {
        var clock = new MonotonicClock(new FixedFrequencyProvider(1_000_000_000, 123_456_789_012));

        Assert.Equal(123_456_789_012, clock.NowNanoseconds);
        Assert.Equal(long.MaxValue, clock.ToNanoseconds(long.MaxValue));
    }

    [Fact]
    public void Other_frequencies_convert_exactly_without_losing_the_remainder()
    {
        var ticks = new MonotonicClock(new FixedFrequencyProvider(10_000_000, 0));
        Assert.Equal(1_234_567_800, ticks.ToNanoseconds(12_345_678));

        var odd = new MonotonicClock(new FixedFrequencyProvider(3, 0));
        Assert.Equal(333_333_333, odd.ToNanoseconds(1));
        Assert.Equal(3_000_000_000, odd.ToNanoseconds(9));
        Assert.Equal(3_333_333_333, odd.ToNanoseconds(10));

        var microseconds = new MonotonicClock(new FixedFrequencyProvider(1_000_000, 0));
        Assert.Equal(9_223_372_036_854_775_000, microseconds.ToNanoseconds(9_223_372_036_854_775));
    }

    [Fact]
    public void A_fake_provider_far_from_zero_overflows_with_a_clear_message_unless_given_an_origin()
    {
        var time = new FakeTimeProvider();
        var unanchored = new MonotonicClock(time);
        OverflowException exception = Assert.Throws<OverflowException>(() => unanchored.NowNanoseconds);
        Assert.Contains("origin", exception.Message, StringComparison.Ordinal);

        var anchored = new MonotonicClock(time, time.GetTimestamp());
        Assert.Equal(0, anchored.NowNanoseconds);
        time.Advance(TimeSpan.FromMilliseconds(1.5));
        Assert.Equal(1_500_000, anchored.NowNanoseconds);
        Assert.Same(time, anchored.TimeProvider);
    }

    [Fact]
    public void The_system_clock_reads_the_kernels_clock_monotonic()
    {
        // The oracle is the kernel itself through clock_gettime(2), not Stopwatch or TimeProvider, which the clock uses.
        long before = KernelMonotonicNanoseconds();
        long now = MonotonicClock.System.NowNanoseconds;
        long after = KernelMonotonicNanoseconds();

        Assert.InRange(now, before, after);
        Assert.Equal(2_500, MonotonicClock.ToNanoseconds(TimeSpan.FromTicks(25)));
    }

    [Fact]
    public void Every_component_given_one_provider_shares_one_clock()
    {
        Assert.Same(MonotonicClock.System, MonotonicClock.For(TimeProvider.System));

        var far = new FakeTimeProvider();
        MonotonicClock first = MonotonicClock.For(far);
        Assert.Same(first, MonotonicClock.For(far));
        Assert.Equal(0, first.NowNanoseconds);
        far.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2_000_000_000, MonotonicClock.For(far).NowNanoseconds);

        // A provider whose timestamps fit keeps origin 0, so its instants equal the provider's own nanoseconds.
        var near = new FakeTimeProvider(new DateTimeOffset(1, 1, 2, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(TimeSpan.TicksPerDay * 100, MonotonicClock.For(near).NowNanoseconds);
        Assert.NotSame(first, MonotonicClock.For(near));
    }

    private static long KernelMonotonicNanoseconds()
    {
        Assert.Equal(0, Interop.ClockGetTime(Interop.CLOCK_MONOTONIC, out TimeSpecification time));
        return ((long)time.tv_sec * 1_000_000_000) + time.tv_nsec;
    }

    private sealed class FixedFrequencyProvider(long frequency, long timestamp) : TimeProvider
    {
        public override long TimestampFrequency => frequency;

        public override long GetTimestamp() => timestamp;
    }
}
