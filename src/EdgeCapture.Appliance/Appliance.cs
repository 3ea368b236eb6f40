// Long (about 670 lines) because it is still the hand-built composition root: start and stop order of every part in
// one place. Issue 13 replaces it with Generic Host hosted services, one per part; splitting it before that would only
// move the ordering across files.
using System.Device.Gpio;
using System.Globalization;
using System.Threading.Channels;
using EdgeCapture.Appliance.Fleet;
using EdgeCapture.Crypto;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Gates;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Relay;
using EdgeCapture.Relay.Gadget;
using EdgeCapture.Relay.Simulation;
using EdgeCapture.Storage;
using EdgeCapture.Video;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Sampling;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Appliance;

/// <summary>
/// The composition root of the box: the keyboard/mouse relay, the privacy hardware (switch, recording indicator, forget
/// button), the recorder with its encrypted outbox, and optionally screen capture, started together and stopped in the
/// order the invariants need.
/// </summary>
/// <remarks>
/// <para>The relay never waits on recording: it only offers events to the <see cref="InputTap"/>, which the recorder drains.
/// With screen capture, an input pump on the recorder's side of the tap reads it instead: an <see cref="InputActionDetector"/>
/// turns each relayed click, key press and wheel step into an action for the capture stage's sampler (its "before" and
/// "after" frames), and every event goes on, in order, to the recorder through a bounded channel that waits when full; the
/// wait backs up into the tap, which refuses and counts (as it always did), so the recorder sees every event it would have
/// seen or a counted drop, and the relay still never waits.</para>
/// <para>Stop order (<see cref="StopAsync"/>): the relay stops first and sends all-released reports; screen capture stops;
/// the tap is completed and the recorder ends its session, sealing the last segment durably; only then is the privacy
/// hardware disposed, which shuts the gate and then darkens the recording indicator. So the LED is dark only after the last
/// seal, and "dark" always means "nothing is being recorded".</para>
/// </remarks>
public sealed class Appliance : IAsyncDisposable
{
    /// <summary>GPIO line of the simulated privacy switch (high = private).</summary>
    public const int SimulatedSwitchLine = SimulatedPinout.SwitchLine;

    /// <summary>GPIO line of the simulated recording indicator (high = lit).</summary>
    public const int SimulatedIndicatorLine = SimulatedPinout.IndicatorLine;

    /// <summary>GPIO line of the simulated forget button (low = pressed).</summary>
    public const int SimulatedButtonLine = SimulatedPinout.ButtonLine;

    /// <summary>Frame rate of the simulated desktop (<see cref="ApplianceConfiguration.VideoSource"/> = simulated).</summary>
    public const int SimulatedFramesPerSecond = 10;

    private const int TapCapacity = 16384;

    /// <summary>Events between the input pump and the recorder (with screen capture); the tap in front holds the rest.</summary>
    private const int RecorderInputCapacity = 4096;

    private readonly ApplianceConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Action<string> _report;
    private readonly InputTap _tap = new(TapCapacity);
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _captureStop = new();
    private readonly CancellationTokenSource _recorderStop = new();
    private readonly CancellationTokenSource _pumpStop = new();
    private readonly InputActionDetector _actionDetector = new();
    private readonly List<Task> _background = [];
    private readonly Lock _stopLock = new();
    private DeviceSigningKey? _signingKey;
    private SegmentOutbox? _outbox;
    private OutboxSegmentSink? _sink;
    private PrivacyHardware? _privacy;
    private Recorder? _recorder;
    private UploadStage? _upload;
    private RelayService? _relay;
    private Task<RelaySimulationResult>? _simulatedRelay;
    private CaptureStage? _capture;
    private Task _captureTask = Task.CompletedTask;
    private Task _inputPump = Task.CompletedTask;
    private IDisposable? _ownedFrameSource;
    private Task _recording = Task.CompletedTask;
    private Task? _stopping;
    private long _inputActionsDetected;
    private readonly ApplianceFleet? _fleet;
    private readonly TaskCompletionSource<string> _restartRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _lastError;
    private int _firstHostKeyReported;
    private volatile HidRelayCounters? _simulatedRelayCounters;

