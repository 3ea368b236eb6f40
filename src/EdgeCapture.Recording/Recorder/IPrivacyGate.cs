using EdgeCapture.Privacy;

namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// What the recorder needs from the privacy side: a decision per timestamp and the transitions. The production
/// implementation is <see cref="PrivacyTimelineGate"/> over the <see cref="PrivacyTimeline"/>; simulations script it.
/// </summary>
public interface IPrivacyGate
{
    /// <summary>Recordable, not recordable, or pending (public but not yet confirmed: hold the item and ask again).</summary>
    /// <param name="monotonicNanoseconds">The item's timestamp.</param>
    /// <returns>The decision; answers other than pending are final.</returns>
    GateDecision Decide(long monotonicNanoseconds);

    /// <summary>Registers an observer of transitions; it must enqueue and return (it runs on the switch's thread).</summary>
    /// <param name="observer">Called with each transition.</param>
    /// <returns>Dispose to unsubscribe.</returns>
    IDisposable Subscribe(Action<PrivacyTransition> observer);
}

/// <summary>The privacy timeline as the recorder's gate.</summary>
public sealed class PrivacyTimelineGate : IPrivacyGate
{
    private readonly PrivacyTimeline _timeline;

    /// <summary>Wraps <paramref name="timeline"/>.</summary>
    /// <param name="timeline">The appliance's privacy timeline.</param>
    public PrivacyTimelineGate(PrivacyTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        _timeline = timeline;
    }

    /// <inheritdoc/>
    public GateDecision Decide(long monotonicNanoseconds) => _timeline.Decide(monotonicNanoseconds);

    /// <inheritdoc/>
    public IDisposable Subscribe(Action<PrivacyTransition> observer) => _timeline.Subscribe(observer);
}
