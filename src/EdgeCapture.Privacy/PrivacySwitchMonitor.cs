using System.Device.Gpio;
using EdgeCapture.Privacy.Pinout;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Privacy;

/// <summary>
/// Reads the privacy switch and drives the <see cref="PrivacyTimeline"/> and the <see cref="RecordingIndicator"/>.
/// </summary>
/// <remarks>
/// <para>
/// Inputs: edge callbacks (both edges), a periodic re-read every <see cref="PrivacyOptions.SwitchPollInterval"/>, a
/// debounce timer, and <see cref="Refresh"/>. All are serialised under one lock.
/// </para>
/// <para>
/// Fail closed: private until the first successful read; any exception from the driver (opening, configuring,
/// reading) is private with a reason. Conservative debounce: the first observation of private (an edge towards the
/// private level or a read) shuts the gate at once; the gate opens only after the switch has read public with no
/// private observation for <see cref="PrivacyOptions.SwitchDebounce"/>, and only once the indicator is lit.
/// While public each public read confirms the timeline up to the read time minus
/// <see cref="PrivacyOptions.EdgeDeliveryAllowance"/>.
/// </para>
/// </remarks>
public sealed partial class PrivacySwitchMonitor : IDisposable
{
    private readonly Lock _lock = new();
    private readonly GpioController? _controller;
    private readonly string? _controllerError;
    private readonly PrivacySwitchPin _pin;
    private readonly RecordingIndicator _indicator;
    private readonly PrivacyTimeline _timeline;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;
    private readonly ITimer _pollTimer;
    private readonly ITimer _debounceTimer;
    private readonly PinChangeEventHandler _edgeHandler;
    private readonly TimeSpan _pollInterval;
    private readonly TimeSpan _debounce;
    private readonly long _debounceNanoseconds;
    private readonly long _allowanceNanoseconds;
    private readonly long _retryNanoseconds;
    private Phase _phase = Phase.Unread;
    private long _settlingSince;
    private bool _lineReady;
    private bool _callbackRegistered;
    private long _nextSetupAttempt = long.MinValue;
    private bool _started;
    private bool _disposed;
    private long _reads;
    private long _edges;

    internal PrivacySwitchMonitor(
        GpioController? controller,
        string? controllerError,
        PrivacySwitchPin pin,
        RecordingIndicator indicator,
        PrivacyTimeline timeline,
        PrivacyOptions options,
        ILogger logger)
    {
        options.Validate();
        _controller = controller;
        _controllerError = controllerError;
        _pin = pin;
        _indicator = indicator;
        _timeline = timeline;
        _clock = timeline.Clock;
        _logger = logger;
        _pollInterval = options.SwitchPollInterval;
        _debounce = options.SwitchDebounce;
        _debounceNanoseconds = MonotonicClock.ToNanoseconds(options.SwitchDebounce);
        _allowanceNanoseconds = MonotonicClock.ToNanoseconds(options.EdgeDeliveryAllowance);
        _retryNanoseconds = MonotonicClock.ToNanoseconds(options.LineRetryInterval);
        _edgeHandler = OnEdge;
        TimeProvider time = _clock.TimeProvider;
        _pollTimer = time.CreateTimer(static state => ((PrivacySwitchMonitor)state!).OnPoll(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _debounceTimer = time.CreateTimer(static state => ((PrivacySwitchMonitor)state!).OnPoll(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private enum Phase
    {
        Unread,
        Faulted,
        IndicatorFailed,
        Private,
        Settling,
        Public,
    }

    /// <summary>The current status (same as <see cref="PrivacyTimeline.Status"/>).</summary>
    public PrivacyStatus Status => _timeline.Status;

    /// <summary>Successful switch reads so far.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Edge events received so far.</summary>
    public long Edges => Interlocked.Read(ref _edges);

    /// <summary>Requests the line, reads it once and starts the periodic re-read. Never throws for hardware faults.</summary>
    public void Start()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return;
            }

            _started = true;
            if (_controller is null)
            {
                Fault(PrivacyReason.GpioUnavailable, _controllerError ?? "no GPIO controller");
                return;
            }

            Step(_clock.NowNanoseconds);
            _pollTimer.Change(_pollInterval, _pollInterval);
        }
    }

    /// <summary>
    /// Reads the switch now: shuts the gate if it reads private, advances the confirmation watermark if public.
    /// The recorder may call it to learn sooner than the next periodic read whether held items are recordable.
    /// </summary>
    public void Refresh() => OnPoll();

    /// <summary>Shuts the gate (reason <see cref="PrivacyReason.Stopped"/>), darkens the LED and releases the line.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _pollTimer.Dispose();
            _debounceTimer.Dispose();
            _phase = Phase.Faulted;
            _timeline.EnterPrivate(PrivacyReason.Stopped, null);
            _indicator.ExtinguishAfterGateClosed();
        }

        // Outside the lock: unregistering may wait for the driver's event thread, which may be waiting for our lock
        // (it then sees _disposed and returns). Nothing else touches the line once _disposed is set.
        ReleaseLine();
    }

    private void OnPoll()
    {
        lock (_lock)
        {
            if (_disposed || !_started || _controller is null)
            {
                return;
            }

            Step(_clock.NowNanoseconds);
        }
    }

