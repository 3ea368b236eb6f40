using System.Collections.Concurrent;
using System.Threading.Channels;
using EdgeCapture.Input;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Video;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// The recorder: a separate consumer of the relay's tap (and of the capture stage's frames) that turns what the privacy
/// gate allows into sessions of encrypted, signed segments in the outbox.
/// </summary>
/// <remarks>
/// <para>It never blocks the relay: the tap is a bounded channel that refuses events when the recorder falls behind
/// (counted, reported in a marker). Nothing it does throws into the caller of <see cref="RunAsync"/>: faults end the
/// session, are logged and show in <see cref="State"/> and <see cref="GetStatistics"/>.</para>
/// <para>All work happens under one lock, on whichever thread has input (tap reader loop, frame loop, clock timer, the
/// privacy observer's queued work item, <see cref="RequestForget(TimeSpan)"/>), so the state machine is single-threaded.</para>
/// </remarks>
public sealed partial class Recorder : IDisposable
{
    private readonly Lock _sync = new();
    private readonly SessionRecorder _core;
    private readonly IPrivacyGate _gate;
    private readonly MonotonicClock _clock;
    private readonly RecorderOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<PrivacyTransition> _transitions = new();
    private ChannelReader<InputTapEvent>? _input;
    private int _transitionWorkQueued;

    // 1 while a timer tick waits for _sync: further ticks return at once (the waiting one does their work when it gets in).
    private int _tickWaiting;
    private bool _disposed;

    /// <summary>Creates a recorder; nothing happens until <see cref="RunAsync"/>.</summary>
    /// <param name="options">Session and segment settings.</param>
    /// <param name="gate">The privacy gate (the timeline in production).</param>
    /// <param name="sink">Where sealed segments go (<see cref="OutboxSegmentSink"/> in production).</param>
    /// <param name="clock">The monotonic clock shared with the privacy timeline and the relay.</param>
    /// <param name="logger">Logger; none when null.</param>
    /// <param name="onSegmentSealed">Called (on the recorder's thread) after each segment is durable; must be quick.</param>
    public Recorder(RecorderOptions options, IPrivacyGate gate, ISegmentSink sink, MonotonicClock clock, ILogger<Recorder>? logger = null, Action<SegmentSealedInfo>? onSegmentSealed = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(clock);
        _options = options;
        _gate = gate;
        _clock = clock;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _core = new SessionRecorder(options, gate, sink, clock, _logger, onSegmentSealed);
    }

    /// <summary>What the recorder is doing now.</summary>
    public RecorderState State
    {
        get
        {
            lock (_sync)
            {
                return _core.State;
            }
        }
    }

    /// <summary>A consistent snapshot of the counters.</summary>
    /// <returns>The statistics.</returns>
    public RecorderStatistics GetStatistics()
    {
        lock (_sync)
        {
            return _core.GetStatistics();
        }
    }

