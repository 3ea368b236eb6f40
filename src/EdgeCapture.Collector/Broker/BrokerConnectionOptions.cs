using System.Security.Cryptography.X509Certificates;

namespace EdgeCapture.Collector.Broker;

/// <summary>How the collector reaches an external broker (Mosquitto, EMQX, VerneMQ), or its own embedded one.</summary>
public sealed class BrokerConnectionOptions
{
    /// <summary>Broker host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>Broker port.</summary>
    public required int Port { get; init; }

    /// <summary>Connect over TLS.</summary>
    public bool UseTls { get; init; }

    /// <summary>The CA that issued the broker's certificate (TLS); null trusts the system store.</summary>
    public X509Certificate2? CertificateAuthority { get; init; }

    /// <summary>The collector's client certificate with its key (TLS, when the broker asks for one); its CN is the collector's identity in the ACL.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>MQTT user name, if the broker uses passwords for the collector.</summary>
    public string? UserName { get; init; }

    /// <summary>MQTT password.</summary>
    public string? Password { get; init; }

    /// <summary>MQTT client id; each collector instance needs its own (default: edgecapture-collector-HOST-PID).</summary>
    public string ClientId { get; init; } = $"edgecapture-collector-{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>
    /// With a group name, subscriptions are shared (<c>$share/GROUP/…</c>) so several collector instances split the uploads
    /// between them (Mosquitto, EMQX, VerneMQ; not the embedded broker). Null: every message to this instance.
    /// </summary>
    public string? SharedSubscriptionGroup { get; init; }

    /// <summary>Messages received but not yet handled, at most (the broker waits when full; default 64).</summary>
    public int ReceiveQueueCapacity { get; init; } = 64;

    /// <summary>Longest wait between reconnect attempts (the wait doubles from 100 ms, with jitter).</summary>
    public TimeSpan MaximumReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);
}
