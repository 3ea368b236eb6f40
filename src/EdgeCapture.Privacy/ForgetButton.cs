using System.Device.Gpio;
using System.Threading.Channels;
using EdgeCapture.Privacy.Pinout;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Privacy;

/// <summary>A request to discard recording from <see cref="ForgetFromNanoseconds"/> up to <see cref="PressedAtNanoseconds"/>.</summary>
/// <param name="PressedAtNanoseconds">When the button went down (first edge of the accepted press), monotonic nanoseconds.</param>
/// <param name="Window">How much before the press to discard (<see cref="PrivacyOptions.ForgetWindow"/>).</param>
public readonly record struct ForgetRequest(long PressedAtNanoseconds, TimeSpan Window)
{
    /// <summary>The first instant to discard: the press minus the window.</summary>
    public long ForgetFromNanoseconds => PressedAtNanoseconds - MonotonicClock.ToNanoseconds(Window);
}

/// <summary>
/// The "forget" push button. A press counts once the line has read pressed for <see cref="PrivacyOptions.ButtonDebounce"/>;
/// the next press counts only after a release that lasted as long. Each press writes one <see cref="ForgetRequest"/>
/// to the channel the recorder and outbox read (<see cref="PrivacyHardware.ForgetRequests"/>).
/// </summary>
public sealed partial class ForgetButton : IDisposable
{
    private readonly Lock _lock = new();
    private readonly GpioController? _controller;
    private readonly ForgetButtonPin _pin;
    private readonly ChannelWriter<ForgetRequest> _requests;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;
    private readonly ITimer _debounceTimer;
    private readonly PinChangeEventHandler _edgeHandler;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _window;
    private ButtonPhase _phase = ButtonPhase.Released;
    private long _pressedAt;
    private bool _lineReady;
    private bool _disposed;
    private long _dropped;
    private long _accepted;

    internal ForgetButton(GpioController? controller, ForgetButtonPin pin, ChannelWriter<ForgetRequest> requests, MonotonicClock clock, PrivacyOptions options, ILogger logger)
    {
        _controller = controller;
        _pin = pin;
        _requests = requests;
        _clock = clock;
        _logger = logger;
        _debounce = options.ButtonDebounce;
        _window = options.ForgetWindow;
        _edgeHandler = OnEdge;
        _debounceTimer = clock.TimeProvider.CreateTimer(static state => ((ForgetButton)state!).OnDebounceElapsed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private enum ButtonPhase
    {
        Released,
        PressSettling,
        Pressed,
        ReleaseSettling,
    }

    /// <summary>True once the button line is requested and watched.</summary>
    public bool IsAvailable
    {
        get
        {
            lock (_lock)
            {
                return _lineReady;
            }
        }
    }

    /// <summary>Why the button is unavailable, or null.</summary>
    public string? Fault { get; private set; }

    /// <summary>Presses accepted so far.</summary>
    public long AcceptedPresses => Interlocked.Read(ref _accepted);

    /// <summary>Presses that could not be queued because nobody read the channel (it holds 64).</summary>
    public long DroppedRequests => Interlocked.Read(ref _dropped);

    /// <summary>Requests the line and starts watching it. Failures are reported in <see cref="Fault"/> and logged, not thrown.</summary>
    public void Start()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_lineReady)
            {
                return;
            }

            if (_controller is null)
            {
                Fault = "no GPIO controller";
                return;
            }

            try
            {
                if (!_controller.IsPinOpen(_pin.Line))
                {
                    _controller.OpenPin(_pin.Line, _pin.InputMode);
                }

                _controller.RegisterCallbackForPinValueChangedEvent(_pin.Line, PinEventTypes.Rising | PinEventTypes.Falling, _edgeHandler);
                _lineReady = true;
                Fault = null;
            }
#pragma warning disable CA1031 // A missing button loses a convenience, never privacy: report and carry on.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Fault = $"cannot request forget button line {_pin.Line}: {exception.Message}";
                LogUnavailable(_logger, _pin.Line, exception);
            }
        }
    }

    /// <summary>Stops watching and releases the line.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _debounceTimer.Dispose();
            if (!_lineReady || _controller is null)
            {
                _disposed = true;
                return;
            }

            if (_phase == ButtonPhase.PressSettling)
            {
                // Shutting down inside the debounce: a press still held is the user's to honour, not to lose. Forgetting
                // on a glitch costs recording; dropping a real press keeps what the user asked to discard.
                AcceptSettlingPressIfHeld();
            }

            _disposed = true;
            _lineReady = false;
        }

        // Outside the lock: unregistering may wait for the driver's event thread, which may be waiting for our lock.
        try
        {
            _controller.UnregisterCallbackForPinValueChangedEvent(_pin.Line, _edgeHandler);
            _controller.ClosePin(_pin.Line);
        }
