using Microsoft.Extensions.Logging;

namespace EdgeCapture.Relay;

internal static partial class RelayLog
{
    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "HID gadget {Endpoint} write failed with errno {Errno} ({Written} bytes); retrying when the host is configured")]
    public static partial void WriteFailed(ILogger logger, string endpoint, int errno, int written);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "{Endpoint} report queue overflowed; sent all-released and the current state instead of {Capacity} queued transitions")]
    public static partial void QueueOverflow(ILogger logger, string endpoint, int capacity);

    [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "Relay writer loop failed; continuing")]
    public static partial void WriterLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "Key code {KeyCode} has no keyboard or consumer usage; not relayed")]
    public static partial void UnmappedKey(ILogger logger, int keyCode);

    [LoggerMessage(EventId = 208, Level = LogLevel.Warning, Message = "USB host away ({Reason}); key transitions are not queued until it returns")]
    public static partial void HostAway(ILogger logger, HostAwayReason reason);

    [LoggerMessage(EventId = 209, Level = LogLevel.Information, Message = "USB host back ({Kind}, away for {Reason}); held keys and buttons re-sent")]
    public static partial void HostBack(ILogger logger, HostTransitionKind kind, HostAwayReason reason);

    [LoggerMessage(EventId = 210, Level = LogLevel.Debug, Message = "UDC state {State}")]
    public static partial void UdcStateChanged(ILogger logger, Gadget.UdcState state);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "HID gadget {Endpoint} reopened as {Path}")]
    public static partial void EndpointReopened(ILogger logger, string endpoint, string path);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "HID gadget {Endpoint} cannot be reopened: {Message}")]
    public static partial void EndpointReopenFailed(ILogger logger, string endpoint, string message);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "Stopping: {Endpoint} did not take its last reports within the flush timeout")]
    public static partial void StopFlushTimedOut(ILogger logger, string endpoint);
}
