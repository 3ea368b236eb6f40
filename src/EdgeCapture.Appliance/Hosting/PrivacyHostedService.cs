using Microsoft.Extensions.Hosting;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// The privacy hardware: switch, recording indicator, forget button. Started before anything that records (fail closed:
/// private until the switch is read) and stopped after it: the gate shuts, then the indicator goes dark, so "dark"
/// always means "nothing is being recorded". Once the button is released too, the presses that came in after the
/// recorder stopped (while capture, upload and storage stopped) are carried out: the outbox is still open then.
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

        // The recorder part carried out what was queued when it stopped; a press after that would wait here for ever.
        QueuedForgetPresses.CarryOut(parts);
        return Task.CompletedTask;
    }
}