    private Appliance(ApplianceConfiguration configuration, ApplianceSimulation? simulation, ILoggerFactory loggerFactory, Action<string>? report, ApplianceFleet? fleet)
    {
        _configuration = configuration;
        Simulation = simulation;
        _loggerFactory = loggerFactory;
        _report = report ?? (_ => { });
        _fleet = fleet;
    }

    /// <summary>
    /// The exit code of <c>edgecapture run</c> after a fleet <c>restart-service</c> (75, EX_TEMPFAIL): the appliance stopped in
    /// order and asks systemd (<c>Restart=on-failure</c>) to start it again.
    /// </summary>
    public const int RestartExitCode = 75;

    /// <summary>Completes (with the reason) when something asked the service to restart: stop the appliance and exit with <see cref="RestartExitCode"/>.</summary>
    public Task<string> RestartRequested => _restartRequested.Task;

    /// <summary>Fleet management (agent, remote stop), or null without a <c>fleet</c> key.</summary>
    public ApplianceFleet? Fleet => _fleet;

    /// <summary>The last error worth reporting to the fleet, or null.</summary>
    internal string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Seals from the next segment on to <paramref name="recipients"/> (a custodian-signed set-recipients).</summary>
    internal void ReplaceRecipients(IReadOnlyList<AgeRecipient> recipients) => _sink!.ReplaceRecipients(recipients);

    /// <summary>Asks the service to restart (see <see cref="RestartRequested"/>).</summary>
    internal void RequestRestart(string reason)
    {
        _report($"restart requested: {reason}");
        _restartRequested.TrySetResult(reason);
    }

    /// <summary>The configuration it runs with.</summary>
    public ApplianceConfiguration Configuration => _configuration;

    /// <summary>The simulated hardware settings, or null on real devices.</summary>
    public ApplianceSimulation? Simulation { get; }

    /// <summary>The simulated GPIO chip (switch, indicator, button), or null on real devices.</summary>
    public SimulatedGpioDriver? SimulatedGpio { get; private set; }

    /// <summary>The privacy hardware: timeline (the gate), switch monitor, recording indicator, forget button.</summary>
    public PrivacyHardware Privacy => _privacy!;

    /// <summary>The recorder.</summary>
    public Recorder Recorder => _recorder!;

    /// <summary>The upload stage (the box's MQTT connection and the uploader), or null without an <c>upload</c> section.</summary>
    public UploadStage? Upload => _upload;

    /// <summary>The outbox (open until the appliance is disposed).</summary>
    public SegmentOutbox Outbox => _outbox!;

    /// <summary>The device's public key (what the custodian verifies manifests with).</summary>
    public DevicePublicKey DevicePublicKey { get; private set; } = null!;

    /// <summary>Events the relay offered that the tap refused because the recorder fell behind (dropped for recording, never for relaying).</summary>
    public long TapDroppedEvents => _tap.DroppedEventCount;

    /// <summary>Input actions (clicks, key presses, wheel steps, bursts thinned) detected in the relayed input and given to the capture stage; 0 without screen capture.</summary>
    public long InputActionsDetected => Volatile.Read(ref _inputActionsDetected);

    /// <summary>
    /// What the simulated relay did, once the appliance has stopped; null on real devices or before the stop. Its
    /// <see cref="RelaySimulationResult.Typing"/> says whether the typed sentences reached the simulated host intact.
    /// </summary>
    public RelaySimulationResult? SimulatedRelayResult { get; private set; }

    /// <summary>The relay's counters (events relayed, host away, ...): of the real relay, or of the simulated one once it runs; null before.</summary>
    public HidRelayCounters? RelayCounters => _relay?.RelayCounters ?? _simulatedRelayCounters;

    /// <summary>The capture stage's counters, or null without screen capture.</summary>
    public CaptureStatistics? CaptureStatistics => _capture?.GetStatistics();

