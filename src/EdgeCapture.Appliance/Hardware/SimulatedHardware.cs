using System.Globalization;
using EdgeCapture.Input;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Relay;
using EdgeCapture.Relay.Simulation;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hardware;

/// <summary>
/// Simulated hardware: a scripted user typing and moving through the real relay on private FIFOs (the Relay project's
/// simulation), a simulated GPIO chip with the simulated pinout's switch, indicator and forget button, and the run's
/// scheduled switch flips and forget presses. Device, gadget and pinout settings of the configuration are not used.
/// </summary>
public sealed class SimulatedHardware : ApplianceHardware
{
    /// <summary>GPIO line of the simulated privacy switch (high = private).</summary>
    public const int SwitchLine = SimulatedPinout.SwitchLine;

    /// <summary>GPIO line of the simulated recording indicator (high = lit).</summary>
    public const int IndicatorLine = SimulatedPinout.IndicatorLine;

    /// <summary>GPIO line of the simulated forget button (low = pressed).</summary>
    public const int ButtonLine = SimulatedPinout.ButtonLine;

    /// <summary>Frame rate of the simulated desktop (<see cref="ApplianceConfiguration.VideoSource"/> = simulated).</summary>
    public const int FramesPerSecond = 10;

    /// <summary>The report line when the simulated host has read its first keyboard report (start-up to first relayed key is measured on it).</summary>
    public const string FirstHostKeyReport = "first key relayed to the simulated host";

    private int _firstHostKeyReported;

    /// <summary>Simulated hardware for <paramref name="simulation"/>.</summary>
    /// <param name="simulation">The scripted user's seed and length, the switch flips, the forget presses.</param>
    public SimulatedHardware(ApplianceSimulation simulation)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        Simulation = simulation;
        Script = DesktopActivityScript.CreateDefault(simulation.Seed, simulation.ScriptLength, simulation.LockScreen);
    }

    /// <summary>The simulation settings.</summary>
    public ApplianceSimulation Simulation { get; }

    /// <summary>The simulated GPIO chip (switch, indicator, button), once the privacy hardware has started.</summary>
    public SimulatedGpioDriver? Gpio { get; private set; }

    internal override bool ReadsConfiguredInput => false;

    internal override bool ReadsInstalledPinout => false;

    internal override bool IsLockScreenLikelyAtStart(ApplianceConfiguration configuration) => false;

    internal override DesktopActivityScript Script { get; }

    internal override PrivacyHardware StartPrivacy(ApplianceConfiguration configuration, PrivacyOptions options, MonotonicClock clock, ILoggerFactory loggerFactory)
    {
        SimulatedGpioDriver driver = SimulatedPinout.CreateDriver(switchPrivate: Simulation.PrivateAt.Contains(0));
        Gpio = driver;
        return PrivacyHardware.Start(SimulatedPinout.Document, options, clock, loggerFactory, _ => driver);
    }

    internal override IApplianceRelay StartRelay(ApplianceConfiguration configuration, InputTap tap, TimeProvider time, ILoggerFactory loggerFactory, Action<string> report)
    {
        var relay = new SimulatedRelay();
        var options = new HidRelayOptions { PointerMode = Simulation.PointerMode, ScreenWidth = configuration.VideoWidth, ScreenHeight = configuration.VideoHeight };
        relay.Start((cancellationToken, started) => RelaySimulation.RunAsync(Script, 1.0, line => ReportFirstHostKey(line, report), time, loggerFactory, tap, started, options, cancellationToken));
        return relay;
    }

    internal override IFrameSource? CreateFrameSource(ApplianceConfiguration configuration, TimeProvider time, ILoggerFactory loggerFactory) =>
        ApplianceFrameSources.Create(configuration, Script, Simulation, time, loggerFactory);

    internal override Task RunScheduleAsync(PrivacyHardware privacy, Func<TimeSpan, ForgetOutcome> forget, TimeSpan forgetWindow, Action<string> report, CancellationToken cancellationToken)
    {
        var schedule = new SimulatedPrivacySchedule { PrivateAt = Simulation.PrivateAt, PublicAt = Simulation.PublicAt, ForgetAt = Simulation.ForgetAt };

        // The scripted presses go straight to the recorder; SimulatedPrivacyHardware presses the button line instead.
        return schedule.PlayAsync(Gpio!, (at, _) =>
        {
            ForgetOutcome outcome = forget(forgetWindow);
            report(string.Create(CultureInfo.InvariantCulture, $"forget: last {forgetWindow.TotalMinutes:0.#} min at {at:0.###} s: {outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted"));
            return Task.CompletedTask;
        }, report, cancellationToken);
    }

    private void ReportFirstHostKey(string simulationLine, Action<string> report)
    {
        if (simulationLine.Contains("] keyboard ", StringComparison.Ordinal) && Interlocked.Exchange(ref _firstHostKeyReported, 1) == 0)
        {
            report(FirstHostKeyReport);
        }
    }
}
