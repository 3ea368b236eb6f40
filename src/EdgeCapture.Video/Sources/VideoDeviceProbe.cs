using Iot.Device.Media;

namespace EdgeCapture.Video.Sources;

/// <summary>One pixel format a V4L2 device offers, with its frame sizes.</summary>
/// <param name="Format">The format.</param>
/// <param name="Sizes">Discrete sizes, or the minimum and maximum of a stepwise range.</param>
public sealed record VideoDeviceFormat(VideoPixelFormat Format, IReadOnlyList<(uint Width, uint Height)> Sizes);

/// <summary>
/// Describes a capture device with Iot.Device.Media.VideoDevice (dotnet/iot): which formats and sizes it offers, so the
/// CLI and the setup can tell a TC358743 (UYVY) from a dongle (MJPEG) and pick a mode before streaming.
/// </summary>
public static class VideoDeviceProbe
{
    /// <summary>Lists the formats and sizes of /dev/video<paramref name="busId"/>. Throws when the node cannot be opened.</summary>
    public static IReadOnlyList<VideoDeviceFormat> Describe(int busId)
    {
        using VideoDevice device = VideoDevice.Create(new VideoConnectionSettings(busId, (1920, 1080), VideoPixelFormat.MJPEG));
        var formats = new List<VideoDeviceFormat>();
        foreach (VideoPixelFormat format in device.GetSupportedPixelFormats())
        {
            var sizes = new List<(uint, uint)>();
            foreach (Resolution resolution in device.GetPixelFormatResolutions(format))
            {
                sizes.Add((resolution.MinWidth, resolution.MinHeight));
                if (resolution.MaxWidth != resolution.MinWidth || resolution.MaxHeight != resolution.MinHeight)
                {
                    sizes.Add((resolution.MaxWidth, resolution.MaxHeight));
                }
            }

            formats.Add(new VideoDeviceFormat(format, sizes));
        }

        return formats;
    }

    /// <summary>The capture kind a device's formats suggest: UYVY means the TC358743 bridge, MJPEG a USB dongle.</summary>
    public static V4l2CaptureKind? KindOf(IReadOnlyList<VideoDeviceFormat> formats)
    {
        ArgumentNullException.ThrowIfNull(formats);
        if (formats.Any(f => f.Format == VideoPixelFormat.UYVY))
        {
            return V4l2CaptureKind.Tc358743Bridge;
        }

        return formats.Any(f => f.Format == VideoPixelFormat.MJPEG) ? V4l2CaptureKind.UsbMjpegDongle : null;
    }
}
