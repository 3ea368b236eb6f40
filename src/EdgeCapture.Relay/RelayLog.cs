using Microsoft.Extensions.Logging;

namespace EdgeCapture.Relay;

internal static partial class RelayLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "HID gadget {Endpoint} is shut down (host absent, asleep or rebooting); state kept, waiting for the host")]
    public static partial void EndpointShutdown(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "HID gadget {Endpoint} is back; current state re-sent")]
    public static partial void EndpointResynchronised(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "HID gadget {Endpoint} write failed with errno {Errno} ({Written} bytes); retrying when the host is configured")]
    public static partial void WriteFailed(ILogger logger, string endpoint, int errno, int written);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "{Endpoint} report queue overflowed; sent all-released and the current state instead of {Capacity} queued transitions")]
    public static partial void QueueOverflow(ILogger logger, string endpoint, int capacity);

    [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "Relay writer loop failed; continuing")]
    public static partial void WriterLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "Key code {KeyCode} has no keyboard or consumer usage; not relayed")]
    public static partial void UnmappedKey(ILogger logger, int keyCode);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Cannot read UDC state {Path}: {Message}")]
    public static partial void UdcStateUnreadable(ILogger logger, string path, string message);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "Stopping: {Endpoint} did not take its last reports within the flush timeout")]
    public static partial void StopFlushTimedOut(ILogger logger, string endpoint);
}
