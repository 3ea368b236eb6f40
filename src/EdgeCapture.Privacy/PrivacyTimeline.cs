using Microsoft.Extensions.Logging;

namespace EdgeCapture.Privacy;

/// <summary>
/// The gate's source of truth: the record of confirmed public intervals in monotonic nanoseconds
/// (<see cref="MonotonicClock"/>). Everything outside a confirmed public interval is private.
/// </summary>
/// <remarks>
/// <para>
/// Reads (<see cref="Decide"/>, <see cref="IsRecordable"/>, <see cref="Status"/>, <see cref="ConfirmedPublicUntil"/>)
/// are lock-free and allocation-free: one volatile read of an immutable snapshot. Writes come only from the switch
/// monitor in this assembly and are serialised.
/// </para>
/// <para>
/// An instant is recordable only when it lies inside a public interval AND before the interval's confirmation
/// watermark: the interval starts when the indicator is already lit, and the watermark only advances to instants
/// at which the switch was read public. An instant before the first read, after the last confirmation, or older
/// than the retention horizon is not recordable. Answers for instants at or before the time of asking are final,
/// except <see cref="GateDecision.Pending"/>.
/// </para>
/// </remarks>
public sealed partial class PrivacyTimeline
{
    private readonly Lock _writeLock = new();
    private readonly long _retentionNanoseconds;
    private readonly int _maximumIntervals;
    private readonly ILogger _logger;
    private Snapshot _snapshot;
    private Action<PrivacyTransition>[] _observers = [];

    /// <summary>Creates a timeline that is private (reason <see cref="PrivacyReason.Starting"/>) until the switch monitor opens it.</summary>
    /// <param name="clock">The clock every stage stamps with.</param>
    /// <param name="options">Retention settings; defaults when null.</param>
    /// <param name="logger">Where observer failures are reported; none when null.</param>
    public PrivacyTimeline(MonotonicClock clock, PrivacyOptions? options = null, ILogger<PrivacyTimeline>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        options ??= new PrivacyOptions();
        options.Validate();
        Clock = clock;
        _retentionNanoseconds = MonotonicClock.ToNanoseconds(options.TimelineRetention);
        _maximumIntervals = options.MaximumRetainedIntervals;
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _snapshot = Snapshot.Private([], new PrivacyStatus(PrivacyState.Private, PrivacyReason.Starting, null, clock.NowNanoseconds));
    }

    /// <summary>The clock whose nanoseconds this timeline speaks; stamp events with it.</summary>
    public MonotonicClock Clock { get; }

    /// <summary>The current status (state, reason, detail, since).</summary>
    public PrivacyStatus Status => Volatile.Read(ref _snapshot).Status;

    /// <summary>True while a public interval is open (the indicator is lit and the switch reads public).</summary>
    public bool IsPublic => Volatile.Read(ref _snapshot).IsOpen;

    /// <summary>
    /// While public: the exclusive end of the confirmed part of the open interval; an item stamped before it (and at
    /// or after the interval start) is recordable, an item at or after it is <see cref="GateDecision.Pending"/>.
    /// While private: the end of the last public interval, or <see cref="long.MinValue"/> if there was none.
    /// </summary>
    public long ConfirmedPublicUntil
    {
        get
        {
            Snapshot snapshot = Volatile.Read(ref _snapshot);
            if (snapshot.IsOpen)
            {
                return snapshot.ConfirmedUntil;
            }

            return snapshot.Closed.Length == 0 ? long.MinValue : snapshot.Closed[^1].EndNanoseconds;
        }
    }

    /// <summary>Decides whether an item stamped at <paramref name="monotonicNanoseconds"/> may be recorded.</summary>
    /// <param name="monotonicNanoseconds">The item's timestamp on <see cref="Clock"/>.</param>
    /// <returns>Recordable, not recordable, or pending (public but not confirmed yet: hold it and ask again).</returns>
    public GateDecision Decide(long monotonicNanoseconds)
    {
        Snapshot snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.IsOpen && monotonicNanoseconds >= snapshot.OpenStart)
        {
            return monotonicNanoseconds < snapshot.ConfirmedUntil ? GateDecision.Recordable : GateDecision.Pending;
        }

