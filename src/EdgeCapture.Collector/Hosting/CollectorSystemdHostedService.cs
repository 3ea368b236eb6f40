using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeCapture.Collector.Hosting;

/// <summary>Tells systemd (NOTIFY_SOCKET, <c>Type=notify</c>) READY=1 once every part has started, and STOPPING=1 when the stop begins.</summary>
internal sealed class CollectorSystemdHostedService(ISystemdNotifier notifier) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (notifier.IsEnabled)
        {
            notifier.Notify(new ServiceState("READY=1\nSTATUS=collecting"));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (notifier.IsEnabled)
        {
            notifier.Notify(ServiceState.Stopping);
        }

        return Task.CompletedTask;
    }
}
