namespace EdgeCapture.Privacy.Gates;

/// <summary>
/// The frame gate's one home: the privacy timeline asked about a frame's instant, with one fresh read of the switch when
/// the timeline has not confirmed that instant yet (a fresh frame is usually newer than the last periodic read, and a
/// starved poll timer must not turn public frames into private ones). It never sleeps: an answer that is still pending
/// after the read is returned as pending, and the capture stage holds the frame and asks again with its next frame.
/// </summary>
/// <remarks>
/// <para>Capture latency: a frame shows the screen as it was some time before its V4L2 timestamp (USB HDMI dongles lag roughly
/// 50-150 ms, the CSI bridge less). With a latency allowance <c>a</c>, a frame stamped <c>t</c> is recordable only when the whole
/// window <c>[t - a, t]</c> lies in one public interval, so no frame taken just after going public shows the private screen.</para>
/// An optional restriction (a remote stop, for example) is ANDed in: it can only make the gate stricter, never open it.
/// </remarks>
public sealed class FrameGate : IRecordingGate
{
    private readonly PrivacyTimeline _timeline;
    private readonly Action? _readSwitchNow;
    private readonly Func<long, bool>? _alsoRequired;
    private readonly long _latencyAllowanceNanoseconds;

    /// <summary>Creates the gate over <paramref name="timeline"/>.</summary>
    /// <param name="timeline">The appliance's privacy timeline.</param>
    /// <param name="readSwitchNow">Reads the switch now (<see cref="PrivacyHardware.Refresh"/>), or null.</param>
    /// <param name="alsoRequired">A further condition for an instant to be recordable (it can only make the gate stricter), or null.</param>
    /// <param name="latencyAllowance">How long before its timestamp a frame may still show the screen (the source's capture latency).</param>
    public FrameGate(PrivacyTimeline timeline, Action? readSwitchNow = null, Func<long, bool>? alsoRequired = null, TimeSpan latencyAllowance = default)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentOutOfRangeException.ThrowIfLessThan(latencyAllowance, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(latencyAllowance, TimeSpan.FromSeconds(10));
        _latencyAllowanceNanoseconds = MonotonicClock.ToNanoseconds(latencyAllowance);
        _timeline = timeline;
        _readSwitchNow = readSwitchNow;
        _alsoRequired = alsoRequired;
    }

    /// <summary>The frame gate of running privacy hardware: its timeline, reading its switch when an instant is pending.</summary>
    /// <param name="hardware">The privacy hardware.</param>
    /// <param name="alsoRequired">A further condition for an instant to be recordable, or null.</param>
    /// <param name="latencyAllowance">The source's capture latency allowance (see the remarks).</param>
    /// <returns>The gate.</returns>
    public static FrameGate For(PrivacyHardware hardware, Func<long, bool>? alsoRequired = null, TimeSpan latencyAllowance = default)
    {
        ArgumentNullException.ThrowIfNull(hardware);
        return new FrameGate(hardware.Timeline, hardware.Refresh, alsoRequired, latencyAllowance);
    }

    /// <inheritdoc/>
    public GateDecision Decide(long monotonicNanoseconds)
    {
        long from = monotonicNanoseconds - _latencyAllowanceNanoseconds;
        GateDecision decision = _timeline.DecideWindow(from, monotonicNanoseconds);
        if (decision == GateDecision.Pending && _readSwitchNow is not null)
        {
            _readSwitchNow();
            decision = _timeline.DecideWindow(from, monotonicNanoseconds);
        }

        if (decision != GateDecision.NotRecordable && _alsoRequired is not null && !_alsoRequired(monotonicNanoseconds))
        {
            return GateDecision.NotRecordable;
        }

        return decision;
    }
}
