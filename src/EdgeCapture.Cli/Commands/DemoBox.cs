using System.Collections.Concurrent;
using System.Device.Gpio;
using System.Diagnostics;
using System.Globalization;
using EdgeCapture.Appliance;
using EdgeCapture.Crypto;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Linux;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Recorder;
using Microsoft.Extensions.Logging;
using ApplianceHost = EdgeCapture.Appliance.Appliance;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// One simulated box of the demo: a real appliance (<c>Appliance.Start</c>, what <c>edgecapture run --simulate</c>
/// runs) with its own device key, data directory and <c>appliance.json</c> in <c>DIR/boxes/ID</c>, enrolled at the collector,
/// uploading live over the embedded broker and answering the fleet. Its simulated hardware is driven at the GPIO level as a
/// person would: the privacy switch line and the forget button line. Each flip is bracketed by the box's monotonic clock (the
/// clock every record is stamped with), so the proofs can compare the export's stamps with what really happened.
/// </summary>
internal sealed class DemoBox : IAsyncDisposable
{
    /// <summary>The password the boxes' users type on the lock screen: what must never reach the export.</summary>
    public const string Password = "Tulip7Orbit";

    private readonly ConcurrentDictionary<(Guid Session, int Index), SealedSegment> _sealed = new();
    private readonly Lock _intervalsLock = new();
    private readonly List<DemoInterval> _privateIntervals = [];
    private ApplianceHost? _appliance;
    private long _startedAt;
    private Stopwatch _planClock = new();
    private long? _openPrivateFrom;

    private DemoBox(DemoBoxPlan plan, string directory, DevicePublicKey publicKey)
    {
        Plan = plan;
        Directory = directory;
        PublicKey = publicKey;
    }

    /// <summary>What the box does.</summary>
    public DemoBoxPlan Plan { get; }

    /// <summary>Its device id.</summary>
    public string DeviceId => Plan.DeviceId;

    /// <summary>Its folder: <c>appliance.json</c>, <c>fleet.json</c>, <c>device.key</c>, <c>outbox.db</c>.</summary>
    public string Directory { get; }

    /// <summary>Its <c>appliance.json</c>.</summary>
    public string ConfigurationPath => Path.Combine(Directory, "appliance.json");

    /// <summary>Its device public key (enrolled at the collector).</summary>
    public DevicePublicKey PublicKey { get; }

    /// <summary>The running appliance, or null before <see cref="Start"/> and after <see cref="StopAsync"/>.</summary>
    public ApplianceHost? Appliance => _appliance;

    /// <summary>The recorder's counters at the stop (null before).</summary>
    public RecorderStatistics? FinalStatistics { get; private set; }

    /// <summary>Segments the box confirmed stored while it ran (the collector's signed answers).</summary>
    public long UploadedWhileRunning { get; private set; }

    /// <summary>Monotonic nanoseconds just before the forget button went down, or null.</summary>
    public long? ForgetPressedAt { get; private set; }

    /// <summary>Monotonic nanoseconds when the appliance had started.</summary>
    public long StartedAt => _startedAt;

    /// <summary>Every segment sealed so far, with the monotonic range it covers and when it was sealed.</summary>
    public IReadOnlyCollection<SealedSegment> Sealed => [.. _sealed.Values];

    /// <summary>
    /// The private intervals in the box's monotonic nanoseconds: from just before the switch line went private to just after it
    /// went public again (or the stop). Wider than the truth by microseconds on both sides, so a proof over them can only be stricter.
    /// </summary>
    public IReadOnlyList<DemoInterval> PrivateIntervals
    {
        get
        {
            lock (_intervalsLock)
            {
                var intervals = new List<DemoInterval>(_privateIntervals);
                if (_openPrivateFrom is { } from)
                {
                    intervals.Add(new DemoInterval(from, long.MaxValue));
                }

                return intervals;
            }
        }
    }

