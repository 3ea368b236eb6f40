using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Gates;

namespace EdgeCapture.Appliance;

/// <summary>
/// How long before its timestamp a frame of each source may still show the screen: the capture latency allowance of the
/// frame gate (<see cref="Privacy.Gates.FrameGate"/>). A frame stamped <c>t</c> is recorded only when the whole window
/// <c>[t - allowance, t]</c> was public, so no frame taken just after going public shows the private screen ("The switch wins").
/// The allowances are fixed defaults, not configuration: a smaller one could only let a private screen through.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>v4l2-dongle: 150 ms</term><description>USB HDMI dongles (MS2109/MS2130 class) buffer and compress: the V4L2 timestamp lags the screen by roughly 50-150 ms; the upper end is taken.</description></item>
/// <item><term>v4l2-bridge: 60 ms</term><description>The TC358743 CSI-2 bridge hands over a frame once it is complete: up to two frame times at 30 Hz.</description></item>
/// <item><term>simulated: 100 ms</term><description>The simulated desktop renders at its timestamp (no lag); an allowance like a dongle's is kept so the window is exercised in CI and the demo.</description></item>
/// <item><term>file: 100 ms</term><description>A replay has no capture lag either; gated like the simulated desktop.</description></item>
/// </list>
/// </remarks>
public static class CaptureLatencyAllowance
{
    /// <summary>The USB HDMI dongle's allowance.</summary>
    public static readonly TimeSpan UsbDongle = TimeSpan.FromMilliseconds(150);

    /// <summary>The TC358743 HDMI-to-CSI-2 bridge's allowance.</summary>
    public static readonly TimeSpan CsiBridge = TimeSpan.FromMilliseconds(60);

    /// <summary>The simulated desktop's and a replayed file's allowance.</summary>
    public static readonly TimeSpan SimulatedOrFile = TimeSpan.FromMilliseconds(100);

    /// <summary>The frame gate of a source: the privacy hardware's timeline over the source's allowance window (the capture stage's only gate).</summary>
    /// <param name="hardware">The running privacy hardware.</param>
    /// <param name="source">The configured source.</param>
    /// <param name="alsoRequired">A further condition (the fleet's remote stop), which can only make the gate stricter; or null.</param>
    /// <returns>The gate.</returns>
    public static FrameGate FrameGateFor(PrivacyHardware hardware, VideoSourceKind source, Func<long, bool>? alsoRequired) =>
        FrameGate.For(hardware, alsoRequired, For(source));

    /// <summary>The allowance of a video source.</summary>
    /// <param name="source">The configured source.</param>
    /// <returns>The allowance; zero for <see cref="VideoSourceKind.None"/> (no frames).</returns>
    public static TimeSpan For(VideoSourceKind source) => source switch
    {
        VideoSourceKind.V4l2Dongle => UsbDongle,
        VideoSourceKind.V4l2Bridge => CsiBridge,
        VideoSourceKind.Simulated or VideoSourceKind.File => SimulatedOrFile,
        VideoSourceKind.None => TimeSpan.Zero,
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
    };
}
