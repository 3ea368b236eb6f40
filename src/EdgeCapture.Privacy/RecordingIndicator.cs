using System.Device.Gpio;
using EdgeCapture.Privacy.Pinout;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Privacy;

/// <summary>What the recording indicator LED is showing.</summary>
public enum IndicatorMode
{
    /// <summary>Dark: nothing can be recorded.</summary>
    Dark = 0,

    /// <summary>Steadily lit: recording can happen (the gate may be open).</summary>
    Lit,

    /// <summary>The fault pattern (two short flashes per second): something is broken, nothing is recorded.</summary>
    FaultBlink,

    /// <summary>The LED line could not be opened or written; the gate stays shut.</summary>
    Unavailable,
}

/// <summary>
/// The recording indicator LED. It is lit before the gate opens and darkened only after the gate has shut, by
/// construction: the timeline can only open with a receipt of a successful lit write that is still current, checked
/// under this indicator's lock, and darkening refuses while the timeline is public. There is no public way to darken
/// it; no setting or command reaches it.
/// </summary>
public sealed partial class RecordingIndicator : IDisposable
{
    /// <summary>Fault pattern: on 100 ms, off 100 ms, on 100 ms, off 700 ms (a double flash every second).</summary>
    internal static readonly TimeSpan[] FaultPattern =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(700)];

    private readonly Lock _lock = new();
    private readonly GpioController? _controller;
    private readonly RecordingIndicatorPin _pin;
    private readonly PrivacyTimeline _timeline;
    private readonly ITimer _blinkTimer;
    private readonly ILogger _logger;
    private bool _pinOpen;
    private bool _disposed;
    private long _generation;
    private int _blinkStep;
    private bool _blinkWriteFailing;
    private IndicatorMode _mode;
    private string? _fault;

    internal RecordingIndicator(GpioController? controller, RecordingIndicatorPin pin, PrivacyTimeline timeline, ILogger logger)
    {
        _controller = controller;
        _pin = pin;
        _timeline = timeline;
        _logger = logger;
        _blinkTimer = timeline.Clock.TimeProvider.CreateTimer(static state => ((RecordingIndicator)state!).OnBlinkTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_lock)
        {
            _mode = EnsureOpen() ? IndicatorMode.Dark : IndicatorMode.Unavailable;
        }
    }

    /// <summary>What the LED shows now.</summary>
    public IndicatorMode Mode
    {
        get
        {
            lock (_lock)
            {
                return _mode;
            }
        }
    }

    /// <summary>The last LED failure, or null.</summary>
    public string? Fault
    {
        get
        {
            lock (_lock)
            {
                return _fault;
            }
        }
    }

    /// <summary>Darkens the LED if the gate is shut and releases the line; if the gate is somehow open it stays lit.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _blinkTimer.Dispose();
            _generation++;
            if (_timeline.IsPublic)
            {
                LogLeftLitAtDispose(_logger);
                return;
            }

            if (_pinOpen && _controller is not null)
            {
                TryWrite(_pin.DarkLevel, out _);
                TryClosePin();
            }

            _mode = IndicatorMode.Dark;
        }
    }

    /// <summary>Lights the LED steadily; on success the receipt lets the timeline open while it stays lit.</summary>
    internal bool TryLight(out LitReceipt receipt, out string? error)
    {
        lock (_lock)
        {
            receipt = default;
            if (_disposed)
            {
                error = "the indicator was shut down";
                return false;
            }

            if (!EnsureOpen())
            {
                error = _fault;
                return false;
            }

            _blinkTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (!TryWrite(_pin.LitLevel, out error))
            {
                _mode = IndicatorMode.Unavailable;
                return false;
            }

            _mode = IndicatorMode.Lit;
            _fault = null;
            _generation++;
            receipt = new LitReceipt(this, _generation);
            return true;
        }
    }

    /// <summary>Runs <paramref name="action"/> under this indicator's lock only if it is still lit under <paramref name="receipt"/>.</summary>
    internal bool RunIfLit<TState>(LitReceipt receipt, TState state, Action<TState> action)
    {
        lock (_lock)
        {
            if (_disposed || _mode != IndicatorMode.Lit || receipt.Generation != _generation || !ReferenceEquals(receipt.Indicator, this))
            {
                return false;
            }

            action(state);
            return true;
        }
    }

    /// <summary>Writes the lit level again while public (repairs a line changed behind our back, detects a dead line).</summary>
    internal bool Reassert(out string? error)
    {
        lock (_lock)
        {
            error = null;
            if (_mode != IndicatorMode.Lit)
            {
                error = "the indicator is not lit";
                return false;
            }

            if (TryWrite(_pin.LitLevel, out error))
            {
                return true;
            }

            // Receipts die with the failed write: nothing may open on a LED in an unknown state.
            _generation++;
            _mode = IndicatorMode.Unavailable;
            return false;
        }
    }

    /// <summary>Darkens the LED. Only legal once the gate has shut.</summary>
    /// <exception cref="InvalidOperationException">The timeline is still public.</exception>
    internal void ExtinguishAfterGateClosed()
    {
        lock (_lock)
        {
            if (_timeline.IsPublic)
            {
                throw new InvalidOperationException("The recording indicator cannot be darkened while the privacy gate is open.");
            }

            _generation++;
            _blinkTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (_disposed || !_pinOpen || _mode == IndicatorMode.Dark)
            {
                // Already dark: no write, so frequent reads of a private switch cost no GPIO traffic.
                return;
            }

            if (TryWrite(_pin.DarkLevel, out string? error))
            {
                _mode = IndicatorMode.Dark;
            }
            else
            {
                // A LED we cannot darken may be lit while nothing records: acceptable, and reported.
                _mode = IndicatorMode.Unavailable;
                LogIndicatorWriteFailed(_logger, error ?? "unknown");
            }
        }
    }

    /// <summary>Shows the fault pattern. Only while the gate is shut (a fault always shuts it first).</summary>
    internal void ShowFault()
    {
        lock (_lock)
        {
            if (_disposed || _timeline.IsPublic || _mode == IndicatorMode.FaultBlink)
            {
                return;
            }

            _generation++;
            if (!EnsureOpen())
            {
                return;
            }

            _mode = IndicatorMode.FaultBlink;
            _blinkStep = 0;
            _blinkWriteFailing = false;
            WriteBlinkStep();
        }
    }

    private void OnBlinkTimer()
    {
        lock (_lock)
        {
            if (_disposed || _mode != IndicatorMode.FaultBlink)
            {
                return;
            }

            _blinkStep = (_blinkStep + 1) % FaultPattern.Length;
            WriteBlinkStep();
        }
    }

    private void WriteBlinkStep()
    {
        // Even steps are "on", odd steps "off".
        PinValue level = _blinkStep % 2 == 0 ? _pin.LitLevel : _pin.DarkLevel;
        if (TryWrite(level, out string? error))
        {
            _blinkWriteFailing = false;
        }
        else if (!_blinkWriteFailing)
        {
            _blinkWriteFailing = true;
            LogIndicatorWriteFailed(_logger, error ?? "unknown");
        }

        _blinkTimer.Change(FaultPattern[_blinkStep], Timeout.InfiniteTimeSpan);
    }

    private bool EnsureOpen()
    {
        if (_pinOpen)
        {
            return true;
        }

        if (_controller is null)
        {
            _fault = "no GPIO controller";
            return false;
        }

        try
        {
            if (_controller.IsPinOpen(_pin.Line))
            {
                // Left open by an earlier half-failed attempt: start clean so the mode and level are ours.
                _controller.ClosePin(_pin.Line);
            }

            _controller.OpenPin(_pin.Line, PinMode.Output, _pin.DarkLevel);
            _pinOpen = true;
            _fault = null;
            return true;
        }
#pragma warning disable CA1031 // Any driver failure means "no LED", which keeps the gate shut; it is reported, not thrown.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _fault = $"cannot open LED line {_pin.Line}: {exception.Message}";
            LogIndicatorOpenFailed(_logger, _pin.Line, exception);
            return false;
        }
    }

    private bool TryWrite(PinValue level, out string? error)
    {
        try
        {
            _controller!.Write(_pin.Line, level);
            error = null;
            return true;
        }
#pragma warning disable CA1031 // A failed LED write keeps the gate shut; reported, not thrown.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            error = $"cannot write LED line {_pin.Line}: {exception.Message}";
            _fault = error;
            return false;
        }
    }

    private void TryClosePin()
    {
        try
        {
            _controller!.ClosePin(_pin.Line);
        }
#pragma warning disable CA1031 // Releasing at shutdown is best effort.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogIndicatorWriteFailed(_logger, exception.Message);
        }

        _pinOpen = false;
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Error, Message = "Recording indicator line {Line} cannot be opened; recording stays impossible")]
    private static partial void LogIndicatorOpenFailed(ILogger logger, int line, Exception exception);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "Recording indicator write failed: {Error}")]
    private static partial void LogIndicatorWriteFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 122, Level = LogLevel.Critical, Message = "Recording indicator disposed while the privacy gate is open; left lit")]
    private static partial void LogLeftLitAtDispose(ILogger logger);

    /// <summary>Proof of a lit write; only valid while the indicator's generation is unchanged.</summary>
    internal readonly record struct LitReceipt(RecordingIndicator Indicator, long Generation);
}
