using System.Globalization;
using System.Threading.Channels;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Fleet.Box;

/// <summary>
/// The box's fleet agent: birth on every connect (retained, with the <c>bdSeq</c> its Will also carries), status every
/// interval and on every change, desired/reported configuration, signed commands answered on their Response Topic with
/// their Correlation Data, and the audit log published in order. It reads the box through <see cref="IDeviceFacts"/>,
/// acts through <see cref="IFleetActions"/> and <see cref="RemoteRecordingHold"/>, and never blocks the connection: the
/// receive handler only enqueues, one loop handles messages in order.
/// </summary>
public sealed partial class FleetAgent : IAsyncDisposable
{
    private readonly FleetAgentOptions _options;
    private readonly IFleetLink _link;
    private readonly IDeviceFacts _facts;
    private readonly RemoteRecordingHold _hold;
    private readonly FleetDatabase _database;
    private readonly DeviceSigningKey _deviceKey;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuditLog _audit;
    private readonly CommandAuthorizer _authorizer;
    private readonly DesiredConfigurationReconciler _reconciler;
    private readonly CommandExecutor _executor;
    private readonly Channel<FleetIncomingMessage> _incoming;
    private readonly Channel<bool> _auditSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _reportedSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    // The reported document is computed and published under this lock, so the last one the broker retains is never older than
    // the last change: a connect's copy and a command's copy could otherwise cross on the wire and the stale one win.
    private readonly SemaphoreSlim _reportedLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private long _bdSeq;
    private long _statusSequence;
    private long _droppedMessages;

