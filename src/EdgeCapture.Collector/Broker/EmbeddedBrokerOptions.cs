using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace EdgeCapture.Collector.Broker;

/// <summary>
/// The embedded MQTTnet broker: where it listens and how devices prove who they are. With a server certificate and
/// <see cref="ClientCertificateAuthority"/>, a device is the common name of its client certificate (as Mosquitto's
/// <c>use_identity_as_username</c>); without TLS, the MQTT user name is taken as the device id, which is for a lab or the demo only.
/// </summary>
public sealed class EmbeddedBrokerOptions
{
    /// <summary>Address to listen on (default loopback; a deployment sets the office-facing address).</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>TCP port (default 1883 plain, 8883 with TLS).</summary>
    public int? Port { get; init; }

    /// <summary>The broker's TLS certificate with its private key; null for plain TCP.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>The CA that issues device certificates; with TLS, a device must present a certificate it signed.</summary>
    public X509Certificate2? ClientCertificateAuthority { get; init; }

    /// <summary>
    /// The operator role's password, or null: a client with user name <see cref="EmbeddedBroker.OperatorUserName"/> and this
    /// password is the operator role (needed on plain TCP; over TLS an operator's client certificate with that common name suffices).
    /// </summary>
    public string? OperatorPassword { get; init; }

    /// <summary>Messages queued per client before the broker drops the oldest (MQTTnet drops silently; the box resends what is not confirmed).</summary>
    public int MaximumPendingMessagesPerClient { get; init; } = 10_000;

    /// <summary>The port actually used.</summary>
    public int EffectivePort => Port ?? (ServerCertificate is null ? 1883 : 8883);
}
