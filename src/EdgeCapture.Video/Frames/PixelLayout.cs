namespace EdgeCapture.Video.Frames;

/// <summary>The layout of the bytes a capture source delivers.</summary>
public enum PixelLayout
{
    /// <summary>Packed 4:2:2, bytes U0 Y0 V0 Y1 (V4L2 UYVY): what the TC358743 bridge delivers.</summary>
    Uyvy = 1,

    /// <summary>Packed 4:2:2, bytes Y0 U0 Y1 V0 (V4L2 YUYV): uncompressed modes of USB dongles.</summary>
    Yuyv = 2,

    /// <summary>One compressed JPEG image per frame: what USB HDMI dongles deliver at 1080p.</summary>
    Mjpeg = 3,
}
