using EdgeCapture.Fleet.Box;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Recorder;

namespace EdgeCapture.Appliance.Fleet;

/// <summary>
/// The recorder's gate with the fleet's remote stop ANDed in: an instant the switch refuses stays refused, a pending one stays
/// pending, and a recordable one becomes not recordable inside a remote stop. It can only make recording stricter ("The switch
/// wins"); transitions are the switch's own.
/// </summary>
internal sealed class RemoteHoldPrivacyGate : IPrivacyGate
{
    private readonly IPrivacyGate _switch;
    private readonly RemoteRecordingHold _hold;

    /// <summary>Wraps the switch's gate.</summary>
    /// <param name="switchGate">The privacy timeline's gate.</param>
    /// <param name="hold">The remote stop.</param>
    public RemoteHoldPrivacyGate(IPrivacyGate switchGate, RemoteRecordingHold hold)
    {
        _switch = switchGate;
        _hold = hold;
    }

    /// <inheritdoc/>
    public GateDecision Decide(long monotonicNanoseconds)
    {
        GateDecision decision = _switch.Decide(monotonicNanoseconds);
        return decision == GateDecision.NotRecordable || _hold.Permits(monotonicNanoseconds) ? decision : GateDecision.NotRecordable;
    }

    /// <inheritdoc/>
    public IDisposable Subscribe(Action<PrivacyTransition> observer) => _switch.Subscribe(observer);
}
