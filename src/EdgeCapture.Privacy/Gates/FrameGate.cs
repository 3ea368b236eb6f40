namespace EdgeCapture.Privacy.Gates;

/// <summary>
/// The frame gate's one home: the privacy timeline asked about a frame's instant, with one fresh read of the switch when
/// the timeline has not confirmed that instant yet (a fresh frame is usually newer than the last periodic read, and a
/// starved poll timer must not turn public frames into private ones). It never sleeps: an answer that is still pending
/// after the read is returned as pending, and the capture stage holds the frame and asks again with its next frame.
/// </summary>
/// <remarks>
/// An optional restriction (a remote stop, for example) is ANDed in: it can only make the gate stricter, never open it.
/// </remarks>
public sealed class FrameGate : IRecordingGate
{
    private readonly PrivacyTimeline _timeline;
    private readonly Action? _readSwitchNow;
    private readonly Func<long, bool>? _alsoRequired;

    /// <summary>Creates the gate over <paramref name="timeline"/>.</summary>
    /// <param name="timeline">The appliance's privacy timeline.</param>
    /// <param name="readSwitchNow">Reads the switch now (<see cref="PrivacyHardware.Refresh"/>), or null.</param>
    /// <param name="alsoRequired">A further condition for an instant to be recordable (it can only make the gate stricter), or null.</param>
    public FrameGate(PrivacyTimeline timeline, Action? readSwitchNow = null, Func<long, bool>? alsoRequired = null)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        _timeline = timeline;
        _readSwitchNow = readSwitchNow;
        _alsoRequired = alsoRequired;
    }

    /// <summary>The frame gate of running privacy hardware: its timeline, reading its switch when an instant is pending.</summary>
    /// <param name="hardware">The privacy hardware.</param>
    /// <param name="alsoRequired">A further condition for an instant to be recordable, or null.</param>
    /// <returns>The gate.</returns>
    public static FrameGate For(PrivacyHardware hardware, Func<long, bool>? alsoRequired = null)
    {
        ArgumentNullException.ThrowIfNull(hardware);
        return new FrameGate(hardware.Timeline, hardware.Refresh, alsoRequired);
    }

    /// <inheritdoc/>
    public GateDecision Decide(long monotonicNanoseconds)
    {
        GateDecision decision = _timeline.Decide(monotonicNanoseconds);
        if (decision == GateDecision.Pending && _readSwitchNow is not null)
        {
            _readSwitchNow();
            decision = _timeline.Decide(monotonicNanoseconds);
        }

        if (decision != GateDecision.NotRecordable && _alsoRequired is not null && !_alsoRequired(monotonicNanoseconds))
        {
            return GateDecision.NotRecordable;
        }

        return decision;
    }
}
