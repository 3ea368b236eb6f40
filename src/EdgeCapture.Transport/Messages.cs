namespace EdgeCapture.Transport;

/// <summary>A message for the one sender (always QoS 1).</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Payload">The payload.</param>
/// <param name="Retain">Whether the broker keeps it as the topic's retained message.</param>
/// <param name="ResponseTopic">MQTT 5 Response Topic, or null.</param>
/// <param name="CorrelationData">MQTT 5 Correlation Data, empty for none.</param>
public sealed record OutgoingMessage(string Topic, ReadOnlyMemory<byte> Payload, bool Retain = false, string? ResponseTopic = null, ReadOnlyMemory<byte> CorrelationData = default);

/// <summary>A message the broker delivered on a registered subscription (payload copied out of the client's buffers).</summary>
/// <param name="Topic">The topic it was published on.</param>
/// <param name="Payload">The payload.</param>
/// <param name="ResponseTopic">MQTT 5 Response Topic, or null.</param>
/// <param name="CorrelationData">MQTT 5 Correlation Data, empty for none.</param>
/// <param name="Retained">Whether the broker delivered it as a retained message.</param>
public sealed record ReceivedMessage(string Topic, ReadOnlyMemory<byte> Payload, string? ResponseTopic, ReadOnlyMemory<byte> CorrelationData, bool Retained);

/// <summary>How a publish went.</summary>
public enum PublishStatus
{
    /// <summary>The broker acknowledged it (PUBACK success or no matching subscribers). Not a confirmation by the collector.</summary>
    Delivered,

    /// <summary>Not connected, or the connection broke during the publish; try again after the next connect.</summary>
    NotConnected,

    /// <summary>Larger than the Maximum Packet Size the broker announced; never sent.</summary>
    TooLarge,

    /// <summary>The broker answered with an error reason code (for example not authorized, quota exceeded, packet too large).</summary>
    Refused,
}

/// <summary>The outcome of <see cref="BoxMqttConnection.PublishAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Detail">The broker's reason code and reason string, or why it was not sent.</param>
public sealed record PublishOutcome(PublishStatus Status, string Detail)
{
    /// <summary>Whether the broker took it.</summary>
    public bool IsDelivered => Status == PublishStatus.Delivered;
}

/// <summary>What the broker told the box when it connected.</summary>
/// <param name="Generation">Counts connections since the process started (1 for the first).</param>
/// <param name="MaximumPacketSize">The broker's Maximum Packet Size from CONNACK, or the protocol's maximum when it announced none.</param>
/// <param name="IsSessionPresent">Whether the broker resumed a session.</param>
/// <param name="BirthDeathSequence">The bdSeq of this connection's birth and Will (0 without presence).</param>
public sealed record ConnectionFacts(long Generation, long MaximumPacketSize, bool IsSessionPresent, long BirthDeathSequence)
{
    /// <summary>MQTT's largest packet (268,435,455 bytes), used when the broker announces no limit.</summary>
    public const long ProtocolMaximumPacketSize = 268_435_455;
}
