using System.Security.Cryptography.X509Certificates;
using EdgeCapture.Protocol;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCapture.Transport;

/// <summary>
/// MQTTnet client options for one connection attempt: MQTT 5, clean start with no session (every connect subscribes
/// again and nothing waits in a broker session; answers lost while offline are asked for again by a new commit),
/// TLS with the configured CA as the only root and the box's client certificate, and the signed death as a retained Will.
/// Certificates are read again on every attempt, so renewed files are picked up without a restart.
/// </summary>
internal static class MqttClientOptionsFactory
{
    internal static MqttClientOptions Create(MqttConnectionOptions connection, long sequence, DateTimeOffset now)
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer(connection.BrokerUri.Host, connection.Port)
            .WithClientId(connection.DeviceId)
            .WithCleanStart(true)
            .WithSessionExpiryInterval(0)
            .WithKeepAlivePeriod(connection.KeepAlive)
            .WithTimeout(connection.ConnectTimeout);
        if (connection.UserName is not null)
        {
            builder = builder.WithCredentials(connection.UserName, connection.Password);
        }

        if (connection.Tls is { } tls)
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPemFile(tls.CaCertificatePath);
            var clientCertificates = new X509Certificate2Collection();
            if (tls.ClientCertificatePath is not null && tls.ClientKeyPath is not null)
            {
                clientCertificates.Add(X509Certificate2.CreateFromPemFile(tls.ClientCertificatePath, tls.ClientKeyPath));
            }

            builder = builder.WithTlsOptions(tlsOptions =>
            {
                tlsOptions.UseTls()
                    .WithTrustChain(trusted)
                    .WithTargetHost(connection.BrokerUri.Host)
                    // An on-prem CA rarely publishes revocation lists; trust is the CA file itself.
                    .WithRevocationMode(X509RevocationMode.NoCheck);
                if (clientCertificates.Count > 0)
                {
                    tlsOptions.WithClientCertificates(clientCertificates);
                }
            });
        }

        if (connection.Presence is { } presence)
        {
            byte[] death = PresenceCodec.Encode(new PresenceMessage(connection.DeviceId, false, sequence, now, ReadOnlyMemory<byte>.Empty), presence.DeviceKey);
            builder = builder
                .WithWillTopic(UploadTopics.Presence(connection.DeviceId))
                .WithWillPayload(death)
                .WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return builder.Build();
    }
}
