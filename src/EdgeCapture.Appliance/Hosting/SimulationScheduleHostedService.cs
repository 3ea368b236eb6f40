using Microsoft.Extensions.Hosting;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>The run's scheduled switch flips and forget presses (simulated hardware; none on devices).</summary>
internal sealed class SimulationScheduleHostedService(ApplianceParts parts) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _schedule = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _schedule = parts.Hardware.RunScheduleAsync(parts.Privacy!, window => parts.Recorder!.RequestForget(window), parts.PrivacyOptions.ForgetWindow, parts.Report, _stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _schedule.ConfigureAwait(false);
    }

    public void Dispose() => _stop.Dispose();
}