    /// <summary>
    /// Starts the appliance: device key (created 0600 if absent), outbox (a corrupt one is moved aside and reported),
    /// privacy hardware (fail closed: private until the switch is read), recorder, screen capture, relay.
    /// </summary>
    /// <param name="configuration">The validated configuration.</param>
    /// <param name="simulation">Simulated hardware, or null for the real devices of the configuration.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="onSegmentSealed">Called after each segment is durable (on the recorder's thread; must be quick).</param>
    /// <param name="report">Receives one-line reports of what happens (switch flips in simulation, forget presses, outbox recovery).</param>
    /// <returns>The running appliance.</returns>
    /// <exception cref="ApplianceConfigurationException">The recipients file cannot be read or holds an invalid recipient, there is no recipient, or the video file does not exist.</exception>
    /// <exception cref="ApplianceStartException">The pinout could be changed by someone other than root, or the device key, the outbox or a relay device could not be opened.</exception>
    public static Appliance Start(ApplianceConfiguration configuration, ApplianceSimulation? simulation, ILoggerFactory? loggerFactory = null, Action<SegmentSealedInfo>? onSegmentSealed = null, Action<string>? report = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IReadOnlyList<AgeRecipient> recipients = LoadRecipients(configuration);
        PinoutStartCheck.Require(configuration, simulation);
        if (simulation is null && configuration.Keyboards.Count == 0 && configuration.Mice.Count == 0 && configuration.InputDirectory is null)
        {
            throw new ApplianceConfigurationException("inputDirectory", "nothing to read: give inputDirectory, keyboards or mice");
        }

        ApplianceFleet? fleet = null;
        if (configuration.FleetConfigurationPath is not null)
        {
            // Before anything records: the remote stop in force, and what the fleet changed that survives a restart.
            fleet = ApplianceFleet.Open(configuration, recipients, MonotonicClock.System, loggerFactory ?? NullLoggerFactory.Instance, report ?? (_ => { }));
            configuration = fleet.Configuration;
            recipients = fleet.Recipients;
        }

        var appliance = new Appliance(configuration, simulation, loggerFactory ?? NullLoggerFactory.Instance, report, fleet);
        try
        {
            appliance.StartComponents(recipients, onSegmentSealed);
            return appliance;
        }
        catch
        {
            appliance.StopAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Stops everything in the documented order; safe to call more than once and concurrently.</summary>
    /// <returns>Completes when stopped.</returns>
    public ValueTask StopAsync()
    {
        lock (_stopLock)
        {
            _stopping ??= StopCoreAsync();
            return new ValueTask(_stopping);
        }
    }

    /// <summary>Stops (see <see cref="StopAsync"/>) and releases the outbox and the device key.</summary>
    /// <returns>Completes when disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _sink?.Dispose();
        _recorder?.Dispose();
        _outbox?.Dispose();
        _signingKey?.Dispose();
        _stop.Dispose();
        _captureStop.Dispose();
        _recorderStop.Dispose();
        _pumpStop.Dispose();
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static List<AgeRecipient> LoadRecipients(ApplianceConfiguration configuration)
    {
        var recipients = new List<AgeRecipient>(configuration.Recipients);
        if (configuration.RecipientsFile is { } file)
        {
            try
            {
                using var reader = new StreamReader(file);
                recipients.AddRange(AgeRecipient.ParseList(reader));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or AgeException or FormatException or ArgumentException)
            {
                throw new ApplianceConfigurationException("recipientsFile", $"{file}: {exception.Message}");
            }
        }

        if (recipients.Count == 0)
        {
            throw new ApplianceConfigurationException("recipients", "at least one age recipient (the custodian's age1...) is required");
        }

        return recipients;
    }

    private void StartComponents(IReadOnlyList<AgeRecipient> recipients, Action<SegmentSealedInfo>? onSegmentSealed)
    {
        MonotonicClock clock = MonotonicClock.System;
        TimeProvider time = clock.TimeProvider;
        try
        {
            Directory.CreateDirectory(_configuration.DataDirectory);
            _signingKey = DeviceSigningKey.LoadOrCreate(_configuration.EffectiveDeviceKeyPath, time.GetUtcNow());
            DevicePublicKey = _signingKey.PublicKey;
        }
        catch (Exception exception) when (exception is DeviceKeyFormatException or IOException or UnauthorizedAccessException)
        {
            throw new ApplianceStartException(exception.Message, exception) { Component = "device key" };
        }

        try
        {
            _outbox = SegmentOutbox.Open(Path.Combine(_configuration.DataDirectory, "outbox.db"), new OutboxOptions { QuotaBytes = _configuration.QuotaBytes }, _loggerFactory.CreateLogger<SegmentOutbox>(), time);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new ApplianceStartException(exception.Message, exception) { Component = "outbox" };
        }

        if (_outbox.StartupRecovery is { } recovery)
        {
            _report($"the outbox was unusable ({recovery.Reason}: {recovery.Detail}); moved aside to {recovery.MovedAsidePath}, a fresh one was created.");
            _lastError = $"outbox: {recovery.Reason}: {recovery.Detail}";
        }

        var privacyOptions = new PrivacyOptions();
        if (Simulation is { } simulation)
        {
            SimulatedGpio = SimulatedPinout.CreateDriver(switchPrivate: simulation.PrivateAt.Contains(0));
            SimulatedGpioDriver driver = SimulatedGpio;
            _privacy = PrivacyHardware.Start(SimulatedPinout.Document, privacyOptions, clock, _loggerFactory, _ => driver);
        }
        else
        {
            // A missing or invalid pinout, or no GPIO chip: private, reported, and the relay still runs.
            _privacy = PrivacyHardware.Start(_configuration.PinoutPath, privacyOptions, clock, _loggerFactory);
        }

        DesktopActivityScript script = DesktopActivityScript.CreateDefault(Simulation?.Seed ?? 1, Simulation?.ScriptLength ?? TimeSpan.FromHours(1));
        IFrameSource? frameSource = CreateFrameSource(script, time);
        _ownedFrameSource = frameSource as IDisposable;
        var recorderOptions = new RecorderOptions
        {
            DeviceId = _configuration.DeviceId,
            SegmentMaximumDuration = TimeSpan.FromSeconds(_configuration.SegmentSeconds),
            Screen = frameSource is null ? null : NominalScreen(_configuration),
            LockScreen = new LockScreenOptions { Chords = _configuration.LockScreenChords, Triggers = _configuration.LockScreenTriggers },
        };
        _sink = new OutboxSegmentSink(_outbox, recipients, _signingKey, _configuration.DeviceId, time, _loggerFactory.CreateLogger<OutboxSegmentSink>());
        // The fleet's remote stop is ANDed in: it can only refuse what the switch allows ("The switch wins").
        IPrivacyGate recorderGate = _fleet is null ? new PrivacyTimelineGate(_privacy.Timeline) : _fleet.Restrict(new PrivacyTimelineGate(_privacy.Timeline));
        _recorder = new Recorder(recorderOptions, recorderGate, _sink, clock, _loggerFactory.CreateLogger<Recorder>(), onSegmentSealed);

        if (_configuration.Upload is { } upload)
        {
            // Its own tasks: starting does not wait for the broker, and nothing on the relay's or the recorder's path waits on it.
            _upload = UploadStage.Start(upload, _configuration.DeviceId, _configuration.DataDirectory, _outbox, _signingKey, time, _loggerFactory, _fleet is null ? null : _fleet.BirthDetails);
        }

        if (frameSource is not null)
        {
            // The frame gate is the privacy timeline (EdgeCapture.Privacy.Gates.FrameGate), always: no configuration reaches it.
            var captureOptions = new CaptureStageOptions
            {
                Encoding = new JpegEncodingOptions { Quality = _configuration.VideoJpegQuality, DownscaleFactor = _configuration.VideoDownscale },
            };
            // The fleet's remote stop is ANDed in (FrameGate's restriction seam): it can only refuse what the switch allows.
            _capture = new CaptureStage(frameSource, CaptureLatencyAllowance.FrameGateFor(_privacy, _configuration.VideoSource, _fleet is null ? null : _fleet.FramePermission), captureOptions, time, _loggerFactory.CreateLogger<CaptureStage>());
            CaptureStage capture = _capture;
            _captureTask = Task.Run(() => capture.RunAsync(_captureStop.Token), CancellationToken.None);
        }

        // The recorder ends when the tap completes (after the relay has stopped), sealing its last segment.
        ChannelReader<InputTapEvent> recorderInput = _tap.Reader;
        if (_capture is not null)
        {
            var pumped = Channel.CreateBounded<InputTapEvent>(new BoundedChannelOptions(RecorderInputCapacity)
            {
                // Wait: the pump never drops; while it waits the tap fills and refuses (counted), never the relay.
                FullMode = BoundedChannelFullMode.Wait,
                SingleWriter = true,
                SingleReader = false,
                AllowSynchronousContinuations = false,
            });
            recorderInput = pumped.Reader;
            _inputPump = Task.Run(() => PumpInputAsync(_tap.Reader, pumped.Writer, _capture, _pumpStop.Token), CancellationToken.None);
        }

        _recording = _recorder.RunAsync(recorderInput, _capture?.Records, () => _tap.DroppedEventCount, _recorderStop.Token);

        // Fleet management on the upload stage's connection (its own tasks: nothing on the relay's path waits on it).
        if (_fleet is not null && _upload is not null)
        {
            _fleet.StartAsync(this, _upload, _signingKey, time, CancellationToken.None).GetAwaiter().GetResult();
        }

        // The laptop behind a box that just started is likely to show a lock screen: its password is not recorded. A simulated
        // run has no laptop and its scripted user never unlocks anything, so there the trigger would only hide the script.
        if (Simulation is null)
        {
            _recorder.StartLockScreenSuppression(LockScreenTrigger.ApplianceStarted);
        }
        _background.Add(ForwardForgetRequestsAsync(_privacy, _recorder, _report, _stop.Token));

        if (Simulation is { } scripted)
        {
            // The Relay project's own simulation: scripted evdev bytes through FIFOs into the real relay, gadget FIFOs drained.
            // The first keyboard report the simulated host reads is reported once: start-up to first relayed key is measured on it.
            _simulatedRelay = RelaySimulation.RunAsync(script, 1.0, ReportFirstHostKey, time, _loggerFactory, _tap, service => _simulatedRelayCounters = service.RelayCounters, _stop.Token);
            ScheduleSimulation(scripted, privacyOptions.ForgetWindow);
            return;
        }

        try
        {
            _relay = new RelayService(
                new RelayConfiguration
                {
                    Devices =
                    [
                        .. _configuration.Keyboards.Select(path => new EvdevDeviceOptions(path) { Kind = InputDeviceKind.Keyboard }),
                        .. _configuration.Mice.Select(path => new EvdevDeviceOptions(path) { Kind = InputDeviceKind.Mouse }),
                    ],
                    InputDirectory = _configuration.InputDirectory,
                    Gadget = _configuration.Gadget is string gadget ? new ConfigFsGadget(gadget) : null,
                    KeyboardGadgetPath = _configuration.KeyboardGadget,
                    MouseGadgetPath = _configuration.MouseGadget,
                    ConsumerControlGadgetPath = _configuration.ConsumerControlGadget,
                    // In absolute pointer mode (the gadget's descriptor decides) the position is integrated on the captured screen.
                    Relay = new HidRelayOptions { UdcStatePath = _configuration.UdcStatePath, ScreenWidth = _configuration.VideoWidth, ScreenHeight = _configuration.VideoHeight },
                },
                time,
                _tap,
                _loggerFactory);
            _relay.Start();

            // A laptop that resumed or enumerated the gadget anew is likely to show a lock screen: its password is not recorded.
            _background.Add(ForwardHostTransitionsAsync(_relay, _recorder, _stop.Token));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ApplianceStartException(exception.Message, exception) { Component = "relay" };
        }
    }

    /// <summary>The configured frame source, or null without screen capture. Sources open their device only when run.</summary>
    private IFrameSource? CreateFrameSource(DesktopActivityScript script, TimeProvider time)
    {
        switch (_configuration.VideoSource)
        {
            case VideoSourceKind.Simulated:
                return new SimulatedDesktopSource(
                    script,
                    new SimulatedSourceOptions
                    {
                        FramesPerSecond = SimulatedFramesPerSecond,
                        Seed = Simulation?.Seed ?? 1,
                        Pacing = Simulation is { LosslessFrames: true } ? SimulatedPacing.RealTimeLossless : SimulatedPacing.RealTime,
                    },
                    time);
            case VideoSourceKind.V4l2Bridge or VideoSourceKind.V4l2Dongle:
                return new V4l2CaptureSource(
                    new V4l2CaptureOptions
                    {
                        DevicePath = _configuration.VideoDevice,
                        Kind = _configuration.VideoSource == VideoSourceKind.V4l2Bridge ? V4l2CaptureKind.Tc358743Bridge : V4l2CaptureKind.UsbMjpegDongle,
                        Width = _configuration.VideoWidth,
                        Height = _configuration.VideoHeight,
                    },
                    time,
                    _loggerFactory.CreateLogger<V4l2CaptureSource>());
            case VideoSourceKind.File:
                try
                {
                    // Real-time pacing: frames are stamped start + i / fps, so they must arrive then for the gate to judge them.
                    return new ImageFileSource(_configuration.VideoFile!, new ImageFileSourceOptions { FramesPerSecond = _configuration.VideoFramesPerSecond, Pacing = SimulatedPacing.RealTime }, time);
                }
                catch (FileNotFoundException exception)
                {
                    throw new ApplianceConfigurationException("videoFile", exception.Message);
                }

            default:
                return null;
        }
    }

    /// <summary>The screen described in segment headers: nominal (every frame record carries its own size).</summary>
    private static ScreenDescription NominalScreen(ApplianceConfiguration configuration) => configuration.VideoSource switch
    {
        VideoSourceKind.Simulated => new ScreenDescription(DesktopActivityScript.ScreenWidth, DesktopActivityScript.ScreenHeight, "jpeg"),
        VideoSourceKind.V4l2Dongle => new ScreenDescription(configuration.VideoWidth, configuration.VideoHeight, "jpeg"),
        _ => new ScreenDescription(1920, 1080, "jpeg"),
    };

    private void ScheduleSimulation(ApplianceSimulation simulation, TimeSpan forgetWindow)
    {
        SimulatedGpioDriver driver = SimulatedGpio!;
        foreach (double at in simulation.PrivateAt.Where(at => at > 0))
        {
            _background.Add(AtAsync(at, () =>
            {
                driver.SetExternalLevel(SimulatedSwitchLine, PinValue.High);
                _report(string.Create(CultureInfo.InvariantCulture, $"switch: private at {at:0.###} s"));
            }, _stop.Token));
        }

        foreach (double at in simulation.PublicAt)
        {
            _background.Add(AtAsync(at, () =>
            {
                driver.SetExternalLevel(SimulatedSwitchLine, PinValue.Low);
                _report(string.Create(CultureInfo.InvariantCulture, $"switch: public at {at:0.###} s"));
            }, _stop.Token));
        }

        foreach (double at in simulation.ForgetAt)
        {
            _background.Add(AtAsync(at, () =>
            {
                ForgetOutcome outcome = _recorder!.RequestForget(forgetWindow);
                _report(string.Create(CultureInfo.InvariantCulture, $"forget: last {forgetWindow.TotalMinutes:0.#} min at {at:0.###} s: {outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted"));
            }, _stop.Token));
        }
    }

    private void ReportFirstHostKey(string simulationLine)
    {
        if (simulationLine.Contains("] keyboard ", StringComparison.Ordinal) && Interlocked.Exchange(ref _firstHostKeyReported, 1) == 0)
        {
            _report(FirstHostKeyReport);
        }
    }

    /// <summary>The report line (simulated hardware) when the simulated host has read its first keyboard report.</summary>
    public const string FirstHostKeyReport = "first key relayed to the simulated host";

    private async Task StopCoreAsync()
    {
        // 0. Fleet commands end first, so none acts on a half-stopped appliance (the connection's Will reports the death).
        if (_fleet is not null)
        {
            await _fleet.StopAsync().ConfigureAwait(false);
        }

        // 1. Scheduled simulation steps and the forget-button forwarder.
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (Task task in _background)
        {
            await task.ConfigureAwait(false);
        }

        // 2. The relay: devices released, all-released reports sent to the host.
        if (_simulatedRelay is not null)
        {
            SimulatedRelayResult = await _simulatedRelay.ConfigureAwait(false);
        }

        _relay?.Dispose();

        // 3. Screen capture.
        await _captureStop.CancelAsync().ConfigureAwait(false);
        await _captureTask.ConfigureAwait(false);

        // 4. The recorder drains the tap (whatever is left is read in its final step), stops taking frames, ends the
        //    session and seals the last segment durably. With an input pump in between, the pump first moves the rest
        //    of the tap on and completes the recorder's input (it is abandoned only if the recorder ended on its own).
        //    Forget presses queued while stopping are carried out before the final seal, and once more after it for any
        //    press that came in between (the outbox is still open then, so nothing the employee asked to forget survives).
        CarryOutQueuedForgetRequests();
        _tap.Complete();
        await Task.WhenAny(_inputPump, _recording).ConfigureAwait(false);
        await _pumpStop.CancelAsync().ConfigureAwait(false);
        await _inputPump.ConfigureAwait(false);
        await _recorderStop.CancelAsync().ConfigureAwait(false);
        await _recording.ConfigureAwait(false);
        CarryOutQueuedForgetRequests();
        _capture?.Dispose();
        _ownedFrameSource?.Dispose();

        // 5. Only now: the gate shuts, then the recording indicator goes dark.
        _privacy?.Dispose();

        // 6. Upload last: the final segment is already durable in the outbox; a broker that does not answer only
        //    delays this step by its timeouts, never the relay, the seal or the indicator.
        if (_upload is not null)
        {
            await _upload.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the tap on the recorder's side: each event that starts an action is reported to the capture stage (never
    /// blocks), then every event goes on to the recorder in tap order. Completes the recorder's input when the tap completes.
    /// </summary>
    private async Task PumpInputAsync(ChannelReader<InputTapEvent> tap, ChannelWriter<InputTapEvent> recorderInput, CaptureStage capture, CancellationToken abandon)
    {
        try
        {
            while (await tap.WaitToReadAsync(abandon).ConfigureAwait(false))
            {
                while (tap.TryRead(out InputTapEvent inputEvent))
                {
                    if (_actionDetector.TryDetect(inputEvent, out InputAction action))
                    {
                        capture.NotifyAction(action);
                        Interlocked.Increment(ref _inputActionsDetected);
                    }

                    if (!recorderInput.TryWrite(inputEvent))
                    {
                        await recorderInput.WriteAsync(inputEvent, abandon).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            // The recorder is gone: nothing left to feed.
        }
        finally
        {
            recorderInput.TryComplete();
        }
    }

    private static async Task AtAsync(double seconds, Action action, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
            action();
        }
        catch (OperationCanceledException)
        {
            // Stopped first.
        }
    }

    /// <summary>Host resumed or re-enumerated (seen by the relay's writer, published without waiting) starts lock-screen suppression.</summary>
    private static async Task ForwardHostTransitionsAsync(RelayService relay, Recorder recorder, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (HostTransition transition in relay.HostTransitions.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (transition.Kind)
                {
                    case HostTransitionKind.Resumed:
                        recorder.StartLockScreenSuppression(LockScreenTrigger.HostResumed);
                        break;
                    case HostTransitionKind.Reenumerated:
                        recorder.StartLockScreenSuppression(LockScreenTrigger.GadgetReenumerated);
                        break;
                    default:
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void CarryOutQueuedForgetRequests()
    {
        if (_privacy is null || _recorder is null)
        {
            return;
        }

        while (_privacy.ForgetRequests.TryRead(out ForgetRequest request))
        {
            ForgetOutcome outcome = _recorder.RequestForget(request);
            _report(string.Create(CultureInfo.InvariantCulture, $"forget button (while stopping): {outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted"));
        }
    }

    private static async Task ForwardForgetRequestsAsync(PrivacyHardware hardware, Recorder recorder, Action<string> report, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (ForgetRequest request in hardware.ForgetRequests.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                ForgetOutcome outcome = recorder.RequestForget(request);
                report(string.Create(CultureInfo.InvariantCulture, $"forget button: {outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted"));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
