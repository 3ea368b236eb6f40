using System.Threading.Channels;
using EdgeCapture.Linux;
using EdgeCapture.Relay.Gadget;

namespace EdgeCapture.Relay;

/// <content>
/// The host's presence, on the writer thread. One host is behind all three endpoints, so it is away or present as a
/// whole: away on ESHUTDOWN, a write error, a stall past <see cref="HidRelayOptions.StallLimit"/>, or a UDC state other
/// than <c>configured</c>. While it is away the reader side queues nothing (keys typed at an absent host are never typed
/// later) and keeps the merged state; a key press asks for a check at once and, where the gadget and UDC offer it, a
/// remote wakeup. It comes back when the UDC reads <c>configured</c> again (or, with no UDC state to read, when a retry
/// of the current state, backed off up to <see cref="HidRelayOptions.RetryMaximumInterval"/>, is taken); the first
/// report written then is the held state. Transitions, not retries, are logged and published on <see cref="HostTransitions"/>.
/// </content>
internal sealed partial class HidRelay
{
    private readonly IUdcMonitor? _udc;
    private readonly IGadgetEndpointSource? _endpointSource;
    private readonly MonotonicClock _clock;
    private readonly Channel<HostTransition> _hostTransitions = Channel.CreateBounded<HostTransition>(
        new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = false, SingleWriter = true });

    // Read by the reader thread without a lock: a stale read queues or drops one transition around the change, which
    // the resynchronisation on return makes good either way.
    private volatile bool _hostAway;
    private volatile bool _hostCheckRequested;
    private volatile bool _wakeupRequested;
    private volatile bool _stallCheckDue;

    // Writer thread only.
    private bool _probing;
    private int _probeReportsPending;
    private HostAwayReason _awayReason;
    private bool _sawSuspend;
    private bool _sawReenumeration;
    private UdcState _lastUdcState = UdcState.Unknown;
    private TimeSpan _retryInterval;
    private volatile bool _retryArmed;
    private bool _stallTimerArmed;
    private long _lastWakeupTimestamp;
    private bool _hasWokenUp;
    private ITimer? _stallTimer;

    /// <summary>Host-state transitions (away, back, resumed, re-enumerated), newest kept when nobody reads. Never blocks the relay.</summary>
    public ChannelReader<HostTransition> HostTransitions => _hostTransitions.Reader;

    /// <summary>True while the host is considered away.</summary>
    public bool IsHostAway => _hostAway;

    /// <summary>True while a retry (no UDC state to read) is scheduled (tests wait for it before moving the clock).</summary>
    internal bool IsRetryArmed => _retryArmed;

    private void StartHostMonitoring()
    {
        _retryInterval = _options.UdcPollInterval;
        _stallTimer = _timeProvider.CreateTimer(static state => ((HidRelay)state!).OnStallTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (_udc is not null)
        {
            // A sysfs read every poll interval: suspend, resume and re-enumeration are seen even when nobody types.
            _udcTimer!.Change(_options.UdcPollInterval, _options.UdcPollInterval);
        }
    }

    private void OnStallTimer()
    {
        _stallCheckDue = true;
        WakeWriter();
    }

    /// <summary>Reader thread: a transition was made while the host is away. Counted, not queued; a press asks for a check and a wakeup.</summary>
    private void NoteTransitionWhileAway(bool press)
    {
        Interlocked.Increment(ref Counters.TransitionsNotQueuedField);
        _hostCheckRequested = true;
        if (press)
        {
            _wakeupRequested = true;
        }

        _wakeAtFrameEnd = true;
    }

    /// <summary>Writer thread: the timer-driven or requested checks.</summary>
    private void ServiceHost()
    {
        if (_stallCheckDue)
        {
            _stallCheckDue = false;
            CheckStalls();
        }

        if (_udcCheckDue || _hostCheckRequested)
        {
            bool timer = _udcCheckDue;
            _udcCheckDue = false;
            _hostCheckRequested = false;
            CheckHost(timer);
        }

        if (_wakeupRequested)
        {
            _wakeupRequested = false;
            SignalWakeupIfSuspended();
        }
    }

    private void CheckHost(bool fromTimer)
    {
        if (_udc is not null)
        {
            UdcState state = _udc.ReadState();
            if (state != _lastUdcState)
            {
                _lastUdcState = state;
                RelayLog.UdcStateChanged(_logger, state);
                if (state == UdcState.Suspended)
                {
                    _sawSuspend = true;
                }
                else if (state is not UdcState.Configured and not UdcState.Unknown)
                {
                    _sawReenumeration = true;
                }
            }

            if (!_hostAway)
            {
                if (state is UdcState.Suspended)
                {
                    EnterAway(HostAwayReason.Suspended);
                }
                else if (state is not UdcState.Configured and not UdcState.Unknown)
                {
                    EnterAway(HostAwayReason.Disconnected);
                }

                return;
            }

            if (state == UdcState.Configured && !_probing)
            {
                Probe();
            }

            return;
        }

        // No state to read: the retry itself is the probe. A key press while away probes at once; the timer backs off.
        if (fromTimer)
        {
            _retryArmed = false;
        }

        if (_hostAway && !_probing)
        {
            Probe();
        }
    }

    /// <summary>The host is away. A failed probe is not a new transition: no log, no event, only a longer wait.</summary>
    private void EnterAway(HostAwayReason reason)
    {
        bool announce = !_probing && !_hostAway;
        _probing = false;
        _probeReportsPending = 0;
        _keyboardEndpoint.ProbePending = false;
        _mouseEndpoint.ProbePending = false;
        _consumerEndpoint.ProbePending = false;
        _hostAway = true;
        if (announce)
        {
            _awayReason = reason;
            _sawSuspend |= reason == HostAwayReason.Suspended;
            Interlocked.Increment(ref Counters.HostAwayField);
            RelayLog.HostAway(_logger, reason);
            _hostTransitions.Writer.TryWrite(new HostTransition(HostTransitionKind.Away, _clock.NowNanoseconds, reason));
        }

        if (_udc is null && !_retryArmed && !_stopRequested)
        {
            _udcTimer?.Change(_retryInterval, Timeout.InfiniteTimeSpan);
            _retryInterval = TimeSpan.FromTicks(Math.Min(_retryInterval.Ticks * 2, _options.RetryMaximumInterval.Ticks));
            _retryArmed = true;
        }
    }

    /// <summary>Makes every endpoint ready again with the current state as its only report; once each has been taken, the host is back.</summary>
    private void Probe()
    {
        _probeReportsPending = 0;
        ReopenEndpoints(broken: false);
        bool any = false;
        foreach (Endpoint endpoint in (ReadOnlySpan<Endpoint>)[_keyboardEndpoint, _consumerEndpoint, _mouseEndpoint])
        {
            using Lock.Scope scope = endpoint.WriteLock.EnterScope();
            if (endpoint.Device is null)
            {
                continue;
            }

            any = true;
            lock (_gate)
            {
                if (endpoint == _keyboardEndpoint)
                {
                    Interlocked.Add(ref Counters.TransitionsNotQueuedField, _keyboardQueue.Count);
                    _keyboardQueue.Clear();
                    _keyboard.Write(endpoint.Report);
                    _keyboardQueue.TryEnqueue(endpoint.Report);
                }
                else if (endpoint == _consumerEndpoint)
                {
                    Interlocked.Add(ref Counters.TransitionsNotQueuedField, _consumerQueue.Count);
                    _consumerQueue.Clear();
                    _consumer.Write(endpoint.Report);
                    _consumerQueue.TryEnqueue(endpoint.Report);
                }
                else
                {
                    _mouseQueue.Clear();
                    _hasPendingMouse = false;
                    _mouseQueue.TryAdd(CurrentMouseLocked(_buttons), buttonsChanged: true);
                }
            }

            endpoint.HasReport = false;
            endpoint.IsStalled = false;
            endpoint.State = EndpointState.Ready;
            endpoint.ProbePending = true;
            _probeReportsPending++;
        }

        _probing = true;
        _hostAway = false;
        if (!any)
        {
            ConfirmHost();
        }
    }

    /// <summary>A report was taken: when it was the last probe report outstanding, the host is back.</summary>
    private void ConfirmHost(Endpoint endpoint)
    {
        if (!endpoint.ProbePending)
        {
            return;
        }

        endpoint.ProbePending = false;
        if (!_probing || --_probeReportsPending > 0)
        {
            return;
        }

        ConfirmHost();
    }

    private void ConfirmHost()
    {
        if (!_probing)
        {
            return;
        }

        _probing = false;
        HostTransitionKind kind = _sawReenumeration ? HostTransitionKind.Reenumerated
            : _sawSuspend ? HostTransitionKind.Resumed
            : HostTransitionKind.Back;
        HostAwayReason reason = _awayReason;
        _awayReason = HostAwayReason.None;
        _sawSuspend = false;
        _sawReenumeration = false;
        _hasWokenUp = false;
        _retryInterval = _options.UdcPollInterval;
        Interlocked.Increment(ref Counters.ResynchronisationsField);
        Interlocked.Increment(ref Counters.HostReturnsField);
        RelayLog.HostBack(_logger, kind, reason);
        _hostTransitions.Writer.TryWrite(new HostTransition(kind, _clock.NowNanoseconds, reason));
    }

    /// <summary>EAGAIN: the first one of a stall starts its clock.</summary>
    private void NoteBlocked(Endpoint endpoint)
    {
        if (endpoint.IsStalled)
        {
            return;
        }

        endpoint.IsStalled = true;
        endpoint.BlockedSince = _timeProvider.GetTimestamp();
        if (!_stallTimerArmed)
        {
            _stallTimerArmed = true;
            _stallTimer?.Change(_options.StallLimit, Timeout.InfiniteTimeSpan);
        }
    }

    private void CheckStalls()
    {
        _stallTimerArmed = false;
        TimeSpan next = Timeout.InfiniteTimeSpan;
        bool stalled = false;
        foreach (Endpoint endpoint in (ReadOnlySpan<Endpoint>)[_keyboardEndpoint, _consumerEndpoint, _mouseEndpoint])
        {
            using Lock.Scope scope = endpoint.WriteLock.EnterScope();
            if (!endpoint.IsStalled || endpoint.State != EndpointState.Blocked)
            {
                continue;
            }

            TimeSpan elapsed = _timeProvider.GetElapsedTime(endpoint.BlockedSince);
            if (elapsed >= _options.StallLimit)
            {
                stalled = true;
            }
            else if (next == Timeout.InfiniteTimeSpan || _options.StallLimit - elapsed < next)
            {
                next = _options.StallLimit - elapsed;
            }
        }

        if (stalled)
        {
            Interlocked.Increment(ref Counters.StallsField);
            EnterAway(HostAwayReason.Stalled);
        }
        else if (next != Timeout.InfiniteTimeSpan)
        {
            _stallTimerArmed = true;
            _stallTimer?.Change(next, Timeout.InfiniteTimeSpan);
        }
    }

    private void SignalWakeupIfSuspended()
    {
        if (_udc is null || !_hostAway || _lastUdcState != UdcState.Suspended || !_udc.CanSignalRemoteWakeup)
        {
            return;
        }

        long now = _timeProvider.GetTimestamp();
        if (_hasWokenUp && _timeProvider.GetElapsedTime(_lastWakeupTimestamp, now) < _options.RemoteWakeupInterval)
        {
            return;
        }

        if (_udc.SignalRemoteWakeup())
        {
            _hasWokenUp = true;
            _lastWakeupTimestamp = now;
            Interlocked.Increment(ref Counters.RemoteWakeupsField);
        }
    }
}
