using EdgeCapture.Collector.Broker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector.Hosting;

/// <summary>The embedded MQTT broker, unless an external one (Mosquitto, a cluster) is configured; either way it says how the collector's own clients reach it.</summary>
internal sealed class BrokerHostedService(CollectorParts parts) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        CollectorServiceOptions options = parts.Options;
        if (options.ExternalBroker is { } external)
        {
            parts.Connection = external;
            return;
        }

        EmbeddedBroker broker = await EmbeddedBroker.StartAsync(options.EmbeddedBroker, parts.LoggerFactory.CreateLogger<EmbeddedBroker>()).ConfigureAwait(false);
        parts.Broker = broker;
        parts.Connection = new BrokerConnectionOptions
        {
            Host = broker.UsesTls || options.EmbeddedBroker.Address.Equals(System.Net.IPAddress.Any) ? "127.0.0.1" : options.EmbeddedBroker.Address.ToString(),
            Port = broker.CollectorPort,
            UserName = EmbeddedBroker.CollectorUserName,
            Password = broker.CollectorSecret,
        };
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (parts.Broker is { } broker)
        {
            await broker.DisposeAsync().ConfigureAwait(false);
        }
    }
}