    /// <summary>Creates the agent; <see cref="StartAsync"/> connects it.</summary>
    /// <param name="options">Device id, configuration, intervals.</param>
    /// <param name="link">The box's MQTT connection.</param>
    /// <param name="facts">What the box reports.</param>
    /// <param name="actions">What commands may do.</param>
    /// <param name="hold">The remote stop, already wired (ANDed) into the recorder's gate.</param>
    /// <param name="database">The fleet database.</param>
    /// <param name="deviceKey">Signs responses.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Logging.</param>
    public FleetAgent(FleetAgentOptions options, IFleetLink link, IDeviceFacts facts, IFleetActions actions, RemoteRecordingHold hold, FleetDatabase database, DeviceSigningKey deviceKey, TimeProvider time, ILogger<FleetAgent> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(hold);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(deviceKey);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        if (!FleetTopics.IsValidName(options.DeviceId) || options.DeviceId == FleetTopics.GroupsLevel)
        {
            throw new ArgumentException($"The device id '{options.DeviceId}' cannot be a topic level (1-128 of A-Z a-z 0-9 . _ -).", nameof(options));
        }

        _options = options;
        _link = link;
        _facts = facts;
        _hold = hold;
        _database = database;
        _deviceKey = deviceKey;
        _time = time;
        _logger = logger;
        _audit = new AuditLog(database, options.DeviceId);
        _authorizer = new CommandAuthorizer(options.DeviceId, options.Configuration, new SeenCommandRegistry(database), time);
        _reconciler = new DesiredConfigurationReconciler(options.DeviceId, options.Configuration, database, _audit, actions, facts, time);
        _executor = new CommandExecutor(actions, hold, _reconciler, database, CurrentStatus);
        _incoming = Channel.CreateBounded<FleetIncomingMessage>(new BoundedChannelOptions(options.IncomingCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    }

    /// <summary>Whether a remote stop is in force at start, from the database (create the hold with it).</summary>
    /// <param name="database">The fleet database.</param>
    /// <returns>True if the last remote command was a stop.</returns>
    public static bool IsRemotelyStopped(FleetDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.ReadState(CommandExecutor.RemoteStopState) == "1";
    }

    /// <summary>The audit log (read-only use: verification, tests, the CLI on the box).</summary>
    public AuditLog Audit => _audit;

    /// <summary>The current presence sequence (the <c>bdSeq</c> of the latest connect).</summary>
    public long BdSeq => _link.PresenceSequence ?? Interlocked.Read(ref _bdSeq);

    /// <summary>Received messages dropped because the agent was behind.</summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);

    /// <summary>The settings from the fleet in force now.</summary>
    public DesiredConfigurationReconciler Configuration => _reconciler;

    /// <summary>Starts the link and the agent's loops.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>Completes when started.</returns>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string id = _options.DeviceId;
        var subscriptions = new List<string> { FleetTopics.DeviceCommand(id), FleetTopics.DeviceDesired(id) };
        foreach (string group in _options.Configuration.Groups)
        {
            subscriptions.Add(FleetTopics.GroupCommand(group));
            subscriptions.Add(FleetTopics.GroupDesired(group));
        }

        _loops.Add(Task.Run(() => HandleLoopAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => StatusLoopAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => AuditLoopAsync(_stop.Token), CancellationToken.None));
        _loops.Add(Task.Run(() => ReportedLoopAsync(_stop.Token), CancellationToken.None));
        await _link.StartAsync(
            new FleetLinkSession
            {
                Subscriptions = subscriptions,
                NextWill = NextWill,
                OnConnected = OnConnected,
                OnMessage = Enqueue,
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the loops (the link is the caller's to dispose).</summary>
    /// <returns>Completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _incoming.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
        _reportedLock.Dispose();
    }

    /// <summary>The birth document now (JSON), for a link that carries it inside its own presence message.</summary>
    /// <returns>The encoded <see cref="FleetBirth"/> of the current <see cref="BdSeq"/>.</returns>
    public byte[] EncodeBirth() => FleetJsonMessages.Encode(Birth());

    private FleetOutgoingMessage NextWill()
    {
        // Durable before the connect: a restart never reuses a bdSeq, so an old death never matches a new birth.
        long bdSeq = _database.Increment("bdSeq");
        Interlocked.Exchange(ref _bdSeq, bdSeq);
        return new FleetOutgoingMessage(FleetTopics.Death(_options.DeviceId), FleetJsonMessages.Encode(new FleetDeath(_options.DeviceId, bdSeq)), Retain: true);
    }

    private List<FleetOutgoingMessage> OnConnected()
    {
        _auditSignal.Writer.TryWrite(true);

        // The reported document follows from its own loop, computed when it is published (statuses carry a sequence instead).
        _reportedSignal.Writer.TryWrite(true);
        return
        [
            new FleetOutgoingMessage(FleetTopics.Birth(_options.DeviceId), FleetJsonMessages.Encode(Birth()), Retain: true),
            new FleetOutgoingMessage(FleetTopics.Status(_options.DeviceId), FleetJsonMessages.Encode(CurrentStatus()), Retain: true),
        ];
    }

    private FleetBirth Birth()
    {
        FleetKeyFingerprints keys = new(
            FleetFingerprint.Of(_facts.DeviceKey.ToString()),
            _facts.DeviceKey.ToString(),
            _facts.Recipients.Select(FleetFingerprint.Of).ToList(),
            _options.Configuration.TrustedSigners.Select(signer => new FleetSignerFingerprint(FleetRoleNames.Name(signer.Role), signer.Fingerprint)).ToList());
        return new FleetBirth(_options.DeviceId, BdSeq, _time.GetUtcNow(), _facts.Versions, _facts.CapturePath, keys, _facts.PinoutHash, CurrentStatus().Privacy, _options.Configuration.Groups);
    }

    private FleetStatus CurrentStatus()
    {
        DeviceStatusSnapshot snapshot = _facts.ReadStatus();
        bool stopped = _hold.IsStopped;
        string privacy = stopped && snapshot.Privacy == FleetPrivacyStates.Recording ? FleetPrivacyStates.StoppedRemotely : snapshot.Privacy;
        return new FleetStatus(_options.DeviceId, BdSeq, Interlocked.Increment(ref _statusSequence), _time.GetUtcNow(), privacy, snapshot.IndicatorLit, stopped, snapshot.Relay, snapshot.Capture, snapshot.Outbox, snapshot.DiskFreeBytes, snapshot.Uptime.TotalSeconds, snapshot.LastError);
    }

    private void Enqueue(FleetIncomingMessage message)
    {
        if (!_incoming.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _droppedMessages);
            LogDropped(message.Topic, "the agent's queue is full");
        }
    }

    private async Task HandleLoopAsync(CancellationToken stop)
    {
        try
        {
            await foreach (FleetIncomingMessage message in _incoming.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(message, stop).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // Bad input loses nothing: one message's failure is logged, the agent goes on.
                    LogDropped(message.Topic, "handling failed: " + exception.GetType().Name + ": " + exception.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task HandleAsync(FleetIncomingMessage message, CancellationToken stop)
    {
        if (message.Topic.EndsWith("/down/fleet/desired", StringComparison.Ordinal))
        {
            if (message.Payload.IsEmpty)
            {
                LogDropped(message.Topic, "empty desired document (retained message cleared)");
                return;
            }

            bool changed = _reconciler.HandleDesired(message.Payload, out string outcome);
            LogDesired(message.Topic, outcome);
            if (changed)
            {
                await PublishReportedAsync(stop).ConfigureAwait(false);
                _auditSignal.Writer.TryWrite(true);
            }

            return;
        }

        if (message.Retained)
        {
            // A retained command is a stale request (commands are never published retained by the operator tools).
            LogDropped(message.Topic, "retained command ignored");
            return;
        }

        await HandleCommandAsync(message, stop).ConfigureAwait(false);
    }

    private async Task HandleCommandAsync(FleetIncomingMessage message, CancellationToken stop)
    {
        CommandDecision decision = _authorizer.Authorize(message.Payload);
        FleetCommand? command = decision.Command;
        string outcome;
        string? detail;
        System.Text.Json.JsonElement? result = null;
        bool configurationChanged = false;
        if (decision.IsAccepted)
        {
            try
            {
                (outcome, detail, result, configurationChanged) = await _executor.ExecuteAsync(command!, stop).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is FleetMessageFormatException or IOException or InvalidOperationException or System.Text.Json.JsonException)
            {
                (outcome, detail) = (FleetOutcomes.Failed, exception.Message);
            }
        }
        else
        {
            (outcome, detail) = (FleetOutcomes.Rejected, decision.Detail);
        }

        string name = command?.Name ?? "unknown";
        string id = command?.Id ?? "unknown";
        _audit.Append(_time.GetUtcNow(), "command", name, command?.Id, decision.SignerFingerprint, decision.Signer is { } signer ? FleetRoleNames.Name(signer.Role) : null, outcome, decision.Reason, detail);
        _auditSignal.Writer.TryWrite(true);
        LogCommand(id, name, outcome, decision.Reason ?? "-", detail ?? string.Empty);
        if (configurationChanged)
        {
            await PublishReportedAsync(stop).ConfigureAwait(false);
        }

        if (decision.IsAccepted && command!.Name == FleetCommandNames.SetRecipients && outcome == FleetOutcomes.Done)
        {
            // The recipients are part of the birth: publish it again (same bdSeq) so the fleet view shows the new readers.
            await _link.PublishAsync(new FleetOutgoingMessage(FleetTopics.Birth(_options.DeviceId), FleetJsonMessages.Encode(Birth()), Retain: true), stop).ConfigureAwait(false);
        }

        string responseTopic = FleetTopics.Response(_options.DeviceId);
        if (message.ResponseTopic is { } requested && requested != responseTopic)
        {
            // The Response Topic is not under the signature: the box answers only on its own response topic.
            LogOtherResponseTopic(id, requested, responseTopic);
        }

        var response = new FleetResponse(id, _options.DeviceId, name, outcome, decision.Reason, detail, _time.GetUtcNow(), result);
        byte[] envelope = SignedFleetMessage.Sign(FleetMessageKind.Response, FleetJsonMessages.Encode(response), _deviceKey);
        await _link.PublishAsync(new FleetOutgoingMessage(responseTopic, envelope, Retain: false) { CorrelationData = message.CorrelationData }, stop).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "fleet: message on {Topic} dropped: {Reason}")]
    private partial void LogDropped(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "fleet: {Topic}: {Outcome}")]
    private partial void LogDesired(string topic, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "fleet: command {Id} {Name}: {Outcome} ({Reason}) {Detail}")]
    private partial void LogCommand(string id, string name, string outcome, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "fleet: command {Id} asked for responses on {Requested}; answering on {Topic}")]
    private partial void LogOtherResponseTopic(string id, string requested, string topic);
}
