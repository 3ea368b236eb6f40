using System.Device.Gpio;

namespace EdgeCapture.Privacy.Simulation;

/// <summary>One operation the simulated driver performed, in order.</summary>
/// <param name="Kind">What was done.</param>
/// <param name="Pin">The line.</param>
/// <param name="Value">The level written or read, when there is one.</param>
public readonly record struct SimulatedGpioOperation(SimulatedGpioOperationKind Kind, int Pin, PinValue? Value);

/// <summary>Kinds of <see cref="SimulatedGpioOperation"/>.</summary>
public enum SimulatedGpioOperationKind
{
    /// <summary>A line was opened.</summary>
    Open,

    /// <summary>A line was closed.</summary>
    Close,

    /// <summary>A line's mode was set.</summary>
    SetMode,

    /// <summary>A line was read.</summary>
    Read,

    /// <summary>A level was written to an output line.</summary>
    Write,

    /// <summary>An edge callback was delivered.</summary>
    Edge,
}

/// <summary>
/// A GPIO chip in memory for tests and for simulated runs (the CLI's simulated switch): lines with modes, pulls,
/// an externally driven level (the "physical" switch or button), edge callbacks delivered synchronously on the
/// thread that changes the level, and failures on demand (open, read, write, missing lines, unsupported modes).
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, Line> _lines = [];
    private readonly HashSet<int> _failOpen = [];
    private readonly HashSet<int> _failRead = [];
    private readonly HashSet<int> _failWrite = [];
    private readonly HashSet<(int Pin, PinMode Mode)> _unsupported = [];
    private readonly int _pinCount;

    /// <summary>Creates a chip with lines 0 to <paramref name="pinCount"/> - 1.</summary>
    /// <param name="pinCount">Number of lines; opening a line outside it fails like a missing line.</param>
    public SimulatedGpioDriver(int pinCount = 64)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pinCount);
        _pinCount = pinCount;
    }

    /// <summary>Raised after every operation, outside the driver's lock, in the order performed.</summary>
    public event Action<SimulatedGpioOperation>? OperationPerformed;

    /// <inheritdoc />
    protected override int PinCount => _pinCount;

    /// <summary>Drives a line from outside (a switch or button contact), delivering an edge if the level changes.</summary>
    /// <param name="pin">The line.</param>
    /// <param name="level">The level the outside world now holds it at.</param>
    public void SetExternalLevel(int pin, PinValue level) => ChangeExternal(pin, level);

    /// <summary>Leaves a line undriven (a broken wire or unplugged switch): it then reads its pull level.</summary>
    /// <param name="pin">The line.</param>
    public void Disconnect(int pin) => ChangeExternal(pin, null);

    /// <summary>Makes opening <paramref name="pin"/> fail (busy line) or succeed again.</summary>
    /// <param name="pin">The line.</param>
    /// <param name="fail">Whether to fail.</param>
    public void FailOpen(int pin, bool fail = true) => Toggle(_failOpen, pin, fail);

    /// <summary>Makes reading <paramref name="pin"/> throw or succeed again.</summary>
    /// <param name="pin">The line.</param>
    /// <param name="fail">Whether to fail.</param>
    public void FailRead(int pin, bool fail = true) => Toggle(_failRead, pin, fail);

    /// <summary>Makes writing <paramref name="pin"/> throw or succeed again.</summary>
    /// <param name="pin">The line.</param>
    /// <param name="fail">Whether to fail.</param>
    public void FailWrite(int pin, bool fail = true) => Toggle(_failWrite, pin, fail);

    /// <summary>Declares that <paramref name="pin"/> cannot be put in <paramref name="mode"/> (e.g. no bias support).</summary>
    /// <param name="pin">The line.</param>
    /// <param name="mode">The mode.</param>
    public void MarkUnsupported(int pin, PinMode mode)
    {
        lock (_lock)
        {
            _unsupported.Add((pin, mode));
        }
    }

    /// <summary>The level the line currently has (output value for outputs, external or pull level for inputs).</summary>
    /// <param name="pin">The line.</param>
    /// <returns>The level.</returns>
    public PinValue LevelOf(int pin)
    {
        lock (_lock)
        {
            return GetLine(pin).Level;
        }
    }

    /// <summary>Whether the line is currently opened by the program.</summary>
    /// <param name="pin">The line.</param>
    /// <returns>True when open.</returns>
    public bool IsOpen(int pin)
    {
        lock (_lock)
        {
            return _lines.TryGetValue(pin, out Line? line) && line.IsOpen;
        }
    }

    /// <inheritdoc />
    protected override void OpenPin(int pinNumber)
    {
        lock (_lock)
        {
            if (pinNumber < 0 || pinNumber >= _pinCount)
            {
                throw new ArgumentOutOfRangeException(nameof(pinNumber), pinNumber, $"The simulated chip has no line {pinNumber}.");
            }

            if (_failOpen.Contains(pinNumber))
            {
                throw new IOException($"Simulated failure: line {pinNumber} is busy (EBUSY).");
            }

            GetLine(pinNumber).IsOpen = true;
        }

        Raise(new SimulatedGpioOperation(SimulatedGpioOperationKind.Open, pinNumber, null));
    }

    /// <inheritdoc />
    protected override void ClosePin(int pinNumber)
    {
        lock (_lock)
        {
            Line line = GetLine(pinNumber);
            line.IsOpen = false;
            line.Callbacks.Clear();
        }

        Raise(new SimulatedGpioOperation(SimulatedGpioOperationKind.Close, pinNumber, null));
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_lock)
        {
            RequireOpen(pinNumber);
            if (_unsupported.Contains((pinNumber, mode)))
            {
                throw new InvalidOperationException($"Simulated failure: line {pinNumber} does not support {mode}.");
            }

            GetLine(pinNumber).Mode = mode;
        }

        Raise(new SimulatedGpioOperation(SimulatedGpioOperationKind.SetMode, pinNumber, null));
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        SetPinMode(pinNumber, mode);
        if (mode == PinMode.Output)
        {
            Write(pinNumber, initialValue);
        }
    }

    /// <inheritdoc />
    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_lock)
        {
            return GetLine(pinNumber).Mode;
        }
    }

    /// <inheritdoc />
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode)
    {
        lock (_lock)
        {
            return pinNumber >= 0 && pinNumber < _pinCount && !_unsupported.Contains((pinNumber, mode));
        }
    }

    /// <inheritdoc />
    protected override PinValue Read(int pinNumber)
    {
        PinValue value;
        lock (_lock)
        {
            RequireOpen(pinNumber);
            if (_failRead.Contains(pinNumber))
            {
                throw new IOException($"Simulated failure: reading line {pinNumber} failed (EIO).");
            }

            value = GetLine(pinNumber).Level;
        }

        Raise(new SimulatedGpioOperation(SimulatedGpioOperationKind.Read, pinNumber, value));
        return value;
    }

    /// <inheritdoc />
    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_lock)
        {
            RequireOpen(pinNumber);
            if (_failWrite.Contains(pinNumber))
            {
                throw new IOException($"Simulated failure: writing line {pinNumber} failed (EIO).");
            }

            Line line = GetLine(pinNumber);
            if (line.Mode != PinMode.Output)
            {
                throw new InvalidOperationException($"Line {pinNumber} is not an output.");
            }

            line.OutputValue = value;
        }

        Raise(new SimulatedGpioOperation(SimulatedGpioOperationKind.Write, pinNumber, value));
    }

    /// <inheritdoc />
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        var edge = new TaskCompletionSource<PinEventTypes>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnEdge(object sender, PinValueChangedEventArgs args) => edge.TrySetResult(args.ChangeType);
        AddCallbackForPinValueChangedEvent(pinNumber, eventTypes, OnEdge);
        try
        {
            edge.Task.Wait(cancellationToken);
            return new WaitForEventResult { EventTypes = edge.Task.Result, TimedOut = false };
        }
        catch (OperationCanceledException)
        {
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }
        finally
        {
            RemoveCallbackForPinValueChangedEvent(pinNumber, OnEdge);
        }
    }

    /// <inheritdoc />
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_lock)
        {
            RequireOpen(pinNumber);
            GetLine(pinNumber).Callbacks.Add((eventTypes, callback));
        }
    }

    /// <inheritdoc />
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_lock)
        {
            GetLine(pinNumber).Callbacks.RemoveAll(entry => entry.Callback == callback);
        }
    }

    private void ChangeExternal(int pin, PinValue? level)
    {
        List<PinChangeEventHandler> toCall = [];
        PinEventTypes change = PinEventTypes.None;
        lock (_lock)
        {
            Line line = GetLine(pin);
            PinValue before = line.Level;
            line.ExternalLevel = level;
            PinValue after = line.Level;
            if (before != after && line.IsOpen && line.Mode != PinMode.Output)
            {
                change = after == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
                toCall.AddRange(line.Callbacks.Where(entry => (entry.Types & change) != 0).Select(entry => entry.Callback));
            }
        }

        // Delivered outside the lock, like the kernel's event thread, so callbacks may read the line.
        foreach (PinChangeEventHandler callback in toCall)
        {
            Raise(new SimulatedGpioOperation(SimulatedGpioOperationKind.Edge, pin, change == PinEventTypes.Rising ? PinValue.High : PinValue.Low));
            callback(this, new PinValueChangedEventArgs(change, pin));
        }
    }

    private void Toggle(HashSet<int> set, int pin, bool add)
    {
        lock (_lock)
        {
            if (add)
            {
                set.Add(pin);
            }
            else
            {
                set.Remove(pin);
            }
        }
    }

    private void RequireOpen(int pinNumber)
    {
        if (!GetLine(pinNumber).IsOpen)
        {
            throw new InvalidOperationException($"Line {pinNumber} is not open.");
        }
    }

    private Line GetLine(int pin)
    {
        if (!_lines.TryGetValue(pin, out Line? line))
        {
            line = new Line();
            _lines.Add(pin, line);
        }

        return line;
    }

    private void Raise(SimulatedGpioOperation operation) => OperationPerformed?.Invoke(operation);

    private sealed class Line
    {
        public bool IsOpen { get; set; }

        public PinMode Mode { get; set; } = PinMode.Input;

        public PinValue OutputValue { get; set; } = PinValue.Low;

        public PinValue? ExternalLevel { get; set; }

        public List<(PinEventTypes Types, PinChangeEventHandler Callback)> Callbacks { get; } = [];

        public PinValue Level => Mode switch
        {
            PinMode.Output => OutputValue,
            _ when ExternalLevel is PinValue driven => driven,
            PinMode.InputPullUp => PinValue.High,
            _ => PinValue.Low, // pull-down, or a floating input we model as low
        };
    }
}
