using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Privacy;
using EdgeCapture.Protocol;
using EdgeCapture.Protocol.Fleet;
using EdgeCapture.Recording.Recorder;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Fleet;

/// <summary>
/// Fleet management on the appliance, as one component with a start and a stop (a hosted service later): the remote stop
/// (<see cref="RemoteRecordingHold"/>, durable in <c>fleet.db</c>) ANDed into the recorder's and the frame gate, and the
/// <see cref="FleetAgent"/> over the box's one MQTT connection with the appliance's facts and actions.
/// </summary>
/// <remarks>
/// Two steps, because the gates exist before the connection: <see cref="Open"/> (before the recorder: the hold, the stored
/// recipients and settings) and <see cref="StartAsync"/> (after the upload stage and the recorder started). Stopped before the
/// upload stage, so the agent's last publishes still have a connection.
/// </remarks>
public sealed partial class ApplianceFleet : IAsyncDisposable
{
    /// <summary>The fleet database in the data directory (seen command ids, the audit, applied layers, the remote stop).</summary>
    public const string DatabaseFileName = "fleet.db";

    private readonly FleetBoxConfiguration _fleetConfiguration;
    private readonly FleetDatabase _database;
    private readonly ApplianceFleetState _state;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lock _stopLock = new();
    private SharedConnectionFleetLink? _link;
    private FleetAgent? _agent;
    private Task? _stopping;

    private ApplianceFleet(FleetBoxConfiguration fleetConfiguration, FleetDatabase database, ApplianceFleetState state, RemoteRecordingHold hold, ILoggerFactory loggerFactory)
    {
        _fleetConfiguration = fleetConfiguration;
        _database = database;
        _state = state;
        Hold = hold;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The remote stop, ANDed into the recorder's and the frame gate.</summary>
    public RemoteRecordingHold Hold { get; }

    /// <summary>The agent once started, or null.</summary>
    public FleetAgent? Agent => Volatile.Read(ref _agent);

    /// <summary>The configuration to run with: appliance.json with the fleet's stored settings.</summary>
    public ApplianceConfiguration Configuration => _state.Running;

    /// <summary>The recipients to seal to: the custodian's latest <c>set-recipients</c>, or those of the configuration.</summary>
    public IReadOnlyList<AgeRecipient> Recipients => _state.Recipients;

    /// <summary>Loads fleet.json, opens the fleet database and restores the remote stop.</summary>
    /// <param name="configuration">appliance.json, with <see cref="ApplianceConfiguration.FleetConfigurationPath"/> set.</param>
    /// <param name="recipients">The configuration's recipients.</param>
    /// <param name="clock">The clock event timestamps use.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="report">One-line reports (stored state ignored).</param>
    /// <returns>The component, not yet started.</returns>
    /// <exception cref="ApplianceConfigurationException">fleet.json is unreadable, writable by others, or refused.</exception>
    /// <exception cref="ApplianceStartException">The fleet database cannot be opened.</exception>
    public static ApplianceFleet Open(ApplianceConfiguration configuration, IReadOnlyList<AgeRecipient> recipients, MonotonicClock clock, ILoggerFactory loggerFactory, Action<string> report)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(clock);
        string path = configuration.FleetConfigurationPath ?? throw new ArgumentException("No fleet configuration.", nameof(configuration));
        FleetBoxConfiguration fleet;
        try
        {
            fleet = FleetBoxConfiguration.Load(path);
        }
        catch (FleetMessageFormatException exception)
        {
            throw new ApplianceConfigurationException("fleet", exception.Message);
        }

        FleetDatabase database;
        try
        {
            Directory.CreateDirectory(configuration.DataDirectory);
            database = FleetDatabase.Open(Path.Combine(configuration.DataDirectory, DatabaseFileName));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new ApplianceStartException(exception.Message, exception) { Component = "fleet database" };
        }

        // A stop in force before the restart stays in force from the first instant ("stricter survives").
        var hold = new RemoteRecordingHold(() => clock.NowNanoseconds, FleetAgent.IsRemotelyStopped(database));
        return new ApplianceFleet(fleet, database, ApplianceFleetState.Load(configuration, recipients, report), hold, loggerFactory);
    }

    /// <summary>The recorder's gate with the remote stop ANDed in.</summary>
    /// <param name="switchGate">The switch's gate.</param>
    /// <returns>The stricter gate.</returns>
    public IPrivacyGate Restrict(IPrivacyGate switchGate) => new RemoteHoldPrivacyGate(switchGate, Hold);

    /// <summary>The frame gate's further condition (<c>FrameGate</c>'s AND-only restriction): false inside a remote stop.</summary>
    /// <param name="monotonicNanoseconds">The frame's instant.</param>
    /// <returns>Whether the remote side permits it.</returns>
    public bool FramePermission(long monotonicNanoseconds) => Hold.Permits(monotonicNanoseconds);

    /// <summary>The fleet birth for the connection's presence birth (empty until the agent runs; then the agent publishes it on connect).</summary>
    /// <returns>The details.</returns>
    public ReadOnlyMemory<byte> BirthDetails()
    {
        FleetAgent? agent = Agent;
        SharedConnectionFleetLink? link = Volatile.Read(ref _link);
        if (agent is null || link is null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        byte[] birth = agent.EncodeBirth();
        link.NoteBirthDetailsGiven(agent.BdSeq);
        return birth;
    }

    /// <summary>Starts the agent on the upload stage's connection.</summary>
    /// <param name="appliance">The running appliance.</param>
    /// <param name="upload">Its upload stage (the shared connection).</param>
    /// <param name="deviceKey">Signs responses and republished births.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>Completes when started (not necessarily connected).</returns>
    public async Task StartAsync(Appliance appliance, UploadStage upload, DeviceSigningKey deviceKey, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(appliance);
        ArgumentNullException.ThrowIfNull(upload);
        var link = new SharedConnectionFleetLink(upload.Connection, () => upload.PresenceSequence, new SigningKeyMessageSigner(deviceKey), time, _loggerFactory.CreateLogger<SharedConnectionFleetLink>());
        var agent = new FleetAgent(
            new FleetAgentOptions { DeviceId = appliance.Configuration.DeviceId, Configuration = _fleetConfiguration },
            link,
            new ApplianceDeviceFacts(appliance, _state, time),
            new ApplianceFleetActions(appliance, _state, time),
            Hold,
            _database,
            deviceKey,
            time,
            _loggerFactory.CreateLogger<FleetAgent>());
        Volatile.Write(ref _link, link);
        Volatile.Write(ref _agent, agent);
        await agent.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the agent and the link; idempotent.</summary>
    /// <returns>Completes when stopped.</returns>
    public Task StopAsync()
    {
        lock (_stopLock)
        {
            return _stopping ??= StopCoreAsync();
        }
    }

    /// <summary>Stops and closes the fleet database.</summary>
    /// <returns>Completes when disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _database.Dispose();
    }

    private async Task StopCoreAsync()
    {
        if (Agent is { } agent)
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }

        if (Volatile.Read(ref _link) is { } link)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }
}
