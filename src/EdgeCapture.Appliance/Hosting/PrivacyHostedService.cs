using Microsoft.Extensions.Hosting;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// The privacy hardware: switch, recording indicator, forget button. Started before anything that records (fail closed:
/// private until the switch is read) and stopped after it: the gate shuts, then the indicator goes dark, so "dark"
/// always means "nothing is being recorded".
/// </summary>
internal sealed class PrivacyHostedService(ApplianceParts parts) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        parts.Privacy = parts.Hardware.StartPrivacy(parts.Configuration, parts.PrivacyOptions, parts.Clock, parts.LoggerFactory);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        parts.Privacy?.Dispose();
        return Task.CompletedTask;
    }
}
