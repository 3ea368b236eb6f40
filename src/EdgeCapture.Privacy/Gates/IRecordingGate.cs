namespace EdgeCapture.Privacy.Gates;

/// <summary>
/// The privacy seam of the capture stage. The capture stage asks it for every frame and marker, by timestamp, before
/// any encoding: what is not recordable is released on the spot and never leaves the stage; what is pending is held
/// by the stage and asked about again (nobody sleeps). The production implementation is <see cref="FrameGate"/>.
/// </summary>
public interface IRecordingGate
{
    /// <summary>
    /// Recordable only when the instant <paramref name="monotonicNanoseconds"/> lies in a confirmed public interval;
    /// not recordable when private, unknown or unreadable ("The switch wins"); pending while it is public but not yet
    /// confirmed. Answers other than pending are final. Cheap, never blocks, thread-safe: it is called from the capture
    /// thread and the encoder thread.
    /// </summary>
    /// <param name="monotonicNanoseconds">The item's timestamp on the monotonic nanosecond base.</param>
    /// <returns>The decision.</returns>
    GateDecision Decide(long monotonicNanoseconds);
}

/// <summary>Adapts a yes/no delegate (a tool without a switch, a test) to <see cref="IRecordingGate"/>; it never answers pending.</summary>
public sealed class DelegateRecordingGate : IRecordingGate
{
    private readonly Func<long, bool> _isRecordable;

    /// <summary>Wraps <paramref name="isRecordable"/>: true is recordable, false is not recordable.</summary>
    /// <param name="isRecordable">The decision for an instant.</param>
    public DelegateRecordingGate(Func<long, bool> isRecordable)
    {
        ArgumentNullException.ThrowIfNull(isRecordable);
        _isRecordable = isRecordable;
    }

    /// <inheritdoc/>
    public GateDecision Decide(long monotonicNanoseconds) => _isRecordable(monotonicNanoseconds) ? GateDecision.Recordable : GateDecision.NotRecordable;
}
