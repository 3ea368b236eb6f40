using System.Device.Gpio;
using System.Globalization;
using EdgeCapture.Input;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Recorder;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hardware;

/// <summary>
/// For a bench check of the recorder with real input (<c>edgecapture record --simulated-privacy</c>): the configuration's
/// evdev input through the real relay (device nodes, or FIFOs and files standing in for them), with the simulated pinout's
/// switch, indicator and forget button on a simulated GPIO chip, driven by a <see cref="SimulatedPrivacySchedule"/>. Flips
/// set the switch line; a forget press holds the button line pressed for <see cref="ButtonHold"/>, so the real debounce,
/// the press's edge time and the recorder's forget path are the ones that run. No pinout file is read.
/// </summary>
/// <remarks>
/// Only the CLI's <c>record</c> builds this; no configuration key, fleet command or file selects it, so it can never take
/// the place of the installed pinout under <c>edgecapture run</c> ("The switch wins"). A stand-in input is still never
/// relayed to a real gadget (the relay's own check), and without a gadget the input is only recorded.
/// </remarks>
public sealed class SimulatedPrivacyHardware : ApplianceHardware
{
    /// <summary>How long a scheduled forget press holds the button line pressed (well over the 30 ms debounce).</summary>
    public static readonly TimeSpan ButtonHold = TimeSpan.FromMilliseconds(200);

    /// <summary>Simulated switch lines for <paramref name="schedule"/>.</summary>
    /// <param name="schedule">The switch flips and forget presses, in seconds after the start.</param>
    public SimulatedPrivacyHardware(SimulatedPrivacySchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Schedule = schedule;
    }

    /// <summary>The switch flips and forget presses.</summary>
    public SimulatedPrivacySchedule Schedule { get; }

    /// <summary>The simulated GPIO chip (switch, indicator, button), once the privacy hardware has started.</summary>
    public SimulatedGpioDriver? Gpio { get; private set; }

    internal override bool ReadsConfiguredInput => true;

    internal override bool ReadsInstalledPinout => false;

    internal override DesktopActivityScript Script { get; } = DesktopActivityScript.CreateDefault(1, TimeSpan.FromHours(1));

    /// <summary>A host behind a gadget may show a lock screen when the box starts; recorded-only input has no host.</summary>
    internal override bool IsLockScreenLikelyAtStart(ApplianceConfiguration configuration) =>
        configuration.Gadget is not null || configuration.KeyboardGadget is not null || configuration.MouseGadget is not null || configuration.ConsumerControlGadget is not null;

    internal override PrivacyHardware StartPrivacy(ApplianceConfiguration configuration, PrivacyOptions options, MonotonicClock clock, ILoggerFactory loggerFactory)
    {
        SimulatedGpioDriver driver = SimulatedPinout.CreateDriver(switchPrivate: Schedule.StartsPrivate);
        Gpio = driver;
        return PrivacyHardware.Start(SimulatedPinout.Document, options, clock, loggerFactory, _ => driver);
    }

    internal override IApplianceRelay StartRelay(ApplianceConfiguration configuration, InputTap tap, TimeProvider time, ILoggerFactory loggerFactory, Action<string> report) =>
        DeviceHardware.StartEvdevRelay(configuration, tap, time, loggerFactory);

    internal override Task RunScheduleAsync(PrivacyHardware privacy, Func<TimeSpan, ForgetOutcome> forget, TimeSpan forgetWindow, Action<string> report, CancellationToken cancellationToken)
    {
        SimulatedGpioDriver driver = Gpio!;
        return Schedule.PlayAsync(driver, async (at, stop) =>
        {
            // Pressed (low) for longer than the debounce, then released: the button reports the press from its first edge.
            driver.SetExternalLevel(SimulatedPinout.ButtonLine, PinValue.Low);
            report(string.Create(CultureInfo.InvariantCulture, $"forget button: pressed at {at:0.###} s (line {SimulatedPinout.ButtonLine})"));
            try
            {
                await Task.Delay(ButtonHold, stop).ConfigureAwait(false);
            }
            finally
            {
                driver.SetExternalLevel(SimulatedPinout.ButtonLine, PinValue.High);
            }
        }, report, cancellationToken);
    }
}
