using EdgeCapture.Input.Simulation;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hardware;

/// <summary>The frame source the configuration's <c>videoSource</c> names, and the screen it describes in segment headers.</summary>
internal static class ApplianceFrameSources
{
    /// <summary>The configured frame source, or null without screen capture. Sources open their device only when run.</summary>
    public static IFrameSource? Create(ApplianceConfiguration configuration, DesktopActivityScript script, ApplianceSimulation? simulation, TimeProvider time, ILoggerFactory loggerFactory)
    {
        switch (configuration.VideoSource)
        {
            case VideoSourceKind.Simulated:
                return new SimulatedDesktopSource(
                    script,
                    new SimulatedSourceOptions
                    {
                        FramesPerSecond = SimulatedHardware.FramesPerSecond,
                        Seed = simulation?.Seed ?? 1,
                        Pacing = simulation is { LosslessFrames: true } ? SimulatedPacing.RealTimeLossless : SimulatedPacing.RealTime,
                    },
                    time);
            case VideoSourceKind.V4l2Bridge or VideoSourceKind.V4l2Dongle:
                return new V4l2CaptureSource(
                    new V4l2CaptureOptions
                    {
                        DevicePath = configuration.VideoDevice,
                        Kind = configuration.VideoSource == VideoSourceKind.V4l2Bridge ? V4l2CaptureKind.Tc358743Bridge : V4l2CaptureKind.UsbMjpegDongle,
                        Width = configuration.VideoWidth,
                        Height = configuration.VideoHeight,
                    },
                    time,
                    loggerFactory.CreateLogger<V4l2CaptureSource>());
            case VideoSourceKind.File:
                try
                {
                    // Real-time pacing: frames are stamped start + i / fps, so they must arrive then for the gate to judge them.
                    return new ImageFileSource(configuration.VideoFile!, new ImageFileSourceOptions { FramesPerSecond = configuration.VideoFramesPerSecond, Pacing = SimulatedPacing.RealTime }, time);
                }
                catch (FileNotFoundException exception)
                {
                    throw new ApplianceConfigurationException("videoFile", exception.Message);
                }

            default:
                return null;
        }
    }

    /// <summary>The screen described in segment headers: nominal (every frame record carries its own size).</summary>
    public static ScreenDescription NominalScreen(ApplianceConfiguration configuration) => configuration.VideoSource switch
    {
        VideoSourceKind.Simulated => new ScreenDescription(DesktopActivityScript.ScreenWidth, DesktopActivityScript.ScreenHeight, "jpeg"),
        VideoSourceKind.V4l2Dongle => new ScreenDescription(configuration.VideoWidth, configuration.VideoHeight, "jpeg"),
        _ => new ScreenDescription(1920, 1080, "jpeg"),
    };
}
