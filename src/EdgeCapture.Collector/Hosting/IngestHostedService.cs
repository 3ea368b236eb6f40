using EdgeCapture.Collector.Broker;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector.Hosting;

/// <summary>
/// The ingest: subscribed to every box's uploads, stores each segment once and answers it signed. With the embedded
/// broker it must be connected before the collector counts as started; an external broker may still be on its way.
/// </summary>
internal sealed class IngestHostedService(CollectorParts parts) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var ingest = new SegmentIngest(parts.Store!, new SigningKeyMessageSigner(parts.Key!), parts.Time, parts.LoggerFactory.CreateLogger<SegmentIngest>());
        var connection = new CollectorMqttConnection(parts.Connection!, ingest, parts.LoggerFactory.CreateLogger<CollectorMqttConnection>(), parts.OnHandled);
        parts.Ingest = connection;
        connection.Start();
        if (parts.Broker is not null && !await connection.WaitConnectedAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false))
        {
            throw new IOException("The collector could not connect to its own embedded broker.");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (parts.Ingest is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
