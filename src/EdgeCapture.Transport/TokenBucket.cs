namespace EdgeCapture.Transport;

/// <summary>
/// The upload rate limit: a token bucket of bytes on a <see cref="TimeProvider"/>, refilled at
/// <c>bytesPerSecond</c> up to <c>burstBytes</c>. A take larger than the burst waits until the bucket is full and
/// then goes into debt, so any part size works at the configured average rate.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly double _bytesPerSecond;
    private readonly double _burst;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _lastTimestamp;

    /// <summary>Creates a full bucket.</summary>
    /// <param name="bytesPerSecond">Average rate; positive.</param>
    /// <param name="burstBytes">Bucket size; positive.</param>
    /// <param name="time">The clock.</param>
    public TokenBucket(long bytesPerSecond, long burstBytes, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burstBytes);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _bytesPerSecond = bytesPerSecond;
        _burst = burstBytes;
        _tokens = burstBytes;
        _lastTimestamp = time.GetTimestamp();
    }

    /// <summary>Waits until <paramref name="bytes"/> may be sent, then takes them.</summary>
    /// <param name="bytes">Bytes about to be sent.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task that completes when the bytes may go.</returns>
    public async ValueTask TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        while (true)
        {
            TimeSpan wait;
            lock (_lock)
            {
                Refill();
                double needed = Math.Min(bytes, _burst);
                if (_tokens >= needed)
                {
                    _tokens -= bytes;
                    return;
                }

                wait = TimeSpan.FromSeconds((needed - _tokens) / _bytesPerSecond);
            }

            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Refill()
    {
        long now = _time.GetTimestamp();
        double seconds = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
        _lastTimestamp = now;
        _tokens = Math.Min(_burst, _tokens + (seconds * _bytesPerSecond));
    }
}