    /// <summary>
    /// Records until <paramref name="cancellationToken"/> fires or the tap completes, then ends the open session
    /// (sealing it) and returns. Frames and capture markers come from <paramref name="captures"/> when given; the
    /// recorder disposes every frame it takes.
    /// </summary>
    /// <param name="input">The tap's reader.</param>
    /// <param name="captures">The capture stage's output, or null without video.</param>
    /// <param name="tapDropCount">The tap's running count of refused events (for the dropped-events marker), or null.</param>
    /// <param name="cancellationToken">Stops recording.</param>
    /// <returns>Completes when recording has stopped and the last segment is sealed.</returns>
    public async Task RunAsync(ChannelReader<InputTapEvent> input, ChannelReader<CaptureRecord>? captures, Func<long>? tapDropCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _input = input;
        using IDisposable subscription = _gate.Subscribe(OnTransition);
        using ITimer timer = _clock.TimeProvider.CreateTimer(static state => ((Recorder)state!).OnTimer(), this, _options.TickInterval, _options.TickInterval);
        Task frames = captures is null ? Task.CompletedTask : Task.Run(() => ConsumeCapturesAsync(captures, cancellationToken), CancellationToken.None);
        try
        {
            while (await input.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ProcessInputBatch(input, tapDropCount);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stop requested: fall through to the orderly end of the session.
        }
        finally
        {
            await frames.ConfigureAwait(false);
            lock (_sync)
            {
                Guarded(() =>
                {
                    ApplyTransitions();
                    while (input.TryRead(out InputTapEvent inputEvent))
                    {
                        _core.OnInput(inputEvent);
                    }

                    if (tapDropCount is not null)
                    {
                        _core.ReportTapDrops(tapDropCount());
                    }

                    _core.Stop();
                });
            }
        }
    }

    private void ProcessInputBatch(ChannelReader<InputTapEvent> input, Func<long>? tapDropCount)
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            try
            {
                ApplyTransitions();
                int processed = 0;
                while (input.TryRead(out InputTapEvent inputEvent))
                {
                    _core.OnInput(inputEvent);
                    if ((++processed & 1023) == 0)
                    {
                        ApplyTransitions();
                    }
                }

                if (tapDropCount is not null)
                {
                    _core.ReportTapDrops(tapDropCount());
                }
            }
#pragma warning disable CA1031 // The recorder reports its own bugs and keeps going; it never throws into the relay's process.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogUnexpected(_logger, exception);
            }
        }
    }

    /// <summary>
    /// Carries out a forget request (the button): the last <paramref name="window"/> of recording is discarded from
    /// memory, deleted from the outbox where it has not left the box, and retracted (signed, queued) where it may have.
    /// Thread-safe; returns when done.
    /// </summary>
    /// <param name="window">How much to forget, ending now (the button's default is 2 minutes).</param>
    /// <returns>Stored segments deleted and retracted.</returns>
    public ForgetOutcome RequestForget(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        lock (_sync)
        {
            ApplyTransitions();
            return _core.Forget(window);
        }
    }

    /// <summary>
    /// Carries out a forget-button press: the window is measured back from the press's edge timestamp, not from when the request
    /// is carried out. Works also after the recorder has stopped (a press made while the appliance stops still reaches the outbox).
    /// </summary>
    /// <param name="request">The press.</param>
    /// <returns>Stored segments deleted and retracted.</returns>
    public ForgetOutcome RequestForget(ForgetRequest request)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(request.Window, TimeSpan.Zero);
        lock (_sync)
        {
            ApplyTransitions();
            return _core.Forget(request.PressedAtNanoseconds, request.Window);
        }
    }

    /// <summary>
    /// Starts lock-screen key suppression now because the laptop is likely to show a lock screen (the host resumed from USB suspend,
    /// the gadget was enumerated again, the appliance started), when that trigger is enabled in <see cref="LockScreenOptions.Triggers"/>.
    /// The HDMI signal coming back is seen by the recorder itself. Thread-safe and quick; the composition root calls it.
    /// </summary>
    /// <param name="trigger">What happened.</param>
    public void StartLockScreenSuppression(LockScreenTrigger trigger)
    {
        lock (_sync)
        {
            Guarded(() => _core.TriggerLockScreen(trigger));
        }
    }

    /// <summary>
    /// Changes, while running, the longest segment (the open one is cut when it reaches the new length) and the lock-screen
    /// chords and triggers (a suppression in progress goes on: a change never ends one). The fleet's remote settings use it;
    /// nothing here reaches the gate. Thread-safe.
    /// </summary>
    /// <param name="segmentMaximumDuration">100 ms to 10 minutes.</param>
    /// <param name="lockScreen">The chords and triggers (its other settings are kept as started).</param>
    /// <exception cref="ArgumentException">A value out of range or a chord that does not parse; nothing changed.</exception>
    public void ApplyLiveSettings(TimeSpan segmentMaximumDuration, LockScreenOptions lockScreen)
    {
        ArgumentNullException.ThrowIfNull(lockScreen);
        if (segmentMaximumDuration < TimeSpan.FromMilliseconds(100) || segmentMaximumDuration > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(segmentMaximumDuration), segmentMaximumDuration, "The segment length must be 100 ms to 10 minutes.");
        }

        lockScreen.Validate();
        lock (_sync)
        {
            _core.ApplyLiveSettings(segmentMaximumDuration, lockScreen);
        }
    }

    /// <summary>Runs the clock-driven work now (seal deadlines, idle timeout, held items); the timer calls it too.</summary>
    public void Tick()
    {
        lock (_sync)
        {
            Guarded(() =>
            {
                ApplyTransitions();
                _core.Tick();
            });
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _core.Dispose();
        }
    }

    private async Task ConsumeCapturesAsync(ChannelReader<CaptureRecord> captures, CancellationToken cancellationToken)
    {
        try
        {
            while (await captures.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                lock (_sync)
                {
                    Guarded(() =>
                    {
                        ApplyTransitions();
                        while (captures.TryRead(out CaptureRecord? record))
                        {
                            _core.OnCapture(record);
                        }
                    });
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }

        lock (_sync)
        {
            while (captures.TryRead(out CaptureRecord? record))
            {
                Guarded(() => _core.OnCapture(record));
            }
        }
    }

    private void OnTransition(PrivacyTransition transition)
    {
        // Runs on the switch's thread: enqueue and hand the work to the thread pool, never block.
        _transitions.Enqueue(transition);
        if (Interlocked.Exchange(ref _transitionWorkQueued, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static recorder => recorder.ApplyTransitionsFromPool(), this, preferLocal: false);
        }
    }

    private void ApplyTransitionsFromPool()
    {
        lock (_sync)
        {
            Guarded(ApplyTransitions);
        }
    }

    private void OnTimer()
    {
        if (Volatile.Read(ref _disposed))
        {
            return;
        }

        // While a seal holds the lock (a slow disk), a tick every 100 ms that waited for it would block one more pool thread
        // each time, faster than the pool adds threads: the forget button's debounce, the switch poll and upload would starve.
        // So at most one tick waits; it runs the clock-driven work for all of them once it has the lock.
        if (Interlocked.Exchange(ref _tickWaiting, 1) == 1)
        {
            return;
        }

        lock (_sync)
        {
            Volatile.Write(ref _tickWaiting, 0);
            Guarded(() =>
            {
                ApplyTransitions();
                _core.Tick();
            });
        }
    }

    /// <summary>Applies queued transitions; before a cut, takes in the tap's backlog so events stamped before the boundary make it.</summary>
    private void ApplyTransitions()
    {
        Volatile.Write(ref _transitionWorkQueued, 0);
        while (_transitions.TryDequeue(out PrivacyTransition transition))
        {
            if (transition.GateClosed && _input is { } input)
            {
                while (input.TryRead(out InputTapEvent inputEvent))
                {
                    _core.OnInput(inputEvent);
                }
            }

            _core.OnTransition(transition);
        }
    }

    private void Guarded(Action work)
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            work();
        }
#pragma warning disable CA1031 // The recorder reports its own bugs and keeps going; it never throws into the relay's process.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogUnexpected(_logger, exception);
        }
    }

    [LoggerMessage(EventId = 420, Level = LogLevel.Critical, Message = "Unexpected recorder error; recording continues")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);
}
