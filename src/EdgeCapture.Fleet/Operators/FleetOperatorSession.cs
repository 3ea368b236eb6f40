using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.View;
using EdgeCapture.Protocol.Fleet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Fleet.Operators;

/// <summary>
/// The operator's side: one MQTT connection that follows the fleet view (retained births, deaths, statuses, reported
/// configurations), signs and sends commands as MQTT 5 requests (Correlation Data; Response Topic for one device), collects each box's
/// signed response and verifies it against the device key of that box's birth, and publishes signed desired documents.
/// </summary>
public sealed class FleetOperatorSession : IAsyncDisposable
{
    private readonly MqttFleetLink _link;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, PendingCommand> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _desired = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FleetOperatorSession(MqttFleetLink link, TimeProvider time)
    {
        _link = link;
        _time = time;
        View = new FleetView(time);
    }

    /// <summary>The fleet as received so far.</summary>
    public FleetView View { get; }

    /// <summary>Connects over plain TCP without credentials (a lab or a test broker); see the overload taking options.</summary>
    /// <param name="host">Broker host.</param>
    /// <param name="port">Broker port.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggerFactory">Logging, or null.</param>
    /// <param name="followDesired">Also follow retained desired documents (for <c>config get</c>).</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The session.</returns>
    public static Task<FleetOperatorSession> ConnectAsync(string host, int port, TimeProvider time, ILoggerFactory? loggerFactory, bool followDesired, CancellationToken cancellationToken) =>
        ConnectAsync(new MqttFleetLinkOptions { Host = host, Port = port, ClientId = NewClientId() }, time, loggerFactory, followDesired, cancellationToken);

