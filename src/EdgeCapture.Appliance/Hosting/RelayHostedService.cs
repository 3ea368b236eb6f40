using Microsoft.Extensions.Hosting;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// The relay: started first and stopped last, so that typing works from the first moment to the last and nothing that
/// starts or stops around it (recording, upload, fleet) can hold it up. On stop every held key is released and the
/// all-released reports go to the host.
/// </summary>
internal sealed class RelayHostedService(ApplianceParts parts) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            parts.Relay = parts.Hardware.StartRelay(parts.Configuration, parts.Tap, parts.Time, parts.LoggerFactory, parts.Report);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ApplianceStartException(exception.Message, exception) { Component = "relay" };
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (parts.Relay is { } relay)
        {
            parts.SimulatedRelayResult = await relay.StopAsync().ConfigureAwait(false);
            (relay as IDisposable)?.Dispose();
        }

        // Nothing is offered any more: the tap's reader (the recorder side, stopped already) may complete.
        parts.Tap.Complete();
    }
}