    private void OnEdge(object sender, PinValueChangedEventArgs args)
    {
        lock (_lock)
        {
            // Stamp first: the private interval must start no later than the moment we learnt of it.
            long now = _clock.NowNanoseconds;
            if (_disposed || !_started || args.PinNumber != _pin.Line)
            {
                return;
            }

            Interlocked.Increment(ref _edges);
            PinValue level = args.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low;
            if (level == _pin.PrivateLevel)
            {
                // The first edge towards private wins, before any read or debounce.
                EnterPrivate(PrivacyReason.SwitchPrivate, null);
                return;
            }

            // Towards public: a bounce may be stale by now, so read the line to be sure.
            Step(now);
        }
    }

    private void Step(long now)
    {
        if (!_lineReady && !TrySetup(now))
        {
            return;
        }

        PinValue value;
        try
        {
            value = _controller!.Read(_pin.Line);
        }
#pragma warning disable CA1031 // Any read failure means private; reported through the status and the log.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Fault(PrivacyReason.SwitchReadFailed, $"reading switch line {_pin.Line} failed: {exception.Message}", exception);
            return;
        }

        Interlocked.Increment(ref _reads);
        if (value == _pin.PrivateLevel)
        {
            EnterPrivate(PrivacyReason.SwitchPrivate, null);
            return;
        }

        switch (_phase)
        {
            case Phase.Public:
                if (!_indicator.Reassert(out string? error))
                {
                    Fault(PrivacyReason.IndicatorFailed, error ?? "the indicator failed");
                    _phase = Phase.IndicatorFailed;
                    return;
                }

                _timeline.Confirm(now - _allowanceNanoseconds);
                break;
            case Phase.Settling:
                if (now - _settlingSince >= _debounceNanoseconds)
                {
                    OpenGate();
                }

                break;
            case Phase.IndicatorFailed:
                // The switch has read public throughout (any private observation leaves this phase): retry the LED.
                OpenGate();
                break;
            default:
                _phase = Phase.Settling;
                _settlingSince = now;
                _timeline.EnterPrivate(PrivacyReason.SwitchSettling, null);
                _indicator.ExtinguishAfterGateClosed();
                _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
                break;
        }
    }

    private void OpenGate()
    {
        // The LED first; the timeline opens only on a current receipt of the lit write.
        if (!_indicator.TryLight(out RecordingIndicator.LitReceipt receipt, out string? error) || !_timeline.TryOpen(receipt))
        {
            Fault(PrivacyReason.IndicatorFailed, error ?? "the indicator did not stay lit");
            _phase = Phase.IndicatorFailed;
            return;
        }

        _phase = Phase.Public;
        LogGateOpened(_logger, _pin.Line);
    }

    private void EnterPrivate(PrivacyReason reason, string? detail)
    {
        bool wasPublic = _phase == Phase.Public;
        _phase = Phase.Private;
        _debounceTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timeline.EnterPrivate(reason, detail);
        _indicator.ExtinguishAfterGateClosed();
        if (wasPublic)
        {
            LogGateClosed(_logger, reason);
        }
    }

    private void Fault(PrivacyReason reason, string detail, Exception? exception = null)
    {
        bool alreadyReported = _phase is Phase.Faulted or Phase.IndicatorFailed
            && _timeline.Status.Reason == reason && _timeline.Status.Detail == detail;
        _phase = Phase.Faulted;
        _debounceTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timeline.EnterPrivate(reason, detail);
        _indicator.ShowFault();
        if (!alreadyReported)
        {
            LogFault(_logger, reason, detail, exception);
        }
    }

    private bool TrySetup(long now)
    {
        if (now < _nextSetupAttempt)
        {
            return false;
        }

        try
        {
            if (!_controller!.IsPinModeSupported(_pin.Line, _pin.InputMode))
            {
                throw new NotSupportedException($"the driver cannot configure line {_pin.Line} as {_pin.InputMode}");
            }

            if (!_controller.IsPinOpen(_pin.Line))
            {
                _controller.OpenPin(_pin.Line, _pin.InputMode);
            }

            if (!_callbackRegistered)
            {
                _controller.RegisterCallbackForPinValueChangedEvent(_pin.Line, PinEventTypes.Rising | PinEventTypes.Falling, _edgeHandler);
                _callbackRegistered = true;
            }

            _lineReady = true;
            return true;
        }
#pragma warning disable CA1031 // A line that cannot be requested means private, retried later and reported.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _nextSetupAttempt = now + _retryNanoseconds;
            ReleaseLine();
            Fault(PrivacyReason.SwitchLineUnavailable, $"cannot request switch line {_pin.Line} on chip: {exception.Message}", exception);
            return false;
        }
    }

    private void ReleaseLine()
    {
        _lineReady = false;
        if (_controller is null)
        {
            return;
        }

        try
        {
            if (_callbackRegistered)
            {
                _callbackRegistered = false;
                _controller.UnregisterCallbackForPinValueChangedEvent(_pin.Line, _edgeHandler);
            }

            if (_controller.IsPinOpen(_pin.Line))
            {
                _controller.ClosePin(_pin.Line);
            }
        }
#pragma warning disable CA1031 // Releasing is best effort; the state is already private.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogReleaseFailed(_logger, _pin.Line, exception);
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Privacy switch on line {Line} reads public and the indicator is lit: recording possible")]
    private static partial void LogGateOpened(ILogger logger, int line);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Privacy gate shut ({Reason})")]
    private static partial void LogGateClosed(ILogger logger, PrivacyReason reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "Privacy fault ({Reason}): {Detail}; nothing is recorded")]
    private static partial void LogFault(ILogger logger, PrivacyReason reason, string detail, Exception? exception);

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Releasing switch line {Line} failed")]
    private static partial void LogReleaseFailed(ILogger logger, int line, Exception exception);
}