    /// <summary>
    /// Connects and subscribes; completes once connected (retained messages arrive right after). The first failed attempt
    /// ends it with <see cref="FleetBrokerException"/> naming the reason (an operator's command is one attempt, not a service
    /// that waits for the broker).
    /// </summary>
    /// <param name="options">Broker, client id, TLS (CA, client certificate) and credentials; the shipped deployment wants an
    /// operator client certificate (CN <c>edgecapture-operator</c>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggerFactory">Logging, or null.</param>
    /// <param name="followDesired">Also follow retained desired documents (for <c>config get</c>).</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The session.</returns>
    public static async Task<FleetOperatorSession> ConnectAsync(MqttFleetLinkOptions options, TimeProvider time, ILoggerFactory? loggerFactory, bool followDesired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var link = new MqttFleetLink(options, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MqttFleetLink>());
        var session = new FleetOperatorSession(link, time);
        var subscriptions = new List<string>(FleetView.Subscriptions) { FleetTopics.AllDevices("response") };
        if (followDesired)
        {
            subscriptions.Add(FleetTopics.AllDeviceDesired);
            subscriptions.Add(FleetTopics.AllGroupDesired);
        }

        try
        {
            await link.StartAsync(
                new FleetLinkSession
                {
                    Subscriptions = subscriptions,
                    NextWill = () => null,
                    OnConnected = () =>
                    {
                        session._connected.TrySetResult();
                        return [];
                    },
                    OnMessage = session.Receive,
                    OnConnectFailed = reason => session._connected.TrySetException(new FleetBrokerException($"cannot connect to the broker at {options.Host}:{options.Port}: {reason}")),
                },
                cancellationToken).ConfigureAwait(false);
            await session._connected.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A fresh MQTT client id for one operator session (several operators share the role, never a client id).</summary>
    /// <returns>The client id.</returns>
    public static string NewClientId() => "operator-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>The latest retained desired document of a target, decoded, or null.</summary>
    /// <param name="target">The device or group.</param>
    /// <returns>The document.</returns>
    public FleetDesiredConfiguration? Desired(FleetTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!_desired.TryGetValue(target.DesiredTopic, out byte[]? envelope))
        {
            return null;
        }

        try
        {
            return FleetDesiredConfiguration.Decode(SignedFleetMessage.Decode(envelope).Payload);
        }
        catch (FleetMessageFormatException)
        {
            return null;
        }
    }

    /// <summary>Signs and publishes a desired document, retained on its target's topic.</summary>
    /// <param name="document">The document.</param>
    /// <param name="key">The operator's key.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>Whether the broker accepted it (false: refused, e.g. by its ACL).</returns>
    public Task<bool> PublishDesiredAsync(FleetDesiredConfiguration document, PersonalSigningKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        byte[] envelope = SignedFleetMessage.Sign(FleetMessageKind.DesiredConfiguration, document.Encode(), key);
        return _link.PublishAsync(new FleetOutgoingMessage(document.Target.DesiredTopic, envelope, Retain: true), cancellationToken);
    }

    /// <summary>Publishes an already signed (or deliberately unsigned or forged) command envelope and collects responses.</summary>
    /// <param name="target">Where to publish it.</param>
    /// <param name="commandId">The id responses must carry.</param>
    /// <param name="envelope">The envelope bytes.</param>
    /// <param name="expectedResponders">How many responses end the wait early.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="progress">Receives the number of responses so far.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The responses received, in arrival order.</returns>
    /// <exception cref="FleetBrokerException">The broker refused the publish (its ACL: not the operator role).</exception>
    public async Task<IReadOnlyList<VerifiedResponse>> SendEnvelopeAsync(FleetTarget target, string commandId, byte[] envelope, int expectedResponders, TimeSpan timeout, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        byte[] correlation = RandomNumberGenerator.GetBytes(16);
        var pending = new PendingCommand(commandId, expectedResponders, progress, Stopwatch.GetTimestamp());
        string key = Convert.ToHexStringLower(correlation);
        _pending[key] = pending;
        try
        {
            // Each box answers on its own up/fleet/response (what its ACL lets it write); a device command names that topic.
            string? responseTopic = target.IsGroup ? null : FleetTopics.Response(target.Name);
            if (!await _link.PublishAsync(new FleetOutgoingMessage(target.CommandTopic, envelope, Retain: false) { ResponseTopic = responseTopic, CorrelationData = correlation }, cancellationToken).ConfigureAwait(false))
            {
                throw new FleetBrokerException($"the broker refused the command on {target.CommandTopic} (is this client the operator role?)");
            }

            try
            {
                await pending.Complete.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Whoever answered in time is reported; the caller sees who is missing.
            }

            return pending.Snapshot();
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    /// <summary>Signs and sends a command, then collects responses until every expected box answered or the timeout.</summary>
    /// <param name="command">The command.</param>
    /// <param name="key">The operator's or custodian's key.</param>
    /// <param name="expectedResponders">How many responses end the wait early.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="progress">Receives the number of responses so far.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The responses.</returns>
    /// <exception cref="FleetBrokerException">The broker refused the publish.</exception>
    public Task<IReadOnlyList<VerifiedResponse>> SendAsync(FleetCommand command, PersonalSigningKey key, int expectedResponders, TimeSpan timeout, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return SendEnvelopeAsync(command.Target, command.Id, SignedFleetMessage.Sign(FleetMessageKind.Command, command.Encode(), key), expectedResponders, timeout, progress, cancellationToken);
    }

    /// <summary>The online devices a target addresses, from their births.</summary>
    /// <param name="target">The target.</param>
    /// <returns>The device ids.</returns>
    public IReadOnlyList<string> OnlineDevicesOf(FleetTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return View.Devices().Where(device => device.IsOnline && target.Addresses(device.DeviceId, device.Birth!.Groups.ToList())).Select(device => device.DeviceId).ToList();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _link.DisposeAsync();

    private void Receive(FleetIncomingMessage message)
    {
        if (FleetTopics.TryParseDeviceTopic(message.Topic, "response", out _))
        {
            ReceiveResponse(message);
            return;
        }

        if (message.Topic.EndsWith("/down/fleet/desired", StringComparison.Ordinal))
        {
            _desired[message.Topic] = message.Payload.ToArray();
            return;
        }

        View.Apply(message.Topic, message.Payload.Span);
    }

    private void ReceiveResponse(FleetIncomingMessage message)
    {
        if (!_pending.TryGetValue(Convert.ToHexStringLower(message.CorrelationData.Span), out PendingCommand? pending))
        {
            return;
        }

        try
        {
            SignedFleetMessage envelope = SignedFleetMessage.Decode(message.Payload);
            if (envelope.Kind != FleetMessageKind.Response)
            {
                return;
            }

            FleetResponse response = FleetJsonMessages.Decode<FleetResponse>(envelope.Payload.Span);
            if ((response.CommandId != pending.CommandId && response.CommandId != "unknown") || !message.Topic.Equals(FleetTopics.Response(response.Device), StringComparison.Ordinal))
            {
                return;
            }

            bool verified = View.Device(response.Device)?.Birth is { } birth
                && envelope.Signer is { } signer
                && signer.ToString() == birth.Keys.DevicePublicKey
                && envelope.HasValidSignature();
            pending.Add(new VerifiedResponse(response, verified, Stopwatch.GetElapsedTime(pending.StartedAt)));
        }
        catch (FleetMessageFormatException)
        {
            // Not a response: ignored.
        }
    }

    private sealed class PendingCommand(string commandId, int expected, IProgress<int>? progress, long startedAt)
    {
        private readonly List<VerifiedResponse> _responses = [];

        public string CommandId { get; } = commandId;

        public long StartedAt { get; } = startedAt;

        public TaskCompletionSource Complete { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(VerifiedResponse response)
        {
            int count;
            lock (_responses)
            {
                if (_responses.Any(existing => existing.Response.Device == response.Response.Device))
                {
                    return;
                }

                _responses.Add(response);
                count = _responses.Count;
            }

            progress?.Report(count);
            if (count >= expected)
            {
                Complete.TrySetResult();
            }
        }

        public List<VerifiedResponse> Snapshot()
        {
            lock (_responses)
            {
                return [.. _responses];
            }
        }
    }
}
