using Microsoft.Extensions.Logging;

namespace EdgeCapture.Storage;

/// <summary>Source-generated log messages of the outbox. Never logs ciphertext, manifests or retraction documents.</summary>
internal static partial class OutboxLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Outbox {DatabasePath} open: schema version {SchemaVersion}, {StoredBytes} of {QuotaBytes} bytes stored")]
    internal static partial void Opened(ILogger logger, string databasePath, int schemaVersion, long storedBytes, long quotaBytes);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Outbox database {DatabasePath} is unusable ({Reason}: {Detail}); moved it aside to {MovedAsidePath} and started a fresh outbox")]
    internal static partial void MovedAside(ILogger logger, string databasePath, CorruptionReason reason, string detail, string movedAsidePath);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Created a fresh outbox database {DatabasePath}")]
    internal static partial void Created(ILogger logger, string databasePath);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Migrated outbox schema from version {FromVersion} to {ToVersion}")]
    internal static partial void Migrated(ILogger logger, int fromVersion, int toVersion);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Deleted old corrupt outbox copy {Path} (keeping the newest {Kept})")]
    internal static partial void DeletedOldCorruptCopy(ILogger logger, string path, int kept);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "{Count} segments were being uploaded or awaiting confirmation when the outbox last closed; they are pending again")]
    internal static partial void UploadsRequeued(ILogger logger, int count);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Stored segment {Key}: {CiphertextLength} ciphertext bytes, {StoredBytes} bytes stored")]
    internal static partial void Appended(ILogger logger, SegmentKey key, long ciphertextLength, long storedBytes);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Outbox full: segment {Key} needs {SegmentBytes} bytes, {StoredBytes} of {QuotaBytes} in use")]
    internal static partial void QuotaReached(ILogger logger, SegmentKey key, long segmentBytes, long storedBytes, long quotaBytes);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Error, Message = "File system full while storing segment {Key}; nothing was stored")]
    internal static partial void DiskFull(ILogger logger, SegmentKey key, Exception exception);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Information, Message = "Outbox has room again: {StoredBytes} of {QuotaBytes} bytes in use")]
    internal static partial void RoomAgain(ILogger logger, long storedBytes, long quotaBytes);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "The collector rejected segment {Key} for good ({Reason}); it is kept and not sent again")]
    internal static partial void Rejected(ILogger logger, SegmentKey key, string reason);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Forget {FromUtc:o}..{ToUtc:o}: deleted {DeletedCount} segments before upload, {RetractionCount} need a retraction")]
    internal static partial void Forgot(ILogger logger, DateTimeOffset fromUtc, DateTimeOffset toUtc, int deletedCount, int retractionCount);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Information, Message = "Queued retraction {RetractionId} for {SegmentCount} segments")]
    internal static partial void RetractionQueued(ILogger logger, long retractionId, int segmentCount);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Warning, Message = "Could not truncate the write-ahead log after a forget (a reader is active); forgotten pages leave it at the next checkpoint")]
    internal static partial void CheckpointBusy(ILogger logger);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Warning, Message = "fsync of directory {DirectoryPath} failed with errno {Errno}")]
    internal static partial void DirectorySyncFailed(ILogger logger, string directoryPath, int errno);

    [LoggerMessage(EventId = 4024, Level = LogLevel.Error, Message = "Retraction {RetractionId} rejected by the collector: {Reason}. Kept and marked; never sent again automatically")]
    internal static partial void RetractionRejected(ILogger logger, long retractionId, string reason);
}
