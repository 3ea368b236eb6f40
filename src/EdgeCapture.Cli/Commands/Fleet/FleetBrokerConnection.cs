using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.Operators;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// How <c>edgecapture fleet ...</c> reaches the broker: <c>--broker</c> (host:port, mqtt://host:port or mqtts://host:port),
/// TLS with <c>--ca</c> and the operator's client certificate (<c>--client-cert</c>/<c>--client-key</c>; the shipped
/// Mosquitto configuration and the collector's embedded broker take the role from its CN, <c>edgecapture-operator</c>), or
/// <c>--username</c>/<c>--password-file</c> (the embedded broker's operator password). Bad options are usage errors (2),
/// unreadable files and an unreachable or refusing broker are "unavailable" (3).
/// </summary>
internal static class FleetBrokerConnection
{
    public static readonly Option<string> Broker = new("--broker") { Description = "The broker: host:port, mqtt://host:port or mqtts://host:port (TLS).", DefaultValueFactory = _ => "127.0.0.1:1883" };
    public static readonly Option<string?> CertificateAuthority = new("--ca") { Description = "TLS: the CA (PEM) the broker's certificate must chain to (the only root trusted; implies TLS)." };
    public static readonly Option<string?> ClientCertificate = new("--client-cert") { Description = "TLS: the operator's client certificate (PEM; CN edgecapture-operator in the shipped ACL)." };
    public static readonly Option<string?> ClientKey = new("--client-key") { Description = "TLS: the client certificate's private key (PEM)." };
    public static readonly Option<string?> UserName = new("--username") { Description = "MQTT user name (the embedded broker's operator role: edgecapture-operator)." };
    public static readonly Option<string?> PasswordFile = new("--password-file") { Description = "A file whose first line is the MQTT password (never on the command line)." };
    public static readonly Option<double> ConnectTimeout = new("--connect-timeout") { Description = "Seconds to wait for the broker to accept the connection.", DefaultValueFactory = _ => 10 };

    public static IEnumerable<Option> All => [Broker, CertificateAuthority, ClientCertificate, ClientKey, UserName, PasswordFile, ConnectTimeout];

    /// <summary>Connects the operator's session, or reports why not and returns the exit code.</summary>
    public static async Task<(FleetOperatorSession? Session, int ExitCode)> ConnectAsync(ParseResult parseResult, string what, bool followDesired, CancellationToken cancellationToken)
    {
        TextWriter stderr = parseResult.InvocationConfiguration.Error;
        (MqttFleetLinkOptions? options, int code) = ReadOptions(parseResult, what);
        if (options is null)
        {
            return (null, code);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(Math.Clamp(parseResult.GetValue(ConnectTimeout), 0.1, 300)));
            FleetOperatorSession session = await FleetOperatorSession.ConnectAsync(options, TimeProvider.System, null, followDesired, timeout.Token).ConfigureAwait(false);
            return (session, ExitCodes.Success);
        }
        catch (FleetBrokerException exception)
        {
            return (null, CliErrors.Report(stderr, what, exception.Message, ExitCodes.Unavailable));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, CliErrors.Report(stderr, what, $"cannot connect to the broker at {options.Host}:{options.Port}: no answer", ExitCodes.Unavailable));
        }
    }

    /// <summary>Reads and checks the options into link options, or reports the problem (usage 2, unreadable file 3).</summary>
    public static (MqttFleetLinkOptions? Options, int ExitCode) ReadOptions(ParseResult parseResult, string what)
    {
        TextWriter stderr = parseResult.InvocationConfiguration.Error;
        if (!TryParseBroker(parseResult.GetValue(Broker)!, out string host, out int port, out bool? schemeTls, out string? problem))
        {
            return (null, CliErrors.Report(stderr, what, problem, ExitCodes.Usage));
        }

        string? caPath = parseResult.GetValue(CertificateAuthority);
        string? certificatePath = parseResult.GetValue(ClientCertificate);
        string? keyPath = parseResult.GetValue(ClientKey);
        string? userName = parseResult.GetValue(UserName);
        string? passwordPath = parseResult.GetValue(PasswordFile);
        if ((certificatePath is null) != (keyPath is null))
        {
            return (null, CliErrors.Report(stderr, what, "--client-cert and --client-key go together", ExitCodes.Usage));
        }

        bool useTls = schemeTls ?? (caPath is not null || certificatePath is not null);
        if (!useTls && (caPath is not null || certificatePath is not null))
        {
            return (null, CliErrors.Report(stderr, what, "--ca and --client-cert need TLS: use mqtts://host:port (or host:port)", ExitCodes.Usage));
        }

        if (passwordPath is not null && userName is null)
        {
            return (null, CliErrors.Report(stderr, what, "--password-file needs --username", ExitCodes.Usage));
        }

        string? password = null;
        X509Certificate2? authority = null;
        X509Certificate2? certificate = null;
        try
        {
            foreach (string? path in new[] { caPath, certificatePath, keyPath })
            {
                // Opened first so a missing or unreadable file reads as such, not as a malformed certificate.
                if (path is not null)
                {
                    using FileStream readable = File.OpenRead(path);
                }
            }

            if (passwordPath is not null)
            {
                password = File.ReadLines(passwordPath).FirstOrDefault()?.TrimEnd('\r') ?? string.Empty;
            }

            if (caPath is not null)
            {
                authority = X509CertificateLoader.LoadCertificateFromFile(caPath);
            }

            if (certificatePath is not null)
            {
                // Re-imported through PKCS#12 so that SslStream on Linux can use the private key.
                using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
                certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            authority?.Dispose();
            return (null, CliErrors.Report(stderr, what, "cannot read a broker credential: " + exception.Message, ExitCodes.Unavailable));
        }
        catch (CryptographicException exception)
        {
            authority?.Dispose();
            return (null, CliErrors.Report(stderr, what, "a broker certificate or key is not usable PEM: " + exception.Message, ExitCodes.Usage));
        }

        return (new MqttFleetLinkOptions
        {
            Host = host,
            Port = port,
            ClientId = FleetOperatorSession.NewClientId(),
            UseTls = useTls,
            CertificateAuthority = authority,
            ClientCertificate = certificate,
            UserName = userName,
            Password = password,
        }, ExitCodes.Success);
    }

    /// <summary>host:port, mqtt://host:port or mqtts://host:port; <paramref name="tls"/> is null when no scheme says.</summary>
    internal static bool TryParseBroker(string text, out string host, out int port, out bool? tls, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        host = string.Empty;
        port = 0;
        tls = null;
        problem = null;
        string rest = text;
        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("mqtt" or "mqtts") || uri.AbsolutePath is not ("" or "/") || string.IsNullOrEmpty(uri.Host))
            {
                problem = $"--broker must be host:port, mqtt://host:port or mqtts://host:port, not '{text}'";
                return false;
            }

            tls = uri.Scheme == "mqtts";
            host = uri.IdnHost;
            port = uri.IsDefaultPort || uri.Port < 0 ? (tls.Value ? 8883 : 1883) : uri.Port;
            return true;
        }

        int colon = rest.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is 0 or > 65535)
        {
            problem = $"--broker must be host:port, mqtt://host:port or mqtts://host:port, not '{text}'";
            return false;
        }

        host = rest[..colon];
        return true;
    }
}
