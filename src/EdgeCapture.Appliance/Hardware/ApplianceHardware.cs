using EdgeCapture.Input;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hardware;

/// <summary>
/// What the appliance runs on, chosen once at wiring time: the box's devices (<see cref="DeviceHardware"/>) or simulated
/// ones (<see cref="SimulatedHardware"/>). Everything that differs between the two lives behind this seam, so the
/// composition of relay, privacy, recorder, capture, upload and fleet is one and the same.
/// </summary>
public abstract class ApplianceHardware
{
    private protected ApplianceHardware()
    {
    }

    /// <summary>Whether the relay's input comes from the configuration's evdev nodes (true) or from a simulated user.</summary>
    internal abstract bool ReadsConfiguredInput { get; }

    /// <summary>Whether the switch, indicator and button are the installed pinout's (which must be root-owned) or simulated ones.</summary>
    internal abstract bool ReadsInstalledPinout { get; }

    /// <summary>
    /// Whether the laptop behind a box that just started is likely to show a lock screen. A simulated run has no laptop
    /// and its scripted user unlocks nothing, so there the trigger would only hide the script.
    /// </summary>
    /// <param name="configuration">The configuration (whether a gadget, and so a host, is behind the relay).</param>
    /// <returns>True when lock-screen suppression should start with the recorder.</returns>
    internal abstract bool IsLockScreenLikelyAtStart(ApplianceConfiguration configuration);

    /// <summary>The simulated user's script (simulated desktop frames follow it), or the default one on devices.</summary>
    internal abstract DesktopActivityScript Script { get; }

    /// <summary>Starts the switch, the indicator and the forget button: fail closed, private until the switch is read.</summary>
    internal abstract PrivacyHardware StartPrivacy(ApplianceConfiguration configuration, PrivacyOptions options, MonotonicClock clock, ILoggerFactory loggerFactory);

    /// <summary>Starts relaying keyboard and mouse into <paramref name="tap"/> (which it only offers to, never waits on).</summary>
    internal abstract IApplianceRelay StartRelay(ApplianceConfiguration configuration, InputTap tap, TimeProvider time, ILoggerFactory loggerFactory, Action<string> report);

    /// <summary>The simulated switch flips and forget presses of the run (simulated hardware); none on devices.</summary>
    internal virtual Task RunScheduleAsync(PrivacyHardware privacy, Func<TimeSpan, ForgetOutcome> forget, TimeSpan forgetWindow, Action<string> report, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The frame source the configuration names, or null without screen capture. Sources open their device only when run.</summary>
    internal virtual IFrameSource? CreateFrameSource(ApplianceConfiguration configuration, TimeProvider time, ILoggerFactory loggerFactory) =>
        ApplianceFrameSources.Create(configuration, Script, simulation: null, time, loggerFactory);
}
