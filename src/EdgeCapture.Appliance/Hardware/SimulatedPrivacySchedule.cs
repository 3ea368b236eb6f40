using System.Device.Gpio;
using System.Globalization;
using EdgeCapture.Privacy.Simulation;

namespace EdgeCapture.Appliance.Hardware;

/// <summary>
/// When a simulated privacy switch flips and a simulated forget button is pressed, in seconds after the start of the run.
/// Played on the simulated pinout's GPIO lines (<see cref="SimulatedPinout"/>), so the real switch monitor, indicator and
/// button logic see ordinary edges.
/// </summary>
public sealed record SimulatedPrivacySchedule
{
    /// <summary>When the switch goes private (0 = private from the start).</summary>
    public IReadOnlyList<double> PrivateAt { get; init; } = [];

    /// <summary>When the switch goes public again.</summary>
    public IReadOnlyList<double> PublicAt { get; init; } = [];

    /// <summary>When the forget button is pressed.</summary>
    public IReadOnlyList<double> ForgetAt { get; init; } = [];

    /// <summary>Whether the switch is private from the start.</summary>
    public bool StartsPrivate => PrivateAt.Contains(0);

    /// <summary>
    /// Plays the flips on <paramref name="driver"/>'s switch line and calls <paramref name="press"/> at each forget time,
    /// until every step is done or <paramref name="cancellationToken"/> stops the run.
    /// </summary>
    internal Task PlayAsync(SimulatedGpioDriver driver, Func<double, CancellationToken, Task> press, Action<string> report, CancellationToken cancellationToken)
    {
        var steps = new List<Task>();
        foreach (double at in PrivateAt.Where(at => at > 0))
        {
            steps.Add(AtAsync(at, _ =>
            {
                driver.SetExternalLevel(SimulatedPinout.SwitchLine, PinValue.High);
                report(string.Create(CultureInfo.InvariantCulture, $"switch: private at {at:0.###} s"));
                return Task.CompletedTask;
            }, cancellationToken));
        }

        foreach (double at in PublicAt)
        {
            steps.Add(AtAsync(at, _ =>
            {
                driver.SetExternalLevel(SimulatedPinout.SwitchLine, PinValue.Low);
                report(string.Create(CultureInfo.InvariantCulture, $"switch: public at {at:0.###} s"));
                return Task.CompletedTask;
            }, cancellationToken));
        }

        foreach (double at in ForgetAt)
        {
            steps.Add(AtAsync(at, stop => press(at, stop), cancellationToken));
        }

        return Task.WhenAll(steps);
    }

    private static async Task AtAsync(double seconds, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
            await action(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped first.
        }
    }
}
