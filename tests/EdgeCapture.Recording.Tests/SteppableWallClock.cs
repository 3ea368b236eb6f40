using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Recording.Tests;

/// <summary>The fake clock with a wall clock that can be stepped (NTP after a boot without an RTC) while monotonic time runs on.</summary>
internal sealed class SteppableWallClock(FakeTimeProvider inner) : TimeProvider
{
    /// <summary>Added to the wall clock only.</summary>
    public TimeSpan Step { get; set; }

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Step;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
