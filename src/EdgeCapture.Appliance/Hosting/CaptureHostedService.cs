using EdgeCapture.Video;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// Screen capture (without a video source: nothing): the frame source and the capture stage, whose frames pass the frame
/// gate (the privacy timeline, with the fleet's remote stop ANDed in; no configuration reaches it). A source that fails
/// is reopened by the stage after its restart delay. Stopped after the recorder, which takes its last frames first.
/// </summary>
internal sealed class CaptureHostedService(ApplianceParts parts, ApplianceFaultInjection faults) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private IFrameSource? _source;
    private Task _running = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        IFrameSource? source = parts.Hardware.CreateFrameSource(parts.Configuration, parts.Time, parts.LoggerFactory);
        if (source is null)
        {
            return Task.CompletedTask;
        }

        _source = source;
        source = faults.FrameSource?.Invoke(source) ?? source;
        var options = new CaptureStageOptions
        {
            Encoding = new JpegEncodingOptions { Quality = parts.Configuration.VideoJpegQuality, DownscaleFactor = parts.Configuration.VideoDownscale },
        };
        // The fleet's remote stop is ANDed in (FrameGate's restriction seam): it can only refuse what the switch allows.
        // The frame gate judges each frame's whole capture-latency window [t - allowance, t] (CaptureLatencyAllowance per source).
        var capture = new CaptureStage(source, CaptureLatencyAllowance.FrameGateFor(parts.Privacy!, parts.Configuration.VideoSource, parts.Fleet is null ? null : parts.Fleet.FramePermission), options, parts.Time, parts.LoggerFactory.CreateLogger<CaptureStage>());
        parts.Capture = capture;
        _running = Task.Run(() => capture.RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        parts.Capture?.Dispose();
        (_source as IDisposable)?.Dispose();
    }

    public void Dispose() => _stop.Dispose();
}
