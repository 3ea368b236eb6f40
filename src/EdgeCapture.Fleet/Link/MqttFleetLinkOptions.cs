using System.Security.Cryptography.X509Certificates;

namespace EdgeCapture.Fleet.Link;

/// <summary>Where and how <see cref="MqttFleetLink"/> connects.</summary>
public sealed record MqttFleetLinkOptions
{
    /// <summary>Broker host.</summary>
    public required string Host { get; init; }

    /// <summary>Broker port.</summary>
    public int Port { get; init; } = 1883;

    /// <summary>The MQTT client id (the device id on a box).</summary>
    public required string ClientId { get; init; }

    /// <summary>Keep-alive; the broker declares the box dead (sends the Will) after 1.5 of these without traffic.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>First reconnect delay; doubles up to <see cref="MaximumReconnectDelay"/>, with jitter.</summary>
    public TimeSpan MinimumReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest reconnect delay.</summary>
    public TimeSpan MaximumReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages waiting for the single sender; a full queue makes publishers wait.</summary>
    public int SendQueueCapacity { get; init; } = 1024;

    /// <summary>Optional: user name for the broker.</summary>
    public string? UserName { get; init; }

    /// <summary>Optional: password for the broker.</summary>
    public string? Password { get; init; }

    /// <summary>Connect with TLS (the same options as the upload and ingest connections).</summary>
    public bool UseTls { get; init; }

    /// <summary>With TLS: the only certificate authority the broker's certificate may chain to (null: the system's roots).</summary>
    public X509Certificate2? CertificateAuthority { get; init; }

    /// <summary>With TLS: the client certificate (with its private key) the broker identifies this client by, or null.</summary>
    public X509Certificate2? ClientCertificate { get; init; }
}
