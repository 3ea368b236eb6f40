using EdgeCapture.Appliance.Fleet;
using EdgeCapture.Appliance.Hardware;
using EdgeCapture.Appliance.Hosting;
using EdgeCapture.Crypto;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Relay;
using EdgeCapture.Relay.Simulation;
using EdgeCapture.Storage;
using EdgeCapture.Video;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCapture.Appliance;

/// <summary>
/// The box's service: a .NET Generic Host whose hosted services are the parts of the appliance, each owning one part,
/// started in this order and stopped in the reverse one:
/// relay, privacy hardware, storage (device key, outbox), upload, capture, recorder, fleet, the simulation's schedule,
/// systemd readiness and watchdog.
/// </summary>
/// <remarks>
/// <para>So the relay starts first and stops last: typing works before anything records and after everything has
/// stopped, and nothing that starts or stops around it can hold it up ("The relay never waits"). On stop, fleet commands
/// end first; the recorder carries out queued forget presses and seals its open segment; upload stops (the last segment
/// is durable in the outbox); the privacy hardware shuts the gate and only then darkens the indicator; last the relay
/// releases every key and sends the all-released reports.</para>
/// <para>The hardware is chosen at wiring time (<see cref="DeviceHardware"/> or <see cref="SimulatedHardware"/>); the
/// configuration is validated when the host starts (<see cref="ApplianceConfigurationValidator"/>, ValidateOnStart).
/// Recorder and uploader run supervised: a fault is reported (<see cref="Health"/>, the fleet's last error) and the part
/// restarted with backoff while the relay keeps working.</para>
/// </remarks>
public sealed class Appliance : IAsyncDisposable
{
    /// <summary>
    /// The exit code of <c>edgecapture run</c> after a fleet <c>restart-service</c> (75, EX_TEMPFAIL): the appliance stopped in
    /// order and asks systemd (<c>Restart=on-failure</c>) to start it again.
    /// </summary>
    public const int RestartExitCode = 75;

    private readonly IHost _host;
    private readonly ApplianceParts _parts;
    private readonly Lock _stopLock = new();
    private readonly TaskCompletionSource<string> _restartRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _stopping;

    private Appliance(IHost host, ApplianceParts parts)
    {
        _host = host;
        _parts = parts;
        parts.Facade = this;
    }

    /// <summary>Completes (with the reason) when something asked the service to restart: stop the appliance and exit with <see cref="RestartExitCode"/>.</summary>
    public Task<string> RestartRequested => _restartRequested.Task;

    /// <summary>Fleet management (agent, remote stop), or null without a <c>fleet</c> key.</summary>
    public ApplianceFleet? Fleet => _parts.Fleet;

    /// <summary>The last error worth reporting to the fleet, or null.</summary>
    internal string? LastError => _parts.LastError ?? (_parts.Health.Faults.LastOrDefault() is { } fault ? $"{fault.Part}: {fault.LastError}" : null);

    /// <summary>Seals from the next segment on to <paramref name="recipients"/> (a custodian-signed set-recipients).</summary>
    internal void ReplaceRecipients(IReadOnlyList<AgeRecipient> recipients) => _parts.Sink!.ReplaceRecipients(recipients);

    /// <summary>Asks the service to restart (see <see cref="RestartRequested"/>).</summary>
    internal void RequestRestart(string reason)
    {
        _parts.Report($"restart requested: {reason}");
        _restartRequested.TrySetResult(reason);
    }

    /// <summary>The configuration it runs with.</summary>
    public ApplianceConfiguration Configuration => _parts.Configuration;

    /// <summary>The hardware it runs on.</summary>
    public ApplianceHardware Hardware => _parts.Hardware;

    /// <summary>The simulated hardware settings, or null on real devices.</summary>
    public ApplianceSimulation? Simulation => (_parts.Hardware as SimulatedHardware)?.Simulation;

    /// <summary>The simulated GPIO chip (switch, indicator, button), or null on the installed pinout's lines.</summary>
    public SimulatedGpioDriver? SimulatedGpio => _parts.Hardware switch
    {
        SimulatedHardware simulated => simulated.Gpio,
        SimulatedPrivacyHardware simulatedPrivacy => simulatedPrivacy.Gpio,
        _ => null,
    };

