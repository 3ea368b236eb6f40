using System.Device.Gpio;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Privacy.Simulation;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Privacy.Tests;

/// <summary>The privacy hardware on a simulated chip with a fake clock, plus one ordered log of what happened.</summary>
internal sealed class PrivacyRig : IDisposable
{
    public const int SwitchLine = SimulatedPinout.SwitchLine;
    public const int LedLine = SimulatedPinout.IndicatorLine;
    public const int ButtonLine = SimulatedPinout.ButtonLine;

    // The simulated pinout with the Pi 4 header pins of those lines (GPIO5 = pin 29, GPIO26 = pin 37, GPIO6 = pin 31).
    public static readonly PinoutDocument DefaultPinout = SimulatedPinout.Document with
    {
        Board = "Raspberry Pi 4 Model B",
        PrivacySwitch = SimulatedPinout.Document.PrivacySwitch with { HeaderPin = 29 },
        RecordingIndicator = SimulatedPinout.Document.RecordingIndicator with { HeaderPin = 37 },
        ForgetButton = SimulatedPinout.Document.ForgetButton with { HeaderPin = 31 },
    };

    private readonly Lock _logLock = new();
    private readonly List<string> _log = [];
    private PrivacyHardware? _hardware;

    public PrivacyRig(PrivacyOptions? options = null, PinoutDocument? pinout = null, bool start = true)
    {
        Time = new FakeTimeProvider();
        Clock = new MonotonicClock(Time, Time.GetTimestamp());
        Driver = new SimulatedGpioDriver();
        Options = options ?? new PrivacyOptions();
        Pinout = pinout ?? DefaultPinout;
        Driver.OperationPerformed += operation =>
        {
            if (operation.Kind is SimulatedGpioOperationKind.Write or SimulatedGpioOperationKind.Edge)
            {
                Append($"{operation.Kind.ToString().ToLowerInvariant()} {operation.Pin} {operation.Value}");
            }
        };
        if (start)
        {
            Start();
        }
    }

    public FakeTimeProvider Time { get; }

    public MonotonicClock Clock { get; }

    public SimulatedGpioDriver Driver { get; }

    public PrivacyOptions Options { get; }

    public PinoutDocument Pinout { get; }

    public PrivacyHardware Hardware => _hardware ?? throw new InvalidOperationException("not started");

    public PrivacyTimeline Timeline => Hardware.Timeline;

    public long Now => Clock.NowNanoseconds;

    public PinValue Led => Driver.LevelOf(LedLine);

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_logLock)
            {
                return [.. _log];
            }
        }
    }

    public void Start()
    {
        _hardware = PrivacyHardware.Start(Pinout, Options, Clock, driverFactory: _ => Driver);
        Hardware.Timeline.Subscribe(transition => Append(
            $"gate {transition.Current.State} {transition.Current.Reason}"));
    }

    public void SwitchPublic() => Driver.SetExternalLevel(SwitchLine, PinValue.Low);

    public void SwitchPrivate() => Driver.SetExternalLevel(SwitchLine, PinValue.High);

    /// <summary>
    /// Advances in steps of at most 1 ms: the FakeTimeProvider of Microsoft.Extensions.TimeProvider.Testing 10.0.0 runs
    /// every due timer at the final time of one Advance, so timers only see their own due time with small steps.
    /// </summary>
    public void Advance(double milliseconds)
    {
        TimeSpan remaining = TimeSpan.FromMilliseconds(milliseconds);
        while (remaining > TimeSpan.Zero)
        {
            TimeSpan step = remaining < TimeSpan.FromMilliseconds(1) ? remaining : TimeSpan.FromMilliseconds(1);
            Time.Advance(step);
            remaining -= step;
        }
    }

    /// <summary>Switch to public and wait out the debounce; returns the instant the gate opened.</summary>
    public long OpenGate()
    {
        SwitchPublic();
        Advance(Options.SwitchDebounce.TotalMilliseconds);
        Assert.Equal(PrivacyState.Public, Timeline.Status.State);
        return Timeline.Status.SinceNanoseconds;
    }

    public static long Milliseconds(double value) => (long)(value * 1_000_000);

    public void ClearLog()
    {
        lock (_logLock)
        {
            _log.Clear();
        }
    }

    public void Dispose() => _hardware?.Dispose();

    private void Append(string entry)
    {
        lock (_logLock)
        {
            _log.Add(entry);
        }
    }
}
