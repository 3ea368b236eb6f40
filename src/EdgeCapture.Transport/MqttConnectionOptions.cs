using EdgeCapture.Protocol;

namespace EdgeCapture.Transport;

/// <summary>How the box reaches its broker. One connection per box carries uploads, presence and fleet traffic.</summary>
public sealed class MqttConnectionOptions
{
    /// <summary>The broker: <c>mqtt://host:port</c> (plain TCP, port 1883 by default) or <c>mqtts://host:port</c> (TLS, port 8883 by default).</summary>
    public required Uri BrokerUri { get; init; }

    /// <summary>The device id: the MQTT client id, and the level after <c>edgecapture/v1/</c> in every topic.</summary>
    public required string DeviceId { get; init; }

    /// <summary>User name, when the broker authenticates by password (with client certificates the broker takes the certificate's name).</summary>
    public string? UserName { get; init; }

    /// <summary>Password for <see cref="UserName"/>. Kept in memory only as long as the connection.</summary>
    public string? Password { get; init; }

    /// <summary>TLS material; required for <c>mqtts://</c>.</summary>
    public TlsFiles? Tls { get; init; }

    /// <summary>MQTT keep-alive sent to the broker. Default 15 s.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the connection loop pings to find out that the link is gone. Default 5 s.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of one connect or ping attempt. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Smallest delay before a reconnect attempt. Default 1 s.</summary>
    public TimeSpan MinimumReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest delay between reconnect attempts (the exponential backoff's cap). Default 60 s.</summary>
    public TimeSpan MaximumReconnectDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Presence (birth, Will); null publishes none.</summary>
    public PresenceOptions? Presence { get; init; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range or inconsistent.</exception>
    public void Validate()
    {
        if (!DeviceIdentifier.IsValid(DeviceId))
        {
            throw new ArgumentException("The device id is not a valid topic level.", nameof(DeviceId));
        }

        if (!BrokerUri.IsAbsoluteUri || BrokerUri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(BrokerUri.Host))
        {
            throw new ArgumentException("The broker URI must be mqtt://host[:port] or mqtts://host[:port].", nameof(BrokerUri));
        }

        if ((BrokerUri.Scheme == "mqtts") != (Tls is not null))
        {
            throw new ArgumentException("mqtts:// needs TLS files, and TLS files need mqtts://.", nameof(Tls));
        }

        if (KeepAlive <= TimeSpan.Zero || PingInterval <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero
            || MinimumReconnectDelay <= TimeSpan.Zero || MaximumReconnectDelay < MinimumReconnectDelay)
        {
            throw new ArgumentException("Keep-alive, ping interval, timeouts and reconnect delays must be positive (maximum delay not below the minimum).");
        }
    }

    /// <summary>The broker's port, with the scheme's default.</summary>
    internal int Port => BrokerUri.IsDefaultPort || BrokerUri.Port <= 0 ? (BrokerUri.Scheme == "mqtts" ? 8883 : 1883) : BrokerUri.Port;
}

/// <summary>PEM files for TLS: the CA that signed the broker's certificate, and optionally the box's client certificate and key.</summary>
/// <param name="CaCertificatePath">PEM file with the CA certificate(s) the broker's certificate must chain to (the only roots trusted).</param>
/// <param name="ClientCertificatePath">PEM file with the box's client certificate, or null for server-only TLS.</param>
/// <param name="ClientKeyPath">PEM file with the client certificate's private key (mode 0600), or null.</param>
public sealed record TlsFiles(string CaCertificatePath, string? ClientCertificatePath, string? ClientKeyPath);

/// <summary>What the connection says about the box's presence.</summary>
public sealed class PresenceOptions
{
    /// <summary>The device key that signs birth and death.</summary>
    public required IMessageSigner DeviceKey { get; init; }

    /// <summary>Where bdSeq survives restarts.</summary>
    public required IPresenceSequence Sequence { get; init; }

    /// <summary>The fleet layer's birth details, asked for on every connect; null for none.</summary>
    public Func<ReadOnlyMemory<byte>>? BirthDetails { get; init; }
}
