namespace EdgeCapture.Privacy;

/// <summary>
/// Timing of the privacy hardware. None of these can disable the switch or the indicator: they only tune how fast
/// the gate reopens and how long history is kept. Values out of range are rejected by <see cref="Validate"/>.
/// </summary>
public sealed class PrivacyOptions
{
    /// <summary>How long the switch must read public, with no private edge, before the gate opens. Default 50 ms.</summary>
    public TimeSpan SwitchDebounce { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Period of the switch re-read that backs up edge events and advances the watermark. Default 20 ms.</summary>
    public TimeSpan SwitchPollInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How far behind a public read the watermark stays, so that a private edge that happened before the read but is
    /// still being delivered by the driver lands outside what was confirmed. Default 2 ms.
    /// </summary>
    public TimeSpan EdgeDeliveryAllowance { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>How often a line that could not be requested is retried. Default 1 s.</summary>
    public TimeSpan LineRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the forget button must stay pressed (or released) to count. Default 30 ms.</summary>
    public TimeSpan ButtonDebounce { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>How much recording one press of the forget button discards, ending at the press. Default 2 minutes.</summary>
    public TimeSpan ForgetWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long closed public intervals are kept; older instants answer not recordable. Default 15 minutes.</summary>
    public TimeSpan TimelineRetention { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Upper bound on retained public intervals (bounds memory under a flapping switch). Default 1024.</summary>
    public int MaximumRetainedIntervals { get; init; } = 1024;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Require(SwitchDebounce, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10), nameof(SwitchDebounce));
        Require(SwitchPollInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1), nameof(SwitchPollInterval));
        Require(EdgeDeliveryAllowance, TimeSpan.Zero, TimeSpan.FromSeconds(1), nameof(EdgeDeliveryAllowance));
        Require(LineRetryInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10), nameof(LineRetryInterval));
        Require(ButtonDebounce, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(5), nameof(ButtonDebounce));
        Require(ForgetWindow, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24), nameof(ForgetWindow));
        Require(TimelineRetention, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7), nameof(TimelineRetention));
        if (MaximumRetainedIntervals is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumRetainedIntervals), MaximumRetainedIntervals, "Must be between 1 and 1,000,000.");
        }
    }

    private static void Require(TimeSpan value, TimeSpan minimum, TimeSpan maximum, string name)
    {
        if (value < minimum || value > maximum)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {minimum} and {maximum}.");
        }
    }
}