    /// <summary>
    /// Input devices the relay has open (the configuration's nodes, or FIFOs and files standing in for them; one closes when
    /// it reaches end of input), or null for the simulated user and before the relay runs.
    /// </summary>
    public int? InputDevicesOpen => _parts.Relay?.InputDevicesOpen;

    /// <summary>The privacy hardware: timeline (the gate), switch monitor, recording indicator, forget button.</summary>
    public PrivacyHardware Privacy => _parts.Privacy!;

    /// <summary>The recorder (a fresh one after a recorder fault).</summary>
    public Recorder Recorder => _parts.Recorder!;

    /// <summary>The upload stage (the box's MQTT connection and the uploader), or null without an <c>upload</c> section.</summary>
    public UploadStage? Upload => _parts.Upload;

    /// <summary>The outbox (open until the appliance is disposed).</summary>
    public SegmentOutbox Outbox => _parts.Outbox!;

    /// <summary>The device's public key (what the custodian verifies manifests with).</summary>
    public DevicePublicKey DevicePublicKey => _parts.SigningKey!.PublicKey;

    /// <summary>Faults of the supervised parts (recorder, upload) and their restarts.</summary>
    public ApplianceHealth Health => _parts.Health;

    /// <summary>Events the relay offered that the tap refused because the recorder fell behind (dropped for recording, never for relaying).</summary>
    public long TapDroppedEvents => _parts.Tap.DroppedEventCount;

    /// <summary>Input actions (clicks, key presses, wheel steps, bursts thinned) detected in the relayed input and given to the capture stage; 0 without screen capture.</summary>
    public long InputActionsDetected => _host.Services.GetServices<IHostedService>().OfType<RecorderHostedService>().Single().InputActionsDetected;

    /// <summary>
    /// What the simulated relay did, once the appliance has stopped; null on real devices or before the stop. Its
    /// <see cref="RelaySimulationResult.Typing"/> says whether the typed sentences reached the simulated host intact.
    /// </summary>
    public RelaySimulationResult? SimulatedRelayResult => _parts.SimulatedRelayResult;

    /// <summary>The relay's counters (events relayed, host away, ...), or null before the relay runs.</summary>
    public HidRelayCounters? RelayCounters => _parts.Relay?.Counters;

    /// <summary>Both relay loops' pass counts (what the systemd watchdog is fed from), or null before the relay runs.</summary>
    public RelayHeartbeat? RelayHeartbeat => _parts.Relay?.Heartbeat;

    /// <summary>The capture stage's counters, or null without screen capture.</summary>
    public CaptureStatistics? CaptureStatistics => _parts.Capture?.GetStatistics();

    /// <summary>
    /// Starts the appliance on <paramref name="simulation"/>'s simulated hardware, or on the configuration's devices when null.
    /// </summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="simulation">Simulated hardware, or null for the real devices of the configuration.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="onSegmentSealed">Called after each segment is durable (on the recorder's thread; must be quick).</param>
    /// <param name="report">Receives one-line reports of what happens (switch flips in simulation, forget presses, outbox recovery, part faults).</param>
    /// <returns>The running appliance.</returns>
    /// <exception cref="ApplianceConfigurationException">The configuration does not validate (the key is named).</exception>
    /// <exception cref="ApplianceStartException">The pinout could be changed by someone other than root, or the device key, the outbox or a relay device could not be opened.</exception>
    public static Appliance Start(ApplianceConfiguration configuration, ApplianceSimulation? simulation, ILoggerFactory? loggerFactory = null, Action<SegmentSealedInfo>? onSegmentSealed = null, Action<string>? report = null) =>
        Start(configuration, simulation is null ? DeviceHardware.Instance : new SimulatedHardware(simulation), loggerFactory, onSegmentSealed, report);

    /// <summary>Starts the appliance on <paramref name="hardware"/>.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="hardware">The devices, or simulated ones.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="onSegmentSealed">Called after each segment is durable (on the recorder's thread; must be quick).</param>
    /// <param name="report">Receives one-line reports of what happens.</param>
    /// <returns>The running appliance.</returns>
    /// <exception cref="ApplianceConfigurationException">The configuration does not validate (the key is named).</exception>
    /// <exception cref="ApplianceStartException">The pinout could be changed by someone other than root, or the device key, the outbox or a relay device could not be opened.</exception>
    public static Appliance Start(ApplianceConfiguration configuration, ApplianceHardware hardware, ILoggerFactory? loggerFactory = null, Action<SegmentSealedInfo>? onSegmentSealed = null, Action<string>? report = null) =>
        Start(configuration, hardware, loggerFactory, onSegmentSealed, report, ApplianceFaultInjection.None, notifier: null);

