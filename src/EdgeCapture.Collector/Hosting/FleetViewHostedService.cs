using Microsoft.Extensions.Hosting;

namespace EdgeCapture.Collector.Hosting;

/// <summary>The fleet view: last birth and status per device and the audit, kept for <c>edgecapture fleet</c>.</summary>
internal sealed class FleetViewHostedService(CollectorParts parts) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) =>
        parts.FleetView = await CollectorFleetView.StartAsync(parts.Options.Store.FleetViewPath, parts.Connection!, parts.Store!.Index.FindDeviceKey, parts.Time, parts.LoggerFactory, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (parts.FleetView is { } view)
        {
            await view.DisposeAsync().ConfigureAwait(false);
        }
    }
}