    /// <summary>Writes the box's key, <c>fleet.json</c> and <c>appliance.json</c> under <paramref name="root"/>.</summary>
    public static DemoBox Prepare(string root, DemoBoxPlan plan, AgeRecipient custodian, DevicePublicKey collectorKey, int brokerPort, PersonalSigningKey operatorKey)
    {
        string directory = Path.Combine(root, "boxes", plan.DeviceId);
        System.IO.Directory.CreateDirectory(directory);
        string keyPath = Path.Combine(directory, "device.key");
        DevicePublicKey publicKey;
        using (DeviceSigningKey key = DeviceSigningKey.Generate())
        {
            key.Save(keyPath, DateTimeOffset.UtcNow);
            publicKey = key.PublicKey;
        }

        // The box's root-owned fleet file: the operator it trusts and its groups (never writable by group or others).
        string fleetPath = Path.Combine(directory, "fleet.json");
        File.WriteAllText(fleetPath, $$"""
            { "groups": [{{string.Join(", ", plan.Groups.Select(group => $"\"{group}\""))}}], "statusIntervalSeconds": 2,
              "trustedSigners": [ { "name": "demo-operator", "role": "operator", "publicKey": "{{operatorKey.PublicKey}}" } ] }
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fleetPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        File.WriteAllText(Path.Combine(directory, "appliance.json"), $$"""
            {
              "deviceId": "{{plan.DeviceId}}",
              "dataDirectory": "{{directory}}",
              "deviceKeyPath": "{{keyPath}}",
              "recipients": ["{{custodian}}"],
              "segmentSeconds": 3,
              "videoSource": "simulated",
              "upload": { "brokerUri": "mqtt://127.0.0.1:{{brokerPort.ToString(CultureInfo.InvariantCulture)}}", "userName": "{{plan.DeviceId}}", "collectorKey": "{{collectorKey}}", "answerTimeoutSeconds": 10 },
              "fleet": "{{fleetPath}}"
            }
            """);
        return new DemoBox(plan, directory, publicKey);
    }

    /// <summary>Starts the appliance from its <c>appliance.json</c> on simulated hardware, its user working for <paramref name="seconds"/>.</summary>
    /// <exception cref="ApplianceConfigurationException">The configuration is refused.</exception>
    /// <exception cref="ApplianceStartException">A part could not start.</exception>
    public void Start(double seconds, ILoggerFactory loggerFactory, Action<string> report)
    {
        ApplianceConfiguration configuration = ApplianceConfiguration.Load(ConfigurationPath);
        var simulation = new ApplianceSimulation
        {
            Seed = Plan.Seed,
            ScriptLength = TimeSpan.FromSeconds(seconds),
            LockScreen = Plan.LockAt is { } lockAt ? new ScriptedLockScreen(TimeSpan.FromSeconds(lockAt), Password) : null,
        };
        _appliance = ApplianceHost.Start(configuration, simulation, loggerFactory, OnSealed, text => report($"{DeviceId}: {text}"));
        _startedAt = MonotonicClock.System.NowNanoseconds;

        // The plan's times count from here, as the simulated user's script does (it starts as the appliance's start ends).
        _planClock = Stopwatch.StartNew();
    }

    /// <summary>Carries out the plan's switch flips and forget press at their times (the lock is in the simulated user's script).</summary>
    public async Task RunPlanAsync(Action<string> report, CancellationToken cancellationToken)
    {
        SimulatedGpioDriver gpio = _appliance?.SimulatedGpio ?? throw new InvalidOperationException("The box is not running on simulated hardware.");
        var steps = new List<(double At, Func<Task> Act)>();
        foreach (DemoSpan span in Plan.Private)
        {
            steps.Add((span.From, () =>
            {
                lock (_intervalsLock)
                {
                    _openPrivateFrom = MonotonicClock.System.NowNanoseconds;
                    gpio.SetExternalLevel(SimulatedPinout.SwitchLine, PinValue.High);
                }

                report($"{DeviceId}: privacy switch -> private");
                return Task.CompletedTask;
            }));
            steps.Add((span.To, () =>
            {
                lock (_intervalsLock)
                {
                    gpio.SetExternalLevel(SimulatedPinout.SwitchLine, PinValue.Low);
                    _privateIntervals.Add(new DemoInterval(_openPrivateFrom!.Value, MonotonicClock.System.NowNanoseconds));
                    _openPrivateFrom = null;
                }

                report($"{DeviceId}: privacy switch -> public");
                return Task.CompletedTask;
            }));
        }

        if (Plan.LockAt is { } lockAt)
        {
            steps.Add((lockAt, () =>
            {
                report($"{DeviceId}: the user presses Win+L, types the password on the lock screen and Enter");
                return Task.CompletedTask;
            }));
        }

        if (Plan.ForgetAt is { } forgetAt)
        {
            steps.Add((forgetAt, async () =>
            {
                ForgetPressedAt = MonotonicClock.System.NowNanoseconds;
                gpio.SetExternalLevel(SimulatedPinout.ButtonLine, PinValue.Low);
                report($"{DeviceId}: forget button pressed (discards the last 2 minutes, here everything so far)");
                await Task.Delay(TimeSpan.FromMilliseconds(150), CancellationToken.None).ConfigureAwait(false);
                gpio.SetExternalLevel(SimulatedPinout.ButtonLine, PinValue.High);
            }));
        }

        Stopwatch clock = _planClock;
        foreach ((double at, Func<Task> act) in steps.OrderBy(step => step.At))
        {
            TimeSpan wait = TimeSpan.FromSeconds(at) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            await act().ConfigureAwait(false);
        }
    }

    /// <summary>What the live display shows, read from the running parts.</summary>
    public DemoBoxSnapshot Snapshot(long storedAtCollector)
    {
        ApplianceHost? appliance = _appliance;
        RecorderStatistics? statistics = FinalStatistics ?? appliance?.Recorder.GetStatistics();
        string privacy = appliance is null ? "stopped" : appliance.Privacy.Status.State == PrivacyState.Public ? "public" : "PRIVATE";
        long uploaded = appliance?.Upload?.Uploader.Statistics.SegmentsStored ?? UploadedWhileRunning;
        return new DemoBoxSnapshot(
            DeviceId,
            privacy,
            statistics?.EventsAccepted ?? 0,
            statistics?.EventsGated ?? 0,
            statistics?.KeyEventsSuppressed ?? 0,
            statistics?.FramesRecorded ?? 0,
            statistics?.SegmentsSealed ?? 0,
            uploaded,
            storedAtCollector);
    }

    /// <summary>Stops the appliance in its order (the last segment is sealed) and closes its outbox.</summary>
    public async Task StopAsync()
    {
        if (_appliance is not { } appliance)
        {
            return;
        }

        await appliance.StopAsync().ConfigureAwait(false);
        lock (_intervalsLock)
        {
            if (_openPrivateFrom is { } from)
            {
                _privateIntervals.Add(new DemoInterval(from, MonotonicClock.System.NowNanoseconds));
                _openPrivateFrom = null;
            }
        }

        FinalStatistics = appliance.Recorder.GetStatistics();
        UploadedWhileRunning = appliance.Upload?.Uploader.Statistics.SegmentsStored ?? 0;
        await appliance.DisposeAsync().ConfigureAwait(false);
        _appliance = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void OnSealed(SegmentSealedInfo info) =>
        _sealed[(info.SessionId, info.SegmentIndex)] = new SealedSegment(info.SessionId, info.SegmentIndex, info.MonotonicStartNanoseconds, info.MonotonicEndNanoseconds, info.CiphertextLength, info.Counts.Frames, Stopwatch.GetTimestamp());
}

/// <summary>An interval of monotonic nanoseconds, both ends included.</summary>
/// <param name="From">Start.</param>
/// <param name="To">End.</param>
internal readonly record struct DemoInterval(long From, long To)
{
    public bool Contains(long instant) => instant >= From && instant <= To;
}

/// <summary>A segment the box sealed: its range and when (Stopwatch timestamp) it was sealed.</summary>
internal sealed record SealedSegment(Guid SessionId, int SegmentIndex, long MonotonicStart, long MonotonicEnd, long CiphertextLength, long Frames, long SealedTimestamp);

/// <summary>One row of the live display.</summary>
internal sealed record DemoBoxSnapshot(string DeviceId, string Privacy, long Events, long EventsGated, long KeysSuppressed, long Frames, long SegmentsSealed, long Uploaded, long Stored);