    /// <summary>As the public overload, with test seams: faults to inject and the systemd notifier.</summary>
    internal static Appliance Start(ApplianceConfiguration configuration, ApplianceHardware hardware, ILoggerFactory? loggerFactory, Action<SegmentSealedInfo>? onSegmentSealed, Action<string>? report, ApplianceFaultInjection faults, ISystemdNotifier? notifier)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(hardware);
        ILoggerFactory logging = loggerFactory ?? NullLoggerFactory.Instance;
        Action<string> reportLine = report ?? (_ => { });

        // Validated before anything opens; the same checks run again as the host starts (ValidateOnStart).
        ValidOptions(configuration, hardware, out IReadOnlyList<AgeRecipient> recipients);
        PinoutStartCheck.Require(configuration, hardware);
        ApplianceFleet? fleet = null;
        if (configuration.FleetConfigurationPath is not null)
        {
            // Before anything records: the remote stop in force, and what the fleet changed that survives a restart.
            fleet = ApplianceFleet.Open(configuration, recipients, MonotonicClock.System, logging, reportLine);
            configuration = fleet.Configuration;
            recipients = fleet.Recipients;
        }

        var parts = new ApplianceParts(configuration, recipients, hardware, fleet, logging, reportLine, onSegmentSealed);
        IHost host = BuildHost(parts, faults, notifier ?? new SystemdNotifier());
        var appliance = new Appliance(host, parts);
        try
        {
            host.StartAsync().GetAwaiter().GetResult();
            return appliance;
        }
        catch (Exception exception)
        {
            appliance.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw Unwrap(exception);
        }
    }

    /// <summary>Stops everything in the documented order; safe to call more than once and concurrently.</summary>
    /// <returns>Completes when stopped.</returns>
    public ValueTask StopAsync()
    {
        lock (_stopLock)
        {
            // The stop always completes in full: each part ends in order however long the final seal takes.
            _stopping ??= _host.StopAsync(CancellationToken.None);
            return new ValueTask(_stopping);
        }
    }

    /// <summary>Stops (see <see cref="StopAsync"/>) and releases the outbox and the device key.</summary>
    /// <returns>Completes when disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _host.Dispose();
        _parts.Sink?.Dispose();
        _parts.Recorder?.Dispose();
        _parts.Outbox?.Dispose();
        _parts.SigningKey?.Dispose();
        if (_parts.Fleet is not null)
        {
            await _parts.Fleet.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static IHost BuildHost(ApplianceParts parts, ApplianceFaultInjection faults, ISystemdNotifier notifier)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(parts);
        builder.Services.AddSingleton(faults);
        builder.Services.AddSingleton(notifier);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = Timeout.InfiniteTimeSpan);

        // First of all: the configuration is validated as the host starts, and nothing opens if it does not.
        builder.Services.AddSingleton<IValidateOptions<ApplianceOptions>, ApplianceConfigurationValidator>();
        builder.Services.AddOptions<ApplianceOptions>().Configure(options => options.Set(parts.Configuration, parts.Hardware)).ValidateOnStart();

        // The start order (the stop order is the reverse).
        builder.Services.AddHostedService<RelayHostedService>();
        builder.Services.AddHostedService<PrivacyHostedService>();
        builder.Services.AddHostedService<StorageHostedService>();
        builder.Services.AddHostedService<UploadHostedService>();
        builder.Services.AddHostedService<CaptureHostedService>();
        builder.Services.AddHostedService<RecorderHostedService>();
        builder.Services.AddHostedService<FleetHostedService>();
        builder.Services.AddHostedService<SimulationScheduleHostedService>();
        builder.Services.AddHostedService<SystemdHostedService>();
        return builder.Build();
    }

    private static void ValidOptions(ApplianceConfiguration configuration, ApplianceHardware hardware, out IReadOnlyList<AgeRecipient> recipients)
    {
        var options = new ApplianceOptions();
        options.Set(configuration, hardware);
        ApplianceConfigurationValidator.ThrowIfInvalid(options);
        recipients = options.Recipients;
    }

    private static Exception Unwrap(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        OptionsValidationException validation => ApplianceConfigurationValidator.ToConfigurationException(validation),
        _ => exception,
    };
}
