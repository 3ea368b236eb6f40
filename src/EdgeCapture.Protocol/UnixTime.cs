namespace EdgeCapture.Protocol;

/// <summary>Times on the wire are signed 64-bit nanoseconds since the Unix epoch (UTC), like the manifests' (years 1678 to 2262).</summary>
internal static class UnixTime
{
    internal static long ToNanoseconds(DateTimeOffset time)
    {
        long ticks = (time - DateTimeOffset.UnixEpoch).Ticks;
        return ticks > long.MaxValue / 100 ? long.MaxValue : ticks < long.MinValue / 100 ? long.MinValue : ticks * 100;
    }

    // Every int64 nanosecond count lies within DateTimeOffset's range, so this never fails.
    internal static DateTimeOffset FromNanoseconds(long nanoseconds) => DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
}
