using EdgeCapture.Collector.Broker;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Protocol.Fleet;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Collector.Tests;

/// <summary><c>collector run</c> hosts the fleet view; the fleet link speaks TLS with client certificates like the upload.</summary>
public sealed class FleetViewHostingTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-collector-fleet-");
    private readonly TestCertificates _certificates = new();

    public void Dispose()
    {
        _certificates.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_box_status_over_a_tls_fleet_link_reaches_the_collectors_fleet_view_file_and_an_untrusted_broker_is_refused()
    {
        int port = MosquittoBroker.FreePort();
        var store = new CollectorOptions { StoreDirectory = Path.Combine(_directory.FullName, "store") };
        await using CollectorService collector = await CollectorService.StartAsync(new CollectorServiceOptions
        {
            Store = store,
            EmbeddedBroker = new EmbeddedBrokerOptions { Port = port, ServerCertificate = _certificates.Server, ClientCertificateAuthority = _certificates.Authority },
        }, NullLoggerFactory.Instance, TimeProvider.System);
        Assert.True(File.Exists(store.FleetViewPath));
        await WaitUntilAsync(() => collector.FleetView.IsConnected, "the fleet view is connected");

        var status = new FleetStatus("tls-box", 1, 1, DateTimeOffset.UtcNow, FleetPrivacyStates.Private, false, false, new FleetRelayCounters(1, 0, 0), new FleetCaptureState(false, "none", 0), new FleetOutboxBacklog(0, 0), 1, 1, null);
        FleetOutgoingMessage message = new(FleetTopics.Status("tls-box"), FleetJsonMessages.Encode(status), Retain: true);
        await using (MqttFleetLink link = Link(port, trustAuthority: true))
        {
            await link.StartAsync(new FleetLinkSession { Subscriptions = [], NextWill = () => null, OnConnected = () => [message], OnMessage = _ => { } }, CancellationToken.None);
            await WaitUntilAsync(() => collector.FleetView.Observer.View.Device("tls-box")?.Status is { Privacy: FleetPrivacyStates.Private }, "the status is in the collector's view");
        }

        // The system's roots do not know the test authority: the link must not connect (no silent fallback to trusting anything).
        await using (MqttFleetLink untrusted = Link(port, trustAuthority: false))
        {
            await untrusted.StartAsync(new FleetLinkSession { Subscriptions = [], NextWill = () => null, OnConnected = () => [], OnMessage = _ => { } }, CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(untrusted.IsConnected);
        }
    }

    private MqttFleetLink Link(int port, bool trustAuthority) => new(
        new MqttFleetLinkOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ClientId = "tls-box",
            UseTls = true,
            CertificateAuthority = trustAuthority ? _certificates.Authority : null,
            ClientCertificate = _certificates.Issue("tls-box"),
        },
        NullLogger<MqttFleetLink>.Instance);

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting until " + what);
            await Task.Delay(50);
        }
    }
}
