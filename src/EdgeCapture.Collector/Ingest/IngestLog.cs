using EdgeCapture.Protocol;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector.Ingest;

/// <summary>Source-generated log messages of ingest. Never logs ciphertext, manifests' contents or keys.</summary>
internal static partial class IngestLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Warning, Message = "Quarantined a message on {Topic} from {DeviceId}: {Reason} ({Detail})")]
    internal static partial void Quarantined(ILogger logger, string topic, string deviceId, string reason, string detail);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Stored segment {Segment} of {DeviceId}: {Length} bytes as {Address}")]
    internal static partial void Stored(ILogger logger, string deviceId, SegmentReference segment, long length, string address);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Segment {Segment} of {DeviceId} was already stored; answered stored again")]
    internal static partial void Duplicate(ILogger logger, string deviceId, SegmentReference segment);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Segment {Segment} of {DeviceId}: {Count} parts missing")]
    internal static partial void Missing(ILogger logger, string deviceId, SegmentReference segment, int count);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Rejected segment {Segment} of {DeviceId}: {Reason}")]
    internal static partial void Rejected(ILogger logger, string deviceId, SegmentReference segment, string reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Segment {Segment} of {DeviceId} is stored without its predecessor: the chain has a gap until segment {Previous} arrives")]
    internal static partial void Gap(ILogger logger, string deviceId, SegmentReference segment, int previous);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Staging is full ({StagedBytes} bytes): part {Part} of {Segment} from {DeviceId} not kept")]
    internal static partial void StagingFull(ILogger logger, string deviceId, SegmentReference segment, int part, long stagedBytes);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Segment {Segment} of {DeviceId}: {Count} staged parts were damaged and are asked for again")]
    internal static partial void DamagedParts(ILogger logger, string deviceId, SegmentReference segment, int count);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Applied retraction from {DeviceId}: {Named} segments named, {Deleted} deleted ({Bytes} bytes)")]
    internal static partial void Retracted(ILogger logger, string deviceId, int named, int deleted, long bytes);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Rejected retraction from {DeviceId}: {Reason}")]
    internal static partial void RetractionRejected(ILogger logger, string deviceId, string reason);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Debug, Message = "Ignored part {Part} of {Segment} from {DeviceId}: {Why}")]
    internal static partial void PartIgnored(ILogger logger, string deviceId, SegmentReference segment, int part, string why);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Message on {Topic} asked for answers on {ResponseTopic}; answering on the device's own topic {AnswerTopic} instead")]
    internal static partial void ResponseTopicIgnored(ILogger logger, string topic, string responseTopic, string answerTopic);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Error, Message = "Handling a message on {Topic} failed; it was not acknowledged as stored")]
    internal static partial void HandlingFailed(ILogger logger, string topic, Exception exception);
}
