using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Broker;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture collector run</c>: the whole on-prem side in one process. By default it starts the embedded MQTT broker
/// (plain TCP on loopback for a lab; <c>--tls-cert/--tls-key/--client-ca</c> for boxes with client certificates; operators
/// with a client certificate whose CN is <c>edgecapture-operator</c>, or <c>--operator-password-file</c>); with
/// <c>--broker</c> it connects to Mosquitto or a cluster instead (<c>--shared-group</c> lets several instances share the load).
/// Prints the collector's public key (for the boxes' <c>upload.collectorPublicKey</c>) and runs until Ctrl+C or SIGTERM.
/// </summary>
internal static class CollectorRunCommand
{
    public static Command Create()
    {
        var store = CollectorCommand.StoreOption();
        var listen = new Option<string>("--listen") { Description = "Embedded broker: address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int?>("--port") { Description = "Embedded broker: port (default 1883, 8883 with TLS)." };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "Embedded broker: its TLS certificate (PEM)." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "Embedded broker: the certificate's private key (PEM)." };
        var clientCa = new Option<string?>("--client-ca") { Description = "The CA (PEM) that issues the boxes' client certificates (embedded), or the broker's certificate (--broker)." };
        var broker = new Option<string?>("--broker") { Description = "Use an external broker instead: mqtt://host:port or mqtts://host:port." };
        var cert = new Option<string?>("--cert") { Description = "--broker: the collector's client certificate (PEM; its CN is edgecapture-collector in the shipped ACL)." };
        var key = new Option<string?>("--key") { Description = "--broker: the client certificate's private key (PEM)." };
        var operatorPassword = new Option<string?>("--operator-password-file") { Description = "Embedded broker: a file whose first line is the operator role's password (user edgecapture-operator; over TLS an operator client certificate with that CN suffices)." };
        var sharedGroup = new Option<string?>("--shared-group") { Description = "--broker: share the uploads with other instances ($share/GROUP/...)." };
        var retentionDays = new Option<int>("--retention-days") { Description = "Delete stored segments older than this (0: keep).", DefaultValueFactory = _ => 90 };
        var quota = new Option<long>("--quota-bytes") { Description = "Delete the oldest stored segments beyond this many bytes (0: no quota).", DefaultValueFactory = _ => 1L << 40 };
        var stagingQuota = new Option<long>("--staging-quota-bytes") { Description = "Most bytes of parts staged at once.", DefaultValueFactory = _ => 8L << 30 };
        var verbose = new Option<bool>("--verbose") { Description = "Log every stored segment." };
        var command = new Command("run", "Run the collector: broker (embedded unless --broker), ingest, retention.");
        foreach (Option option in new Option[] { store, listen, port, tlsCert, tlsKey, clientCa, operatorPassword, broker, cert, key, sharedGroup, retentionDays, quota, stagingQuota, verbose })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            CollectorServiceOptions options;
            try
            {
                var storeOptions = new CollectorOptions
                {
                    StoreDirectory = Path.GetFullPath(parseResult.GetValue(store)!),
                    RetentionDays = parseResult.GetValue(retentionDays),
                    QuotaBytes = parseResult.GetValue(quota),
                    StagingQuotaBytes = parseResult.GetValue(stagingQuota),
                };
                X509Certificate2? authority = parseResult.GetValue(clientCa) is { } caPath ? X509CertificateLoader.LoadCertificateFromFile(caPath) : null;
                if (parseResult.GetValue(broker) is { } brokerUri)
                {
                    if (parseResult.GetValue(operatorPassword) is not null)
                    {
                        throw new FormatException("--operator-password-file is for the embedded broker; with --broker, the broker's own ACL decides (Deployment/mosquitto/acl).");
                    }

                    var uri = new Uri(brokerUri);
                    if (uri.Scheme is not ("mqtt" or "mqtts"))
                    {
                        throw new FormatException("--broker must be mqtt://host:port or mqtts://host:port.");
                    }

                    options = new CollectorServiceOptions
                    {
                        Store = storeOptions,
                        ExternalBroker = new BrokerConnectionOptions
                        {
                            Host = uri.Host,
                            Port = uri.IsDefaultPort || uri.Port < 0 ? (uri.Scheme == "mqtts" ? 8883 : 1883) : uri.Port,
                            UseTls = uri.Scheme == "mqtts",
                            CertificateAuthority = authority,
                            ClientCertificate = LoadPair(parseResult.GetValue(cert), parseResult.GetValue(key), "--cert", "--key"),
                            SharedSubscriptionGroup = parseResult.GetValue(sharedGroup),
                        },
                    };
                }
                else
                {
                    options = new CollectorServiceOptions
                    {
                        Store = storeOptions,
                        EmbeddedBroker = new EmbeddedBrokerOptions
                        {
                            Address = IPAddress.Parse(parseResult.GetValue(listen)!),
                            Port = parseResult.GetValue(port),
                            ServerCertificate = LoadPair(parseResult.GetValue(tlsCert), parseResult.GetValue(tlsKey), "--tls-cert", "--tls-key"),
                            ClientCertificateAuthority = authority,
                            OperatorPassword = parseResult.GetValue(operatorPassword) is { } passwordPath ? ReadPassword(passwordPath) : null,
                        },
                    };
                    if (options.EmbeddedBroker.ServerCertificate is not null && authority is null)
                    {
                        throw new FormatException("With --tls-cert the embedded broker needs --client-ca: boxes are identified by their client certificates.");
                    }
                }
            }
            catch (Exception error) when (error is FormatException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                await stderr.WriteLineAsync($"collector run: {error.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            using ILoggerFactory loggerFactory = LoggerFactory.Create(builder =>
            {
                // Under systemd (its journal on stdout/stderr: JOURNAL_STREAM) the lines carry syslog priorities for journald.
                if (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null)
                {
                    builder.AddSystemdConsole();
                }
                else
                {
                    builder.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
                }

                builder.SetMinimumLevel(parseResult.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning);
            });
            CollectorService collector;
            try
            {
                collector = await CollectorService.StartAsync(options, loggerFactory, TimeProvider.System).ConfigureAwait(false);
            }
            catch (Exception error) when (error is IOException or InvalidDataException or System.Net.Sockets.SocketException or Microsoft.Data.Sqlite.SqliteException or Crypto.DeviceKeyFormatException)
            {
                await stderr.WriteLineAsync($"collector run: {error.Message}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }

            await using (collector.ConfigureAwait(false))
            {
                string where = collector.Broker is { } embedded
                    ? $"embedded broker on {options.EmbeddedBroker.Address}:{embedded.Port}{(embedded.UsesTls ? " (TLS, client certificates)" : " (plain TCP: lab use only)")}"
                    : $"broker {options.ExternalBroker!.Host}:{options.ExternalBroker.Port}{(options.ExternalBroker.SharedSubscriptionGroup is { } group ? $" (shared group {group})" : string.Empty)}";
                await stdout.WriteLineAsync($"collector: store {options.Store.StoreDirectory}, {where}").ConfigureAwait(false);
                await stdout.WriteLineAsync($"collector public key: {collector.PublicKey}").ConfigureAwait(false);
                await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C or SIGTERM: stop cleanly.
                }
            }

            return 0;
        });
        return command;
    }

    private static string ReadPassword(string path)
    {
        string password = File.ReadLines(path).FirstOrDefault()?.TrimEnd('\r') ?? string.Empty;
        return password.Length >= 16 ? password : throw new FormatException($"the operator password in '{path}' is shorter than 16 characters.");
    }

    private static X509Certificate2? LoadPair(string? certificatePath, string? keyPath, string certificateOption, string keyOption)
    {
        if (certificatePath is null && keyPath is null)
        {
            return null;
        }

        if (certificatePath is null || keyPath is null)
        {
            throw new FormatException($"{certificateOption} and {keyOption} go together.");
        }

        // Re-imported through PKCS#12 so that SslStream on Linux can use the private key.
        using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
