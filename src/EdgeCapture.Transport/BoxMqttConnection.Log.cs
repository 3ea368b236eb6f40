using Microsoft.Extensions.Logging;

namespace EdgeCapture.Transport;

/// <summary>The connection's log events (1001-1099).</summary>
public sealed partial class BoxMqttConnection
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "MQTT connected to {Broker} (connection {Generation}, maximum packet size {MaximumPacketSize}, bdSeq {Sequence})")]
    private static partial void LogConnected(ILogger logger, Uri broker, long generation, long maximumPacketSize, long sequence);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "MQTT connect to {Broker} failed: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, Uri broker, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "MQTT reconnect in {DelayMilliseconds:F0} ms")]
    private static partial void LogReconnectDelay(ILogger logger, double delayMilliseconds);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "MQTT connection lost ({Reason}) {Detail}")]
    private static partial void LogConnectionLost(ILogger logger, string reason, string detail);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "MQTT disconnected normally")]
    private static partial void LogDisconnectedNormally(ILogger logger);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "MQTT connection {Generation} closed")]
    private static partial void LogDisconnected(ILogger logger, long generation);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "MQTT ping failed; reconnecting")]
    private static partial void LogPingFailed(ILogger logger);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "MQTT subscribe to {TopicFilter} failed: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, string topicFilter, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "MQTT birth not published: {Reason}")]
    private static partial void LogBirthFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Error, Message = "MQTT TLS files cannot be read: {Reason}")]
    private static partial void LogTlsFilesUnreadable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Debug, Message = "MQTT disconnect failed: {Reason}")]
    private static partial void LogDisconnectFailed(ILogger logger, string reason);
}