#pragma warning disable CA1031 // Best effort at shutdown.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogUnavailable(_logger, _pin.Line, exception);
        }
    }

    private void OnEdge(object sender, PinValueChangedEventArgs args)
    {
        lock (_lock)
        {
            long now = _clock.NowNanoseconds;
            if (_disposed || args.PinNumber != _pin.Line)
            {
                return;
            }

            bool towardsPressed = (args.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low) == _pin.PressedLevel;
            switch (_phase)
            {
                case ButtonPhase.Released when towardsPressed:
                    _phase = ButtonPhase.PressSettling;
                    _pressedAt = now;
                    _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
                    break;
                case ButtonPhase.Pressed when !towardsPressed:
                    _phase = ButtonPhase.ReleaseSettling;
                    _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
                    break;
                case ButtonPhase.PressSettling or ButtonPhase.ReleaseSettling:
                    // Bounces: restart the stability window; the press keeps its first edge's time.
                    _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
                    break;
                default:
                    break;
            }
        }
    }

    private void OnDebounceElapsed()
    {
        lock (_lock)
        {
            if (_disposed || !_lineReady)
            {
                return;
            }

            bool pressed;
            try
            {
                pressed = _controller!.Read(_pin.Line) == _pin.PressedLevel;
            }
#pragma warning disable CA1031 // A failed read drops this press; logged.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogReadFailed(_logger, _pin.Line, exception);
                _phase = ButtonPhase.Released;
                return;
            }

            switch (_phase)
            {
                case ButtonPhase.PressSettling when pressed:
                    _phase = ButtonPhase.Pressed;
                    Accept(new ForgetRequest(_pressedAt, _window));
                    break;
                case ButtonPhase.PressSettling:
                    _phase = ButtonPhase.Released;
                    break;
                case ButtonPhase.ReleaseSettling when !pressed:
                    _phase = ButtonPhase.Released;
                    break;
                case ButtonPhase.ReleaseSettling:
                    _phase = ButtonPhase.Pressed;
                    break;
                default:
                    break;
            }
        }
    }

    private void AcceptSettlingPressIfHeld()
    {
        try
        {
            if (_controller!.Read(_pin.Line) == _pin.PressedLevel)
            {
                _phase = ButtonPhase.Pressed;
                Accept(new ForgetRequest(_pressedAt, _window));
            }
        }
#pragma warning disable CA1031 // As in OnDebounceElapsed: a failed read drops this press; logged.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogReadFailed(_logger, _pin.Line, exception);
        }
    }

    private void Accept(ForgetRequest request)
    {
        Interlocked.Increment(ref _accepted);
        if (_requests.TryWrite(request))
        {
            LogPressed(_logger, request.PressedAtNanoseconds, request.Window);
            return;
        }

        Interlocked.Increment(ref _dropped);
        LogDropped(_logger, request.PressedAtNanoseconds);
    }

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Forget button pressed at {PressedAt} ns: forget the last {Window}")]
    private static partial void LogPressed(ILogger logger, long pressedAt, TimeSpan window);

    [LoggerMessage(EventId = 131, Level = LogLevel.Error, Message = "Forget request at {PressedAt} ns dropped: the request channel is full (is the recorder running?)")]
    private static partial void LogDropped(ILogger logger, long pressedAt);

    [LoggerMessage(EventId = 132, Level = LogLevel.Error, Message = "Forget button line {Line} is unavailable")]
    private static partial void LogUnavailable(ILogger logger, int line, Exception exception);

    [LoggerMessage(EventId = 133, Level = LogLevel.Warning, Message = "Reading forget button line {Line} failed; press ignored")]
    private static partial void LogReadFailed(ILogger logger, int line, Exception exception);
}
