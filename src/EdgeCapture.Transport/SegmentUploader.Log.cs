using Microsoft.Extensions.Logging;

namespace EdgeCapture.Transport;

/// <summary>The uploader's log events (1150-1199).</summary>
public sealed partial class SegmentUploader
{
    [LoggerMessage(EventId = 1150, Level = LogLevel.Information, Message = "Segment {Segment} stored by the collector ({Parts} parts, {Bytes} bytes); removed from the outbox")]
    private static partial void LogSegmentStored(ILogger logger, EdgeCapture.Storage.SegmentKey segment, int parts, long bytes);

    [LoggerMessage(EventId = 1151, Level = LogLevel.Error, Message = "Segment {Segment} rejected by the collector: {Reason}. Kept in the outbox, marked rejected, not retried")]
    private static partial void LogSegmentRejected(ILogger logger, string segment, string reason);

    [LoggerMessage(EventId = 1152, Level = LogLevel.Information, Message = "Segment {Segment}: the collector misses {Count} parts; resending them")]
    private static partial void LogPartsMissing(ILogger logger, EdgeCapture.Storage.SegmentKey segment, int count);

    [LoggerMessage(EventId = 1153, Level = LogLevel.Warning, Message = "No collector answer for {Subject} within {Seconds} s; will try again")]
    private static partial void LogAnswerTimeout(ILogger logger, string subject, double seconds);

    [LoggerMessage(EventId = 1154, Level = LogLevel.Warning, Message = "Publish for {Subject} not accepted ({Status}): {Detail}; will try again")]
    private static partial void LogPublishRefused(ILogger logger, string subject, PublishStatus status, string detail);

    [LoggerMessage(EventId = 1155, Level = LogLevel.Error, Message = "The broker's maximum packet size ({MaximumPacketSize} bytes) leaves no room for a part; nothing can be uploaded on this connection")]
    private static partial void LogBrokerLimitTooSmall(ILogger logger, long maximumPacketSize);

    [LoggerMessage(EventId = 1156, Level = LogLevel.Error, Message = "Segment {Segment} cannot be uploaded now: {Reason}")]
    private static partial void LogCannotUpload(ILogger logger, string segment, string reason);

    [LoggerMessage(EventId = 1157, Level = LogLevel.Warning, Message = "Segment {Segment}: the collector names parts beyond the {PartCount} of this layout; will try again")]
    private static partial void LogMissingOutOfLayout(ILogger logger, string segment, int partCount);

    [LoggerMessage(EventId = 1158, Level = LogLevel.Warning, Message = "Segment {Segment} still incomplete after {Rounds} commit rounds; will try again")]
    private static partial void LogTooManyRounds(ILogger logger, string segment, int rounds);

    [LoggerMessage(EventId = 1159, Level = LogLevel.Information, Message = "Retraction {RetractionId} of {Count} segments confirmed by the collector")]
    private static partial void LogRetractionDelivered(ILogger logger, long retractionId, int count);

    [LoggerMessage(EventId = 1160, Level = LogLevel.Error, Message = "Retraction {RetractionId} rejected by the collector: {Reason}. Kept and marked rejected; never sent again")]
    private static partial void LogRetractionRejected(ILogger logger, long retractionId, string reason);
}
