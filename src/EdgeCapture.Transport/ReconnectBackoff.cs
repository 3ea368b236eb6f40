namespace EdgeCapture.Transport;

/// <summary>
/// Exponential backoff with full jitter (a random delay between the minimum and the current cap), so a fleet of
/// boxes that lost the same broker does not reconnect in lock step.
/// </summary>
internal sealed class ReconnectBackoff(TimeSpan minimum, TimeSpan maximum, Random random)
{
    private int _failures;

    internal TimeSpan NextDelay()
    {
        double cap = Math.Min(maximum.TotalMilliseconds, minimum.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 30)));
        _failures++;
        double milliseconds = minimum.TotalMilliseconds + (random.NextDouble() * (cap - minimum.TotalMilliseconds));
        return TimeSpan.FromMilliseconds(milliseconds);
    }

    internal void Reset() => _failures = 0;
}
