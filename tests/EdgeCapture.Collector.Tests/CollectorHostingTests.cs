using EdgeCapture.Collector.Broker;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Collector.Tests;

/// <summary>
/// The collector hosted as the appliance is: its parts start in order (store, broker, ingest, fleet view, retention),
/// systemd hears READY=1 only once all of them run and STOPPING=1 when the stop begins, and a part that cannot start
/// stops the ones before it and leaves nothing running.
/// </summary>
public sealed class CollectorHostingTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-collector-hosting-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Ready_comes_once_every_part_runs_and_stopping_when_it_stops()
    {
        var notifier = new RecordingNotifier();
        var store = new CollectorOptions { StoreDirectory = Path.Combine(_directory.FullName, "store") };
        CollectorService collector = await CollectorService.StartAsync(
            new CollectorServiceOptions { Store = store, EmbeddedBroker = new EmbeddedBrokerOptions { Port = MosquittoBroker.FreePort() } },
            NullLoggerFactory.Instance, TimeProvider.System, onHandled: null, notifier);

        Assert.Equal(["READY=1\nSTATUS=collecting"], notifier.States);
        Assert.True(collector.IsConnected);
        Assert.NotNull(collector.Broker);
        Assert.True(File.Exists(store.FleetViewPath));
        Assert.NotNull(collector.Sweeper);

        await collector.DisposeAsync();
        Assert.Equal(["READY=1\nSTATUS=collecting", "STOPPING=1"], notifier.States);

        // Everything was released: the same store and port open again at once.
        await using CollectorService again = await CollectorService.StartAsync(
            new CollectorServiceOptions { Store = store, EmbeddedBroker = new EmbeddedBrokerOptions { Port = MosquittoBroker.FreePort() } },
            NullLoggerFactory.Instance, TimeProvider.System);
        Assert.Equal(collector.PublicKey, again.PublicKey);
    }

    [Fact]
    public async Task A_broker_that_cannot_start_is_reported_and_nothing_is_said_ready()
    {
        var notifier = new RecordingNotifier();
        using var occupied = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupied.Start();
        int port = ((System.Net.IPEndPoint)occupied.LocalEndpoint).Port;
        var store = new CollectorOptions { StoreDirectory = Path.Combine(_directory.FullName, "store") };

        await Assert.ThrowsAnyAsync<Exception>(() => CollectorService.StartAsync(
            new CollectorServiceOptions { Store = store, EmbeddedBroker = new EmbeddedBrokerOptions { Port = port } },
            NullLoggerFactory.Instance, TimeProvider.System, onHandled: null, notifier));

        Assert.DoesNotContain(notifier.States, state => state.StartsWith("READY=1", StringComparison.Ordinal));

        // The store was closed again: it opens.
        occupied.Stop();
        await using CollectorService collector = await CollectorService.StartAsync(
            new CollectorServiceOptions { Store = store, EmbeddedBroker = new EmbeddedBrokerOptions { Port = port } },
            NullLoggerFactory.Instance, TimeProvider.System);
        Assert.True(collector.IsConnected);
    }

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        public List<string> States { get; } = [];

        public bool IsEnabled => true;

        public void Notify(ServiceState state) => States.Add(state.ToString());
    }
}
