using EdgeCapture.Collector.Broker;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.View;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector;

/// <summary>
/// The collector's fleet view as one component with a start and a stop: a <see cref="FleetObserver"/> on its own connection to
/// the collector's broker (same host, credentials and TLS as the ingest; its own client id), folding every box's signed presence
/// (births with the fleet details, deaths by <c>bdSeq</c>), status, reported configuration and audit into the durable
/// <see cref="FleetViewStore"/> at <see cref="CollectorOptions.FleetViewPath"/>. Presence is believed only when signed by the
/// device's enrolled key. It only reads the broker: it publishes nothing.
/// </summary>
public sealed class CollectorFleetView : IAsyncDisposable
{
    private readonly FleetViewStore _store;
    private readonly MqttFleetLink _link;

    private CollectorFleetView(FleetViewStore store, FleetObserver observer, MqttFleetLink link)
    {
        _store = store;
        Observer = observer;
        _link = link;
    }

    /// <summary>The live observer (its view and counters).</summary>
    public FleetObserver Observer { get; }

    /// <summary>Whether its connection is up.</summary>
    public bool IsConnected => _link.IsConnected;

    /// <summary>Opens the store and starts observing.</summary>
    /// <param name="path">The fleet view file.</param>
    /// <param name="broker">The broker, as the ingest connects to it.</param>
    /// <param name="enrolledKey">The enrolled key of a device (the index), or null to trust a birth's own key.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running view (connecting in the background).</returns>
    public static async Task<CollectorFleetView> StartAsync(string path, BrokerConnectionOptions broker, Func<string, DevicePublicKey?>? enrolledKey, TimeProvider time, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        FleetViewStore store = FleetViewStore.Open(path);
        try
        {
            var observer = new FleetObserver(store, time, enrolledKey);
            var link = new MqttFleetLink(
                new MqttFleetLinkOptions
                {
                    Host = broker.Host,
                    Port = broker.Port,
                    ClientId = broker.ClientId + "-fleet",
                    UserName = broker.UserName,
                    Password = broker.Password,
                    UseTls = broker.UseTls,
                    CertificateAuthority = broker.CertificateAuthority,
                    ClientCertificate = broker.ClientCertificate,
                },
                loggerFactory.CreateLogger<MqttFleetLink>());
            await link.StartAsync(observer.Session(), cancellationToken).ConfigureAwait(false);
            return new CollectorFleetView(store, observer, link);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Stops observing and closes the store.</summary>
    /// <returns>Completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _link.DisposeAsync().ConfigureAwait(false);
        _store.Dispose();
    }
}
