using System.Collections.Concurrent;
using System.Device.Gpio;
using EdgeCapture.Crypto;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Recording.Tests;

/// <summary>
/// The recorder wired to the real pieces: the privacy hardware (switch monitor, indicator, timeline) on a simulated
/// GPIO chip, a fake clock, a real SQLite outbox in a temporary directory, a real custodian age identity and device key.
/// The state machine is driven directly (deterministic); transitions are delivered the way the <see cref="Recorder.Recorder"/> delivers them.
/// </summary>
internal sealed class RecorderRig : IDisposable
{
    public const int SwitchLine = SimulatedPinout.SwitchLine;
    public const int LedLine = SimulatedPinout.IndicatorLine;
    public const int ButtonLine = SimulatedPinout.ButtonLine;
    public const int KeyboardId = 1;
    public const int MouseId = 2;

    public static PinoutDocument Pinout => SimulatedPinout.Document;

    private readonly ConcurrentQueue<PrivacyTransition> _transitions = new();
    private readonly IDisposable _subscription;
    private readonly List<SegmentSealedInfo> _sealed = [];

    public RecorderRig(RecorderOptions? options = null, OutboxOptions? outboxOptions = null, bool startPublic = true, Func<ISegmentSink, ISegmentSink>? wrapSink = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("edgecapture-recording-tests-");
        Time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));
        WallClock = new SteppableWallClock(Time);
        Clock = new MonotonicClock(WallClock, Time.GetTimestamp() - (TimeSpan.TicksPerSecond * 1000));
        Driver = new SimulatedGpioDriver();
        Driver.SetExternalLevel(SwitchLine, PinValue.High);
        Driver.SetExternalLevel(ButtonLine, PinValue.High);
        PrivacyOptions = new PrivacyOptions();
        Hardware = PrivacyHardware.Start(Pinout, PrivacyOptions, Clock, driverFactory: _ => Driver);
        _subscription = Hardware.Timeline.Subscribe(_transitions.Enqueue);
        Custodian = AgeIdentity.Generate();
        DeviceKey = DeviceSigningKey.Generate();
        Outbox = SegmentOutbox.Open(Path.Combine(Directory.FullName, "outbox.db"), outboxOptions ?? new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, Time);
        Options = options ?? new RecorderOptions { DeviceId = "test-box" };
        Sink = new OutboxSegmentSink(Outbox, [Custodian.Recipient], DeviceKey, Options.DeviceId, Time);
        Gate = new PrivacyTimelineGate(Hardware.Timeline);
        Core = new SessionRecorder(Options, Gate, wrapSink is null ? Sink : wrapSink(Sink), Clock, NullLogger.Instance, _sealed.Add);
        if (startPublic)
        {
            SwitchPublic();
            Advance(TimeSpan.FromMilliseconds(60));
        }
    }

    public DirectoryInfo Directory { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>The recorder's wall clock: the fake time plus a step a test can set (an NTP step after boot).</summary>
    public SteppableWallClock WallClock { get; }

    public MonotonicClock Clock { get; }

    public SimulatedGpioDriver Driver { get; }

    public PrivacyOptions PrivacyOptions { get; }

    public PrivacyHardware Hardware { get; }

    public AgeIdentity Custodian { get; }

    public DeviceSigningKey DeviceKey { get; }

    public SegmentOutbox Outbox { get; }

    public RecorderOptions Options { get; }

    public OutboxSegmentSink Sink { get; }

    public PrivacyTimelineGate Gate { get; }

    public SessionRecorder Core { get; }

    public IReadOnlyList<SegmentSealedInfo> Sealed => _sealed;

    public long Now => Clock.NowNanoseconds;

    public void SwitchPublic() => Driver.SetExternalLevel(SwitchLine, PinValue.Low);

    public void SwitchPrivate() => Driver.SetExternalLevel(SwitchLine, PinValue.High);

    /// <summary>Advances the fake clock (the switch monitor polls and confirms), then delivers transitions and ticks.</summary>
    public void Advance(TimeSpan duration, bool tick = true)
    {
        // Step in small increments so the monitor's timers run in order, as on the real clock.
        TimeSpan step = TimeSpan.FromMilliseconds(5);
        while (duration > TimeSpan.Zero)
        {
            TimeSpan now = duration < step ? duration : step;
            Time.Advance(now);
            duration -= now;
            ApplyTransitions();
        }

        if (tick)
        {
            Core.Tick();
        }
    }

    public void ApplyTransitions()
    {
        while (_transitions.TryDequeue(out PrivacyTransition transition))
        {
            Core.OnTransition(transition);
        }
    }

    public void Key(ushort linuxKeyCode, bool down, long? at = null)
    {
        long time = at ?? Now;
        Core.OnInput(new InputTapEvent(time, KeyboardId, InputDeviceKind.Keyboard, EventTypes.Key, linuxKeyCode, down ? 1 : 0));
        Core.OnInput(new InputTapEvent(time, KeyboardId, InputDeviceKind.Keyboard, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
    }

    public void Tap(ushort linuxKeyCode)
    {
        Key(linuxKeyCode, down: true);
        Advance(TimeSpan.FromMilliseconds(10), tick: false);
        Key(linuxKeyCode, down: false);
        Advance(TimeSpan.FromMilliseconds(10), tick: false);
    }

    public void Move(int deltaX, int deltaY, long? at = null)
    {
        long time = at ?? Now;
        Core.OnInput(new InputTapEvent(time, MouseId, InputDeviceKind.Mouse, EventTypes.Relative, RelativeAxes.X, deltaX));
        Core.OnInput(new InputTapEvent(time, MouseId, InputDeviceKind.Mouse, EventTypes.Relative, RelativeAxes.Y, deltaY));
        Core.OnInput(new InputTapEvent(time, MouseId, InputDeviceKind.Mouse, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
    }

    /// <summary>Lets everything held be confirmed, then ends the session as at shutdown.</summary>
    public void Finish()
    {
        Advance(TimeSpan.FromMilliseconds(100));
        Core.Stop();
    }

    public VerificationReport Verify(Action<SegmentKey, SegmentContents>? onDecrypted = null) =>
        SegmentChainVerifier.Verify(Outbox, DeviceKey.PublicKey, [Custodian], onDecrypted);

    /// <summary>Every decrypted segment's records, in session and segment order.</summary>
    public List<(SegmentKey Key, SegmentContents Contents)> DecryptAll()
    {
        var segments = new List<(SegmentKey, SegmentContents)>();
        VerificationReport report = Verify((key, contents) => segments.Add((key, contents)));
        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        return segments;
    }

    public void Dispose()
    {
        _subscription.Dispose();
        Core.Dispose();
        Sink.Dispose();
        Outbox.Dispose();
        Hardware.Dispose();
        Custodian.Dispose();
        DeviceKey.Dispose();
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not a test failure.
        }
    }
}
