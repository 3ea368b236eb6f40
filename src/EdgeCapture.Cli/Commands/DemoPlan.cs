using System.Globalization;

namespace EdgeCapture.Cli.Commands;

/// <summary>A span of the demo in seconds after the boxes started.</summary>
/// <param name="From">Start, seconds.</param>
/// <param name="To">End, seconds.</param>
internal readonly record struct DemoSpan(double From, double To)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{From:0.0}-{To:0.0} s");
}

/// <summary>
/// What one simulated box does during the demo, in seconds after the boxes started: when its privacy switch is private,
/// whether and when its user locks the laptop and types the password on the lock screen, whether and when the forget
/// button is pressed, and which fleet groups it belongs to. Everything scales with the demo's length.
/// </summary>
/// <param name="DeviceId">The box's device id.</param>
/// <param name="Seed">Seed of its simulated user.</param>
/// <param name="Private">Intervals the switch is private.</param>
/// <param name="LockAt">When Win+L goes down, or null.</param>
/// <param name="ForgetAt">When the forget button is pressed, or null.</param>
/// <param name="Groups">Its fleet groups.</param>
internal sealed record DemoBoxPlan(string DeviceId, int Seed, IReadOnlyList<DemoSpan> Private, double? LockAt, double? ForgetAt, IReadOnlyList<string> Groups)
{
    /// <summary>The group every box is in (the configuration change goes to it).</summary>
    public const string AllGroup = "demo";

    /// <summary>The group the fleet command goes to (two of the three boxes).</summary>
    public const string CommandGroup = "floor-3";

    /// <summary>
    /// The three boxes: box 1 goes private for the middle fifth and locks its laptop late; box 2 goes private early and late
    /// and locks in between; box 3 has its forget button pressed early and goes private near the end.
    /// </summary>
    public static IReadOnlyList<DemoBoxPlan> ForLength(double seconds, int seed)
    {
        double At(double fraction) => Math.Round(seconds * fraction, 1);
        return
        [
            new("demo-box-1", seed, [new(At(0.35), At(0.55))], LockAt: At(0.62), ForgetAt: null, [AllGroup, CommandGroup]),
            new("demo-box-2", seed + 1, [new(At(0.12), At(0.25)), new(At(0.75), At(0.85))], LockAt: At(0.35), ForgetAt: null, [AllGroup, CommandGroup]),
            new("demo-box-3", seed + 2, [new(At(0.60), At(0.75))], LockAt: null, ForgetAt: At(0.30), [AllGroup]),
        ];
    }

    /// <summary>One line for the introduction.</summary>
    public string Describe()
    {
        var parts = new List<string> { "private " + string.Join(", ", Private) };
        if (LockAt is { } lockAt)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"Win+L and the password at {lockAt:0.0} s"));
        }

        if (ForgetAt is { } forgetAt)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"forget pressed at {forgetAt:0.0} s"));
        }

        parts.Add("groups " + string.Join(", ", Groups));
        return string.Join("; ", parts);
    }
}
