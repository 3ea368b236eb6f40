using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Server;

namespace EdgeCapture.Transport.Tests;

/// <summary>
/// The embedded MQTTnet broker on a free loopback port. It can announce a Maximum Packet Size in CONNACK (MQTTnet's
/// own broker announces none, so the test rewrites the outgoing CONNACK), records the exact size of every PUBLISH it
/// receives, and can be stopped and started again on the same port.
/// </summary>
internal sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly uint _announcedMaximumPacketSize;
    private readonly X509Certificate2? _serverCertificate;
    private readonly X509Certificate2? _clientCa;
    private MqttServer? _server;

    private EmbeddedBroker(int port, uint announcedMaximumPacketSize, X509Certificate2? serverCertificate, X509Certificate2? clientCa)
    {
        Port = port;
        _announcedMaximumPacketSize = announcedMaximumPacketSize;
        _serverCertificate = serverCertificate;
        _clientCa = clientCa;
    }

    public int Port { get; }

    public Uri Uri => new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{(_serverCertificate is null ? "mqtt" : "mqtts")}://127.0.0.1:{Port}"));

    /// <summary>(topic, exact PUBLISH packet size) of every publish received, in order.</summary>
    public ConcurrentQueue<(string Topic, long PacketSize)> Publishes { get; } = new();

    public ConcurrentQueue<string> ClientCertificateSubjects { get; } = new();

    public MqttServer Server => _server ?? throw new InvalidOperationException("The broker is stopped.");

    public static async Task<EmbeddedBroker> StartAsync(uint announcedMaximumPacketSize = 0, X509Certificate2? serverCertificate = null, X509Certificate2? clientCa = null)
    {
        var broker = new EmbeddedBroker(FreePort(), announcedMaximumPacketSize, serverCertificate, clientCa);
        await broker.StartAgainAsync();
        return broker;
    }

    public async Task StartAgainAsync()
    {
        var factory = new MqttServerFactory();
        MqttServerOptionsBuilder builder = factory.CreateServerOptionsBuilder();
        if (_serverCertificate is null)
        {
            builder = builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(Port).WithDefaultEndpointReuseAddress();
        }
        else
        {
            builder = builder.WithoutDefaultEndpoint().WithEncryptedEndpoint().WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
                .WithEncryptedEndpointPort(Port).WithTlsEndpointReuseAddress().WithEncryptionCertificate(_serverCertificate)
                .WithClientCertificate((_, certificate, _, _) => ValidateClient(certificate));
        }

        MqttServer server = factory.CreateMqttServer(builder.Build());
        server.InterceptingOutboundPacketAsync += arguments =>
        {
            if (arguments.Packet is MqttConnAckPacket connAck && _announcedMaximumPacketSize > 0)
            {
                connAck.MaximumPacketSize = _announcedMaximumPacketSize;
            }

            return Task.CompletedTask;
        };
        server.InterceptingInboundPacketAsync += arguments =>
        {
            if (arguments.Packet is MqttPublishPacket publish)
            {
                var formatter = new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65536));
                Publishes.Enqueue((publish.Topic, formatter.Encode(publish).Length));
            }

            return Task.CompletedTask;
        };
        server.ValidatingConnectionAsync += arguments =>
        {
            if (arguments.ClientCertificate is { } certificate)
            {
                ClientCertificateSubjects.Enqueue(certificate.Subject);
            }

            return Task.CompletedTask;
        };
        await server.StartAsync();
        _server = server;
    }

    public async Task StopAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync(new MqttServerStopOptions());
            server.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private bool ValidateClient(System.Security.Cryptography.X509Certificates.X509Certificate? certificate)
    {
        if (certificate is null || _clientCa is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_clientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
