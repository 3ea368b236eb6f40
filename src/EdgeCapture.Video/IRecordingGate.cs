namespace EdgeCapture.Video;

/// <summary>
/// The privacy seam of the capture stage. The capture stage asks it for every frame and marker, by timestamp,
/// before any encoding; what is not recordable is released on the spot and never leaves the stage.
/// The real implementation is the privacy timeline (EdgeCapture.Privacy), adapted by the composition root.
/// </summary>
public interface IRecordingGate
{
    /// <summary>
    /// True only when the instant <paramref name="monotonicNanoseconds"/> lies in a known public interval.
    /// Must answer false when private, unknown or unreadable (the switch wins), and must be cheap and thread-safe:
    /// it is called from the capture thread and the encoder thread.
    /// </summary>
    bool IsRecordable(long monotonicNanoseconds);
}

/// <summary>Adapts a delegate to <see cref="IRecordingGate"/>.</summary>
public sealed class DelegateRecordingGate : IRecordingGate
{
    private readonly Func<long, bool> _isRecordable;

    /// <summary>Wraps <paramref name="isRecordable"/>, which follows the contract of <see cref="IRecordingGate.IsRecordable"/>.</summary>
    public DelegateRecordingGate(Func<long, bool> isRecordable)
    {
        ArgumentNullException.ThrowIfNull(isRecordable);
        _isRecordable = isRecordable;
    }

    /// <inheritdoc/>
    public bool IsRecordable(long monotonicNanoseconds) => _isRecordable(monotonicNanoseconds);
}
