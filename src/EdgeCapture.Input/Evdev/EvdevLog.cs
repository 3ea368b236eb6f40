using Microsoft.Extensions.Logging;

namespace EdgeCapture.Input.Evdev;

internal static partial class EvdevLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Input device {DeviceId} added: {Path} as {Kind} (evdev node: {SupportsIoctls}, grabbed: {Grabbed}, kernel monotonic time: {KernelTime})")]
    public static partial void DeviceAdded(ILogger logger, int deviceId, string path, InputDeviceKind kind, bool supportsIoctls, bool grabbed, bool kernelTime);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Input device {DeviceId} removed: {Path} ({Reason}); {HeldKeys} held keys released")]
    public static partial void DeviceRemoved(ILogger logger, int deviceId, string path, string reason, int heldKeys);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Input node {Path} is not relayed: {Reason}")]
    public static partial void DeviceNotRelayed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Input device {DeviceId} ({Path}) dropped events (SYN_DROPPED); key state resynchronised from {Source}")]
    public static partial void Resynchronised(ILogger logger, int deviceId, string path, string source);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Input device {DeviceId} ({Path}): skipped bad input ({What})")]
    public static partial void BadInput(ILogger logger, int deviceId, string path, string what);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "Input device {DeviceId} ({Path}): read failed with errno {Errno}; treating it as unplugged")]
    public static partial void ReadFailed(ILogger logger, int deviceId, string path, int errno);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "Input reader loop failed; continuing")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Input node {Path} refused, it is not a physical device: {Reason}")]
    public static partial void NodeRefused(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Cannot open input node {Path}: {Message}")]
    public static partial void OpenFailed(ILogger logger, string path, string message);
}
