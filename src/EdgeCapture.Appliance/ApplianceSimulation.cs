using EdgeCapture.Input.Simulation;

namespace EdgeCapture.Appliance;

/// <summary>
/// Simulated hardware for development, CI and the demo: a scripted user typed through evdev FIFOs into the real relay
/// (gadget side: private FIFOs, no USB), a simulated privacy switch and forget button on a simulated GPIO chip, and
/// (with <see cref="ApplianceConfiguration.VideoSource"/> = simulated) the simulated desktop. Device, gadget and pinout
/// settings of the configuration are not used. Times are seconds after the start.
/// </summary>
public sealed record ApplianceSimulation
{
    /// <summary>Seed of the simulated user (and screen).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Length of the simulated user's script. Default 1 hour (it is stopped earlier by <see cref="Appliance.StopAsync"/>).</summary>
    public TimeSpan ScriptLength { get; init; } = TimeSpan.FromHours(1);

    /// <summary>When the switch goes private (0 = private from the start).</summary>
    public IReadOnlyList<double> PrivateAt { get; init; } = [];

    /// <summary>When the switch goes public again.</summary>
    public IReadOnlyList<double> PublicAt { get; init; } = [];

    /// <summary>When the forget button is pressed (the recorder forgets the privacy options' window, default 2 minutes).</summary>
    public IReadOnlyList<double> ForgetAt { get; init; } = [];

    /// <summary>
    /// False (the default): the simulated desktop drops a frame when no buffer is free, as a capture device does. True:
    /// it waits for a buffer and keeps each frame's scripted time, so every frame interval has its frame however loaded
    /// the machine is, and what is kept next to the input does not depend on the load (tests of timing bounds).
    /// </summary>
    public bool LosslessFrames { get; init; }

    /// <summary>
    /// A scripted lock and unlock (Win+L, a password typed on the lock screen, Enter), or null (the default: the simulated user
    /// never locks). Must fit in <see cref="ScriptLength"/>; the simulated screen shows the lock screen while locked.
    /// </summary>
    public ScriptedLockScreen? LockScreen { get; init; }

    /// <summary>
    /// What the simulated gadget's mouse function is: the relative mouse (the default) or the absolute pointer, in which the
    /// relay integrates the motion on a screen of <see cref="ApplianceConfiguration.VideoWidth"/> x
    /// <see cref="ApplianceConfiguration.VideoHeight"/> (as on a device), sends positions, and the recorder seals each one.
    /// </summary>
    public EdgeCapture.Hid.PointerMode PointerMode { get; init; } = EdgeCapture.Hid.PointerMode.Relative;
}
