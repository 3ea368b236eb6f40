namespace EdgeCapture.Fleet.Link;

/// <summary>A message the fleet sends (QoS 1).</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Payload">The payload.</param>
/// <param name="Retain">Whether the broker keeps it as the topic's last value.</param>
public sealed record FleetOutgoingMessage(string Topic, ReadOnlyMemory<byte> Payload, bool Retain)
{
    /// <summary>MQTT 5 Response Topic, or null.</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5 Correlation Data, or empty.</summary>
    public ReadOnlyMemory<byte> CorrelationData { get; init; }

    /// <summary>Drop instead of waiting when the link is down (periodic status: the next one supersedes it).</summary>
    public bool DropWhenDisconnected { get; init; }
}

/// <summary>A message the fleet received.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Payload">The payload (a copy the handler owns).</param>
/// <param name="Retained">Whether it is a retained message delivered on subscribe.</param>
/// <param name="ResponseTopic">MQTT 5 Response Topic, or null.</param>
/// <param name="CorrelationData">MQTT 5 Correlation Data, or empty.</param>
public sealed record FleetIncomingMessage(string Topic, ReadOnlyMemory<byte> Payload, bool Retained, string? ResponseTopic, ReadOnlyMemory<byte> CorrelationData);

/// <summary>What the fleet agent asks of the connection it shares.</summary>
public sealed class FleetLinkSession
{
    /// <summary>Topic filters to subscribe to after every connect.</summary>
    public required IReadOnlyList<string> Subscriptions { get; init; }

    /// <summary>Called before each connect attempt: the Will of that connection (the death with its <c>bdSeq</c>), or null.</summary>
    public required Func<FleetOutgoingMessage?> NextWill { get; init; }

    /// <summary>Called after each connect and subscribe: messages to publish first, in order, before anything queued (the birth).</summary>
    public required Func<IReadOnlyList<FleetOutgoingMessage>> OnConnected { get; init; }

    /// <summary>Called for each received message on the connection's thread: it must only enqueue and return.</summary>
    public required Action<FleetIncomingMessage> OnMessage { get; init; }

    /// <summary>Optional: called with the reason after each failed connect attempt (the link keeps retrying).</summary>
    public Action<string>? OnConnectFailed { get; init; }
}

/// <summary>
/// The seam between the fleet agent and the box's MQTT connection: a reconnecting connection with a single sender
/// (the MQTTnet client is not thread-safe), a Will chosen per connect, birth-first publication after each connect, and
/// persistent subscriptions. <see cref="MqttFleetLink"/> implements it over its own MQTTnet client.
/// </summary>
public interface IFleetLink : IAsyncDisposable
{
    /// <summary>Whether the connection is up.</summary>
    bool IsConnected { get; }

    /// <summary>
    /// The <c>bdSeq</c> of the latest connect attempt when the link carries presence itself (the box's shared connection
    /// publishes one signed birth and Will on <c>up/presence</c>; the agent's birth becomes its details, and a message the agent
    /// publishes on <c>up/fleet/birth</c> is republished there instead); null when the agent supplies the Will through
    /// <see cref="FleetLinkSession.NextWill"/>.
    /// </summary>
    long? PresenceSequence { get; }

    /// <summary>Starts connecting (and reconnecting) for <paramref name="session"/>.</summary>
    /// <param name="session">Subscriptions, Will, birth and the receive handler.</param>
    /// <param name="cancellationToken">Cancels the start (not the connection).</param>
    /// <returns>Completes when started (not necessarily connected).</returns>
    Task StartAsync(FleetLinkSession session, CancellationToken cancellationToken);

    /// <summary>Publishes with QoS 1; completes when the broker acknowledged it (or at once when dropped while disconnected).</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    /// <returns>True if the broker accepted it.</returns>
    Task<bool> PublishAsync(FleetOutgoingMessage message, CancellationToken cancellationToken);
}
