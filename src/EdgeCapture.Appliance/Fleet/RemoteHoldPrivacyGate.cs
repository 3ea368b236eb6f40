using EdgeCapture.Fleet.Box;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Recorder;

namespace EdgeCapture.Appliance.Fleet;

/// <summary>
/// The recorder's gate with the fleet's remote stop ANDed in: an instant the switch refuses stays refused, a pending one stays
/// pending, and a recordable one becomes not recordable inside a remote stop. It can only make recording stricter ("The switch
/// wins"). Its transitions are those of "switch public AND no remote stop": a remote stop while the switch is public closes
/// the gate at the stop's instant (the recorder seals the open segment there at once, as for a switch flip), and lifting it
/// reopens the gate only if the switch is public; switch flips inside a stop change nothing the recorder sees.
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
    public IDisposable Subscribe(Action<PrivacyTransition> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return new CombinedTransitions(this, observer);
    }

    /// <summary>One observer's view: the switch's transitions and the hold's changes folded into one gate state.</summary>
    private sealed class CombinedTransitions : IDisposable
    {
        private readonly RemoteHoldPrivacyGate _gate;
        private readonly Action<PrivacyTransition> _observer;
        private readonly Lock _lock = new();
        private readonly IDisposable _switchSubscription;
        private PrivacyStatus? _switchStatus;
        private bool _held;
        private bool _disposed;

        public CombinedTransitions(RemoteHoldPrivacyGate gate, Action<PrivacyTransition> observer)
        {
            _gate = gate;
            _observer = observer;
            _held = gate._hold.IsStopped;
            gate._hold.Changed += OnHoldChanged;
            _switchSubscription = gate._switch.Subscribe(OnSwitch);
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
            }

            _gate._hold.Changed -= OnHoldChanged;
            _switchSubscription.Dispose();
        }

        private static PrivacyStatus Held(long at) => new(PrivacyState.Private, PrivacyReason.RemoteStop, "remote stop-recording (fleet)", at);

        private void OnSwitch(PrivacyTransition transition)
        {
            lock (_lock)
            {
                _switchStatus = transition.Current;
                if (_disposed)
                {
                    return;
                }

                if (!_held)
                {
                    _observer(transition);
                }

                // Inside a remote stop the gate stays shut whatever the switch does; the lift reopens it if the switch is public.
            }
        }

        private void OnHoldChanged(object? sender, EventArgs arguments)
        {
            lock (_lock)
            {
                bool held = _gate._hold.IsStopped;
                if (_disposed || held == _held)
                {
                    return;
                }

                _held = held;
                if (held)
                {
                    long at = _gate._hold.StoppedSinceNanoseconds ?? long.MinValue;
                    if (SwitchIsPublic(at))
                    {
                        _observer(new PrivacyTransition(_switchStatus ?? new PrivacyStatus(PrivacyState.Public, PrivacyReason.None, null, at), Held(at), at));
                    }
                }
                else
                {
                    long at = _gate._hold.LiftedAtNanoseconds ?? long.MinValue;
                    if (SwitchIsPublic(at))
                    {
                        PrivacyStatus current = _switchStatus is { State: PrivacyState.Public } status ? status : new PrivacyStatus(PrivacyState.Public, PrivacyReason.None, null, at);
                        _observer(new PrivacyTransition(Held(at), current, at));
                    }
                }
            }
        }

        /// <summary>The switch's state at <paramref name="at"/>: from its last transition, or (none seen yet) from its gate.</summary>
        private bool SwitchIsPublic(long at) =>
            _switchStatus is { } status ? status.State == PrivacyState.Public : _gate._switch.Decide(at) != GateDecision.NotRecordable;
    }
}
