using EdgeCapture.Collector.Broker;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Crypto;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector.Hosting;

/// <summary>The parts of one running collector, each set by the hosted service that owns it when that service starts.</summary>
internal sealed class CollectorParts(CollectorServiceOptions options, ILoggerFactory loggerFactory, TimeProvider time, Action<IngestResult>? onHandled)
{
    public CollectorServiceOptions Options { get; } = options;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    public TimeProvider Time { get; } = time;

    public Action<IngestResult>? OnHandled { get; } = onHandled;

    public CollectorStore? Store { get; set; }

    public DeviceSigningKey? Key { get; set; }

    public EmbeddedBroker? Broker { get; set; }

    /// <summary>How the collector's own clients (ingest, fleet view) reach the broker: the embedded one or the external one.</summary>
    public BrokerConnectionOptions? Connection { get; set; }

    public CollectorMqttConnection? Ingest { get; set; }

    public CollectorFleetView? FleetView { get; set; }

    public RetentionSweeper? Sweeper { get; set; }
}
