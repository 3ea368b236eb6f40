using System.Threading.Channels;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Protocol;
using EdgeCapture.Protocol.Fleet;
using EdgeCapture.Transport;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Fleet;

/// <summary>
/// The fleet agent's link over the box's one MQTT connection (<see cref="BoxMqttConnection"/>, the uploader's): no second
/// client, so one signed retained birth and one Will per connection on <c>up/presence</c>, with one <c>bdSeq</c>. The fleet
/// birth travels as that birth's details; a birth the agent publishes again (new recipients) is republished as a signed
/// presence with the connection's <c>bdSeq</c>. Subscriptions are made by the connection on every connect; their bounded
/// channels are drained here into the agent's handler (which only enqueues). TLS, credentials and reconnects are the
/// connection's (the same as for upload).
/// </summary>
internal sealed partial class SharedConnectionFleetLink : IFleetLink
{
    private const int SubscriptionCapacity = 256;
    private const int MaximumPayloadBytes = 256 * 1024;

    private readonly BoxMqttConnection _connection;
    private readonly Func<long> _presenceSequence;
    private readonly IMessageSigner _deviceKey;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private long _detailsSequence = -1;
    private FleetLinkSession? _session;

    /// <summary>Creates the link over the upload stage's connection.</summary>
    /// <param name="connection">The box's connection.</param>
    /// <param name="presenceSequence">The bdSeq of the latest connect attempt.</param>
    /// <param name="deviceKey">Signs republished births.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Logging.</param>
    public SharedConnectionFleetLink(BoxMqttConnection connection, Func<long> presenceSequence, IMessageSigner deviceKey, TimeProvider time, ILogger<SharedConnectionFleetLink> logger)
    {
        _connection = connection;
        _presenceSequence = presenceSequence;
        _deviceKey = deviceKey;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc/>
    public bool IsConnected => _connection.Current is not null;

    /// <inheritdoc/>
    public long? PresenceSequence => _presenceSequence();

    /// <summary>Notes that the connection's birth of <paramref name="sequence"/> already carries the fleet birth (no republish on connect).</summary>
    /// <param name="sequence">The bdSeq.</param>
    public void NoteBirthDetailsGiven(long sequence) => Interlocked.Exchange(ref _detailsSequence, sequence);

    /// <inheritdoc/>
    public Task StartAsync(FleetLinkSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (Interlocked.CompareExchange(ref _session, session, null) is not null)
        {
            throw new InvalidOperationException("The link is already started.");
        }

        foreach (string filter in session.Subscriptions)
        {
            ChannelReader<ReceivedMessage> reader = _connection.Subscribe(filter, SubscriptionCapacity, MaximumPayloadBytes);
            _loops.Add(Task.Run(() => DrainAsync(reader, session, _stop.Token), CancellationToken.None));
        }

        _loops.Add(Task.Run(() => FollowConnectsAsync(session, _stop.Token), CancellationToken.None));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<bool> PublishAsync(FleetOutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ConnectionFacts? facts = _connection.Current;
        if (facts is null && message.DropWhenDisconnected)
        {
            return false;
        }

        OutgoingMessage outgoing;
        if (message.Topic == FleetTopics.Birth(_connection.DeviceId))
        {
            if (facts is null)
            {
                // The next connect's birth carries the current details anyway.
                return false;
            }

            byte[] presence = PresenceCodec.Encode(new PresenceMessage(_connection.DeviceId, true, facts.BirthDeathSequence, _time.GetUtcNow(), message.Payload), _deviceKey);
            outgoing = new OutgoingMessage(UploadTopics.Presence(_connection.DeviceId), presence, Retain: true);
        }
        else
        {
            outgoing = new OutgoingMessage(message.Topic, message.Payload, message.Retain, message.ResponseTopic, message.CorrelationData);
        }

        PublishOutcome outcome = await _connection.PublishAsync(outgoing, cancellationToken).ConfigureAwait(false);
        if (!outcome.IsDelivered)
        {
            LogNotPublished(message.Topic, outcome.Detail);
        }

        return outcome.IsDelivered;
    }

    /// <summary>Stops draining and following connects (the connection is the upload stage's).</summary>
    /// <returns>Completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
    }

    private static async Task DrainAsync(ChannelReader<ReceivedMessage> reader, FleetLinkSession session, CancellationToken stop)
    {
        try
        {
            await foreach (ReceivedMessage received in reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                session.OnMessage(new FleetIncomingMessage(received.Topic, received.Payload, received.Retained, received.ResponseTopic, received.CorrelationData));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>After every new connection: the session's first messages (status, reported; the birth only if the connection's did not carry it).</summary>
    private async Task FollowConnectsAsync(FleetLinkSession session, CancellationToken stop)
    {
        long generation = 0;
        try
        {
            while (true)
            {
                ConnectionFacts facts = await _connection.WaitForConnectionAsync(stop).ConfigureAwait(false);
                if (facts.Generation != generation)
                {
                    generation = facts.Generation;
                    bool birthCarried = Interlocked.Read(ref _detailsSequence) == facts.BirthDeathSequence;
                    foreach (FleetOutgoingMessage message in session.OnConnected())
                    {
                        if (birthCarried && message.Topic == FleetTopics.Birth(_connection.DeviceId))
                        {
                            continue;
                        }

                        await PublishAsync(message, stop).ConfigureAwait(false);
                    }
                }

                // The connection offers no "disconnected" wait: look again shortly (cheap, and only while connected).
                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "fleet: message on {Topic} not published: {Detail}")]
    private partial void LogNotPublished(string topic, string detail);
}
