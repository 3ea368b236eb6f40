using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace EdgeCapture.Transport;

/// <summary>A registered subscription and the bounded channel its messages go to.</summary>
internal sealed record Subscription(string TopicFilter, int MaximumPayloadBytes, Channel<ReceivedMessage> Channel);

/// <summary>
/// Hands received messages to the subscriptions they match without ever waiting: the client's receive path sends
/// the acknowledgement only after the handler returns, so a blocked handler would stall PUBACKs and keep-alive.
/// A full channel (explicit <see cref="BoundedChannelFullMode.Wait"/> with <c>TryWrite</c>) or an oversized payload
/// drops the message, counted and logged.
/// </summary>
internal sealed partial class SubscriptionDispatcher(ILogger logger)
{
    private readonly Lock _lock = new();
    private Subscription[] _subscriptions = [];
    private long _droppedMessages;

    internal long DroppedMessages => Interlocked.Read(ref _droppedMessages);

    internal Subscription Add(string topicFilter, int capacity, int maximumPayloadBytes)
    {
        var subscription = new Subscription(topicFilter, maximumPayloadBytes,
            Channel.CreateBounded<ReceivedMessage>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait }));
        lock (_lock)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    internal Subscription[] Snapshot()
    {
        lock (_lock)
        {
            return _subscriptions;
        }
    }

    internal void Dispatch(MqttApplicationMessage message)
    {
        ReceivedMessage? copy = null;
        foreach (Subscription subscription in Snapshot())
        {
            if (MqttTopicFilterComparer.Compare(message.Topic, subscription.TopicFilter) != MqttTopicFilterCompareResult.IsMatch)
            {
                continue;
            }

            if (message.Payload.Length > subscription.MaximumPayloadBytes)
            {
                Interlocked.Increment(ref _droppedMessages);
                LogDroppedOversized(logger, message.Topic, message.Payload.Length, subscription.MaximumPayloadBytes);
                continue;
            }

            // The client reuses its buffers once the handler returns: copy once, share between subscriptions.
            copy ??= new ReceivedMessage(message.Topic, message.Payload.ToArray(), message.ResponseTopic,
                message.CorrelationData ?? ReadOnlyMemory<byte>.Empty, message.Retain);
            if (!subscription.Channel.Writer.TryWrite(copy))
            {
                Interlocked.Increment(ref _droppedMessages);
                LogDroppedFull(logger, message.Topic, subscription.TopicFilter);
            }
        }
    }

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Received message on {Topic} dropped: {Length} bytes, more than {Maximum}")]
    private static partial void LogDroppedOversized(ILogger logger, string topic, long length, int maximum);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Received message on {Topic} dropped: the queue of {TopicFilter} is full")]
    private static partial void LogDroppedFull(ILogger logger, string topic, string topicFilter);
}
