namespace EdgeCapture.Fleet.Box;

/// <summary>
/// The remote stop: an extra input to the recorder's gate that can only make recording stricter ("The switch wins").
/// The gate records an instant only if the privacy switch says public AND <see cref="Permits"/> says yes; nothing here can
/// say yes for an instant the switch called private, because this class never sees the switch at all.
/// </summary>
/// <remarks>
/// A stop covers every instant from the moment it was applied until it is lifted; instants before a stop keep their
/// switch-decided fate (events reach the recorder a little after they happen). Lifted intervals are kept for
/// <see cref="RetainLiftedFor"/> so late events inside them are still refused.
/// </remarks>
public sealed class RemoteRecordingHold
{
    /// <summary>How long a lifted stop keeps refusing late-arriving instants inside it.</summary>
    public static readonly TimeSpan RetainLiftedFor = TimeSpan.FromMinutes(5);

    private readonly Func<long> _monotonicNanoseconds;
    private readonly Lock _lock = new();
    private readonly List<(long Start, long End)> _lifted = [];
    private long _activeSince = -1;
    private long? _liftedAt;

    /// <summary>Creates the hold on the box's monotonic clock (the one event timestamps use).</summary>
    /// <param name="monotonicNanoseconds">Reads the monotonic clock in nanoseconds.</param>
    /// <param name="stoppedAtStart">True to start stopped (a stop in force before a restart stays in force).</param>
    public RemoteRecordingHold(Func<long> monotonicNanoseconds, bool stoppedAtStart)
    {
        ArgumentNullException.ThrowIfNull(monotonicNanoseconds);
        _monotonicNanoseconds = monotonicNanoseconds;
        if (stoppedAtStart)
        {
            // From the beginning of time: nothing before the first read is recorded either.
            _activeSince = long.MinValue;
        }
    }

    /// <summary>Whether a remote stop is in force now.</summary>
    public bool IsStopped
    {
        get
        {
            lock (_lock)
            {
                return _activeSince != -1;
            }
        }
    }

    /// <summary>The instant the stop in force began (<see cref="long.MinValue"/>: from before the first instant), or null when none is.</summary>
    public long? StoppedSinceNanoseconds
    {
        get
        {
            lock (_lock)
            {
                return _activeSince == -1 ? null : _activeSince;
            }
        }
    }

    /// <summary>The instant the latest stop was lifted, or null if none was.</summary>
    public long? LiftedAtNanoseconds
    {
        get
        {
            lock (_lock)
            {
                return _liftedAt;
            }
        }
    }

    /// <summary>Raised after the hold changes (stopped or lifted), on the caller's thread.</summary>
    public event EventHandler? Changed;

    /// <summary>Stops recording from now on; idempotent.</summary>
    /// <returns>True if it was not stopped before.</returns>
    public bool Stop()
    {
        bool changed;
        lock (_lock)
        {
            changed = _activeSince == -1;
            if (changed)
            {
                _activeSince = _monotonicNanoseconds();
            }
        }

        if (changed)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return changed;
    }

    /// <summary>Lifts a remote stop; the switch still decides everything else. Idempotent.</summary>
    /// <returns>True if a stop was lifted.</returns>
    public bool Lift()
    {
        bool changed;
        lock (_lock)
        {
            changed = _activeSince != -1;
            if (changed)
            {
                long now = _monotonicNanoseconds();
                _lifted.Add((_activeSince, now));
                _activeSince = -1;
                _liftedAt = now;
                long forget = now - (long)RetainLiftedFor.TotalMilliseconds * 1_000_000;
                _lifted.RemoveAll(interval => interval.End < forget);
            }
        }

        if (changed)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return changed;
    }

    /// <summary>
    /// Whether the remote side permits recording the instant <paramref name="monotonicNanoseconds"/>: false inside a stop.
    /// This is only ever ANDed with the switch's decision; it cannot make a private instant recordable.
    /// </summary>
    /// <param name="monotonicNanoseconds">The instant.</param>
    /// <returns>Whether the remote side permits it.</returns>
    public bool Permits(long monotonicNanoseconds)
    {
        lock (_lock)
        {
            if (_activeSince != -1 && monotonicNanoseconds >= _activeSince)
            {
                return false;
            }

            foreach ((long start, long end) in _lifted)
            {
                if (monotonicNanoseconds >= start && monotonicNanoseconds < end)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// The gate the recorder uses: <paramref name="switchGate"/> AND this hold. Composed here, once, so the only way the
    /// fleet reaches the recorder is by narrowing what the switch allows.
    /// </summary>
    /// <param name="switchGate">The switch's decision per instant (true = recordable).</param>
    /// <returns>The stricter decision.</returns>
    public Func<long, bool> Restrict(Func<long, bool> switchGate)
    {
        ArgumentNullException.ThrowIfNull(switchGate);
        return instant => switchGate(instant) && Permits(instant);
    }
}
