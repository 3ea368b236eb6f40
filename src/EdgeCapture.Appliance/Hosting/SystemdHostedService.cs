using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// Tells systemd (when the service runs under it: NOTIFY_SOCKET) that the appliance is ready once the relay runs, feeds
/// the watchdog from the relay's loops (<see cref="RelayWatchdog"/>), and says STOPPING=1 when the stop begins.
/// </summary>
internal sealed class SystemdHostedService(ApplianceParts parts, ISystemdNotifier notifier) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    /// <summary>The watchdog, once started.</summary>
    public RelayWatchdog? Watchdog { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!notifier.IsEnabled || parts.Relay is not { } relay)
        {
            return Task.CompletedTask;
        }

        Watchdog = new RelayWatchdog(relay, notifier, RelayWatchdog.IntervalFromEnvironment(), parts.Time, parts.LoggerFactory.CreateLogger<RelayWatchdog>());
        RelayWatchdog watchdog = Watchdog;
        _running = Task.Run(() => watchdog.RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (notifier.IsEnabled)
        {
            notifier.Notify(ServiceState.Stopping);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
    }

    public void Dispose() => _stop.Dispose();
}