        return InClosedInterval(snapshot.Closed, monotonicNanoseconds) ? GateDecision.Recordable : GateDecision.NotRecordable;
    }

    /// <summary>
    /// Decides about a whole window <c>[from, to]</c> (a frame shows the screen as it was somewhat before its timestamp): recordable
    /// only when one confirmed public interval holds all of it, pending while it lies in the open interval beyond the watermark,
    /// not recordable when any part of it was private, unknown or forgotten by the timeline.
    /// </summary>
    /// <param name="fromNanoseconds">The window's first instant.</param>
    /// <param name="toNanoseconds">The window's last instant (the item's timestamp).</param>
    /// <returns>The decision; answers other than pending are final.</returns>
    public GateDecision DecideWindow(long fromNanoseconds, long toNanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(toNanoseconds, fromNanoseconds);
        Snapshot snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.IsOpen && fromNanoseconds >= snapshot.OpenStart)
        {
            return toNanoseconds < snapshot.ConfirmedUntil ? GateDecision.Recordable : GateDecision.Pending;
        }

        int index = ClosedIntervalIndex(snapshot.Closed, fromNanoseconds);
        return index >= 0 && toNanoseconds < snapshot.Closed[index].EndNanoseconds ? GateDecision.Recordable : GateDecision.NotRecordable;
    }

    /// <summary>True only when the instant lies inside a confirmed public interval.</summary>
    /// <param name="monotonicNanoseconds">The item's timestamp on <see cref="Clock"/>.</param>
    /// <returns>Whether the item may be recorded now.</returns>
    public bool IsRecordable(long monotonicNanoseconds) => Decide(monotonicNanoseconds) == GateDecision.Recordable;

    /// <summary>The retained confirmed public intervals, oldest first, the open one cut at its watermark.</summary>
    /// <returns>A copy.</returns>
    public IReadOnlyList<PublicInterval> GetPublicIntervals()
    {
        Snapshot snapshot = Volatile.Read(ref _snapshot);
        var intervals = new List<PublicInterval>(snapshot.Closed);
        if (snapshot.IsOpen && snapshot.ConfirmedUntil > snapshot.OpenStart)
        {
            intervals.Add(new PublicInterval(snapshot.OpenStart, snapshot.ConfirmedUntil));
        }

        return intervals;
    }

    /// <summary>
    /// Registers an observer of status changes. Observers run synchronously, in order, on the thread that changed the
    /// state (GPIO event or timer thread) while the change is being made: they must be quick (enqueue and return),
    /// must not block, and must not call back into the privacy hardware. Exceptions are caught and logged.
    /// </summary>
    /// <param name="observer">Called with each transition.</param>
    /// <returns>Dispose to unsubscribe.</returns>
    public IDisposable Subscribe(Action<PrivacyTransition> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_writeLock)
        {
            _observers = [.. _observers, observer];
        }

        return new Subscription(this, observer);
    }

    /// <summary>Opens a public interval starting now, only if the indicator is still lit under the given receipt.</summary>
    internal bool TryOpen(RecordingIndicator.LitReceipt receipt)
    {
        // The indicator holds its own lock while we publish, so it cannot be switched off in between.
        return receipt.Indicator.RunIfLit(receipt, this, static timeline => timeline.PublishOpen());
    }

    /// <summary>Advances the watermark of the open interval: every instant before <paramref name="untilExclusive"/> read public.</summary>
    internal void Confirm(long untilExclusive)
    {
        lock (_writeLock)
        {
            Snapshot current = _snapshot;
            if (!current.IsOpen || untilExclusive <= current.ConfirmedUntil)
            {
                return;
            }

            Volatile.Write(ref _snapshot, Snapshot.Open(current.Closed, current.OpenStart, untilExclusive, current.Status));
        }
    }

    /// <summary>Closes the open interval at its watermark (if any) and records why the state is private.</summary>
    internal void EnterPrivate(PrivacyReason reason, string? detail)
    {
        if (reason == PrivacyReason.None)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), "A private state needs a reason.");
        }

        lock (_writeLock)
        {
            Snapshot current = _snapshot;
            long now = Clock.NowNanoseconds;
            if (!current.IsOpen && current.Status.Reason == reason && current.Status.Detail == detail)
            {
                return;
            }

            var status = new PrivacyStatus(PrivacyState.Private, reason, detail, now);
            PublicInterval[] closed = current.Closed;
            long boundary = now;
            if (current.IsOpen)
            {
                boundary = Math.Max(current.OpenStart, current.ConfirmedUntil);
                closed = Retain(closed, new PublicInterval(current.OpenStart, boundary), now);
            }

            Volatile.Write(ref _snapshot, Snapshot.Private(closed, status));
            Notify(new PrivacyTransition(current.Status, status, boundary));
        }
    }

    private void PublishOpen()
    {
        lock (_writeLock)
        {
            Snapshot current = _snapshot;
            if (current.IsOpen)
            {
                return;
            }

            // Stamped after the indicator write returned: the LED is lit before the first recordable instant.
            long start = Clock.NowNanoseconds;
            var status = new PrivacyStatus(PrivacyState.Public, PrivacyReason.None, null, start);
            Volatile.Write(ref _snapshot, Snapshot.Open(current.Closed, start, start, status));
            Notify(new PrivacyTransition(current.Status, status, start));
        }
    }

    private PublicInterval[] Retain(PublicInterval[] closed, PublicInterval added, long now)
    {
        long horizon = now - _retentionNanoseconds;
        int first = 0;
        while (first < closed.Length && closed[first].EndNanoseconds <= horizon)
        {
            first++;
        }

        bool keepAdded = added.EndNanoseconds > added.StartNanoseconds && added.EndNanoseconds > horizon;
        int count = closed.Length - first + (keepAdded ? 1 : 0);
        if (count > _maximumIntervals)
        {
            first += count - _maximumIntervals;
            count = _maximumIntervals;
        }

        var retained = new PublicInterval[count];
        int kept = closed.Length - first;
        if (kept > 0)
        {
            Array.Copy(closed, first, retained, 0, kept);
        }

        if (keepAdded)
        {
            retained[^1] = added;
        }

        return retained;
    }

    private void Notify(PrivacyTransition transition)
    {
        foreach (Action<PrivacyTransition> observer in _observers)
        {
            try
            {
                observer(transition);
            }
#pragma warning disable CA1031 // An observer's bug must not stop the gate from publishing to the others.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogObserverFailed(_logger, exception);
            }
        }
    }

    private void Unsubscribe(Action<PrivacyTransition> observer)
    {
        lock (_writeLock)
        {
            int index = Array.IndexOf(_observers, observer);
            if (index >= 0)
            {
                _observers = [.. _observers[..index], .. _observers[(index + 1)..]];
            }
        }
    }

    private static bool InClosedInterval(PublicInterval[] closed, long nanoseconds) => ClosedIntervalIndex(closed, nanoseconds) >= 0;

    /// <summary>The index of the closed interval holding the instant, or -1.</summary>
    private static int ClosedIntervalIndex(PublicInterval[] closed, long nanoseconds)
    {
        // Sorted, non-overlapping: find the last interval starting at or before the instant.
        int low = 0;
        int high = closed.Length - 1;
        while (low <= high)
        {
            int middle = low + ((high - low) >> 1);
            if (closed[middle].StartNanoseconds <= nanoseconds)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return high >= 0 && nanoseconds < closed[high].EndNanoseconds ? high : -1;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "A privacy transition observer threw; the others were still notified")]
    private static partial void LogObserverFailed(ILogger logger, Exception exception);

    private sealed class Snapshot
    {
        private Snapshot(PublicInterval[] closed, bool isOpen, long openStart, long confirmedUntil, PrivacyStatus status)
        {
            Closed = closed;
            IsOpen = isOpen;
            OpenStart = openStart;
            ConfirmedUntil = confirmedUntil;
            Status = status;
        }

        public PublicInterval[] Closed { get; }

        public bool IsOpen { get; }

        public long OpenStart { get; }

        public long ConfirmedUntil { get; }

        public PrivacyStatus Status { get; }

        public static Snapshot Private(PublicInterval[] closed, PrivacyStatus status) => new(closed, false, long.MaxValue, long.MaxValue, status);

        public static Snapshot Open(PublicInterval[] closed, long start, long confirmedUntil, PrivacyStatus status) => new(closed, true, start, confirmedUntil, status);
    }

    private sealed class Subscription(PrivacyTimeline timeline, Action<PrivacyTransition> observer) : IDisposable
    {
        private PrivacyTimeline? _timeline = timeline;

        public void Dispose() => Interlocked.Exchange(ref _timeline, null)?.Unsubscribe(observer);
    }
}
