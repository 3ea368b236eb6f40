using System.Text;

namespace EdgeCapture.Transport;

/// <summary>
/// The exact size of the MQTT 5 PUBLISH packet the client will write for an <see cref="OutgoingMessage"/> at QoS 1
/// (MQTTnet does not enforce the broker's CONNACK Maximum Packet Size; the application must).
/// </summary>
internal static class MqttPacketSize
{
    internal static long OfPublish(OutgoingMessage message) =>
        OfPublish(Encoding.UTF8.GetByteCount(message.Topic), message.Payload.Length,
            message.ResponseTopic is null ? -1 : Encoding.UTF8.GetByteCount(message.ResponseTopic), message.CorrelationData.Length);

    /// <summary>Fixed header + variable header (topic, packet id, properties) + payload.</summary>
    /// <param name="topicBytes">UTF-8 length of the topic.</param>
    /// <param name="payloadBytes">Payload length.</param>
    /// <param name="responseTopicBytes">UTF-8 length of the response topic, or -1 for none.</param>
    /// <param name="correlationBytes">Correlation data length (0 for none).</param>
    internal static long OfPublish(int topicBytes, long payloadBytes, int responseTopicBytes, int correlationBytes)
    {
        long properties = (responseTopicBytes >= 0 ? 1 + 2 + responseTopicBytes : 0) + (correlationBytes > 0 ? 1 + 2 + correlationBytes : 0);
        long remaining = 2 + topicBytes + 2 + VariableByteIntegerLength(properties) + properties + payloadBytes;
        return 1 + VariableByteIntegerLength(remaining) + remaining;
    }

    /// <summary>The most bytes a PUBLISH adds around its payload on <paramref name="topic"/> with no properties.</summary>
    internal static int OverheadWithoutProperties(string topic) => 1 + 4 + 2 + Encoding.UTF8.GetByteCount(topic) + 2 + 1;

    private static int VariableByteIntegerLength(long value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };
}
