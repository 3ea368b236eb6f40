using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeCapture.Transport.Tests;

/// <summary>TLS with client certificates, with a CA and certificates the test makes, against the embedded broker's TLS endpoint.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task The_box_uploads_over_tls_with_its_client_certificate_and_refuses_a_broker_its_ca_did_not_sign()
    {
        string directory = Path.Combine(Path.GetTempPath(), "edgecapture-tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            using TestPki pki = TestPki.Create(directory, UploadRig.DeviceId);
            await using EmbeddedBroker broker = await EmbeddedBroker.StartAsync(serverCertificate: pki.ServerCertificate, clientCa: pki.Ca);

            // The box trusts only its CA file and presents its certificate.
            var options = new MqttConnectionOptions
            {
                BrokerUri = broker.Uri,
                DeviceId = UploadRig.DeviceId,
                Tls = new TlsFiles(pki.CaPath, pki.ClientCertificatePath, pki.ClientKeyPath),
                MinimumReconnectDelay = TimeSpan.FromMilliseconds(50),
                MaximumReconnectDelay = TimeSpan.FromMilliseconds(200),
            };
            await using var connection = new BoxMqttConnection(options, TimeProvider.System, new RecordingLogger<BoxMqttConnection>());
            using var stop = new CancellationTokenSource();
            Task running = connection.RunAsync(stop.Token);
            ConnectionFacts facts = await connection.WaitForConnectionAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(1, facts.Generation);
            Assert.Contains(broker.ClientCertificateSubjects, subject => subject.Contains("CN=" + UploadRig.DeviceId, StringComparison.Ordinal));
            PublishOutcome outcome = await connection.PublishAsync(new OutgoingMessage("edgecapture/v1/" + UploadRig.DeviceId + "/up/part", new byte[] { 1 }), CancellationToken.None);
            Assert.True(outcome.IsDelivered, outcome.Detail);
            await stop.CancelAsync();
            await running;

            // A box provisioned with another CA never connects to this broker.
            using TestPki other = TestPki.Create(Path.Combine(directory, "other"), UploadRig.DeviceId);
            var logger = new RecordingLogger<BoxMqttConnection>();
            await using var refused = new BoxMqttConnection(new MqttConnectionOptions
            {
                BrokerUri = broker.Uri,
                DeviceId = UploadRig.DeviceId,
                Tls = new TlsFiles(other.CaPath, other.ClientCertificatePath, other.ClientKeyPath),
                MinimumReconnectDelay = TimeSpan.FromMilliseconds(50),
                MaximumReconnectDelay = TimeSpan.FromMilliseconds(200),
            }, TimeProvider.System, logger);
            using var stopRefused = new CancellationTokenSource();
            Task refusedRunning = refused.RunAsync(stopRefused.Token);
            await Eventually.HoldsAsync(() => logger.Entries.Count(entry => entry.EventId.Id == 1002) >= 2, "two refused connection attempts");
            Assert.Null(refused.Current);
            await stopRefused.CancelAsync();
            await refusedRunning;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>A CA, a broker certificate for 127.0.0.1 and a client certificate for the device, as PEM files and objects.</summary>
internal sealed class TestPki : IDisposable
{
    private TestPki(X509Certificate2 ca, X509Certificate2 server, string directory)
    {
        Ca = ca;
        ServerCertificate = server;
        CaPath = Path.Combine(directory, "ca.pem");
        ClientCertificatePath = Path.Combine(directory, "client.pem");
        ClientKeyPath = Path.Combine(directory, "client.key");
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 ServerCertificate { get; }

    public string CaPath { get; }

    public string ClientCertificatePath { get; }

    public string ClientKeyPath { get; }

    public static TestPki Create(string directory, string deviceId)
    {
        Directory.CreateDirectory(directory);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=EdgeCapture Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        X509Certificate2 server = Issue(ca, "CN=127.0.0.1", "1.3.6.1.5.5.7.3.1", san => san.AddIpAddress(System.Net.IPAddress.Loopback), out _);
        using X509Certificate2 client = Issue(ca, "CN=" + deviceId, "1.3.6.1.5.5.7.3.2", _ => { }, out ECDsa clientKey);
        using (clientKey)
        {
            var pki = new TestPki(ca, server, directory);
            File.WriteAllText(pki.CaPath, ca.ExportCertificatePem());
            File.WriteAllText(pki.ClientCertificatePath, client.ExportCertificatePem());
            File.WriteAllText(pki.ClientKeyPath, clientKey.ExportPkcs8PrivateKeyPem());
            File.SetUnixFileMode(pki.ClientKeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return pki;
        }
    }

    public void Dispose()
    {
        Ca.Dispose();
        ServerCertificate.Dispose();
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, string usage, Action<SubjectAlternativeNameBuilder> names, out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 issued = request.Create(ca, now.AddHours(-1), now.AddHours(12), RandomNumberGenerator.GetBytes(12));
        using X509Certificate2 withKey = issued.CopyWithPrivateKey(key);
        // A PKCS#12 round trip gives SslStream a certificate whose key it can use as a server on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
