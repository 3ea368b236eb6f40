namespace EdgeCapture.Video.Sources;

/// <summary>Which kind of V4L2 capture device is on the other end.</summary>
public enum V4l2CaptureKind
{
    /// <summary>The TC358743 HDMI-to-CSI-2 bridge: UYVY, DV timings queried and set before streaming, source-change events.</summary>
    Tc358743Bridge = 1,

    /// <summary>A USB HDMI dongle (uvcvideo): MJPEG at a fixed mode, no timings to query.</summary>
    UsbMjpegDongle = 2,
}

/// <summary>Settings of a <see cref="V4l2CaptureSource"/>.</summary>
public sealed record V4l2CaptureOptions
{
    /// <summary>The device node. Default /dev/video0.</summary>
    public string DevicePath { get; init; } = "/dev/video0";

    /// <summary>The device kind. Default the TC358743 bridge.</summary>
    public V4l2CaptureKind Kind { get; init; } = V4l2CaptureKind.Tc358743Bridge;

    /// <summary>Requested MJPEG width for a dongle (the bridge takes the source's). Default 1920.</summary>
    public int Width { get; init; } = 1920;

    /// <summary>Requested MJPEG height for a dongle. Default 1080.</summary>
    public int Height { get; init; } = 1080;

    /// <summary>Driver buffers (mmap). Default 4.</summary>
    public int BufferCount { get; init; } = 4;

    /// <summary>How long to wait before retrying without a signal or a device. Default 1 s.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Streaming without a frame for this long restarts the stream (and re-reads the timings). Default 2 s.</summary>
    public TimeSpan NoFrameTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
