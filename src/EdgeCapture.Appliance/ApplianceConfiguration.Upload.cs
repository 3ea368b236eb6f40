using System.Globalization;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;

namespace EdgeCapture.Appliance;

/// <summary>
/// The <c>upload</c> section of appliance.json: where the box's MQTT broker is, how the box authenticates, which
/// collector key it trusts, and how fast and in what parts it uploads. Absent: nothing leaves the box.
/// </summary>
public sealed record UploadConfiguration
{
    /// <summary>The keys the section accepts; anything else is refused.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "brokerUri", "caCertificateFile", "clientCertificateFile", "clientKeyFile", "userName", "passwordFile", "collectorKey",
        "partSizeBytes", "rateLimitBytesPerSecond", "answerTimeoutSeconds",
    ];

    /// <summary>The broker (key <c>brokerUri</c>, required): <c>mqtts://host[:port]</c> (TLS, default port 8883) or <c>mqtt://host[:port]</c> (plain, default 1883; only for a broker on the box's own trusted network).</summary>
    public required Uri BrokerUri { get; init; }

    /// <summary>PEM CA certificate(s) the broker's certificate must chain to (key <c>caCertificateFile</c>, absolute; required with mqtts).</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>The box's PEM client certificate (key <c>clientCertificateFile</c>, absolute; mqtts only, with <see cref="ClientKeyFile"/>).</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>The client certificate's PEM private key, mode 0600 (key <c>clientKeyFile</c>, absolute).</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>MQTT user name, for a broker that authenticates by password (key <c>userName</c>).</summary>
    public string? UserName { get; init; }

    /// <summary>A file holding the MQTT password on its first line (key <c>passwordFile</c>, absolute, mode 0600; only with <see cref="UserName"/>). Never inline in appliance.json.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>The collector's Ed25519 public key, <c>ed25519:BASE64</c> (key <c>collectorKey</c>, required): only answers it signed delete data from the outbox.</summary>
    public required DevicePublicKey CollectorKey { get; init; }

    /// <summary>Largest ciphertext slice per part message (key <c>partSizeBytes</c>, 256..16777216). Default 262144; the broker's maximum packet size can make parts smaller.</summary>
    public int PartSizeBytes { get; init; } = ProtocolLimits.DefaultPartSize;

    /// <summary>Upload rate limit in bytes per second (key <c>rateLimitBytesPerSecond</c>, at least 1024, or null for none). Default none.</summary>
    public long? RateLimitBytesPerSecond { get; init; }

    /// <summary>How long the box waits for the collector's answer before trying again (key <c>answerTimeoutSeconds</c>, 1..3600). Default 30.</summary>
    public double AnswerTimeoutSeconds { get; init; } = 30;
}

/// <summary>Parsing of the <c>upload</c> section, with the same strictness as the rest of the file.</summary>
public sealed partial record ApplianceConfiguration
{
    /// <summary>Uploading to the collector (key <c>upload</c>, an object, see <see cref="UploadConfiguration"/>); null (absent) uploads nothing.</summary>
    public UploadConfiguration? Upload { get; init; }

    private static UploadConfiguration? UploadSection(string key, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ApplianceConfigurationException(key, $"must be an object with {string.Join(", ", UploadConfiguration.Keys)}, not {Describe(value)}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        Uri? broker = null;
        DevicePublicKey? collectorKey = null;
        string? ca = null, certificate = null, clientKey = null, userName = null, passwordFile = null;
        int partSize = ProtocolLimits.DefaultPartSize;
        long? rate = null;
        double answerTimeout = 30;
        foreach (JsonProperty property in value.EnumerateObject())
        {
            string name = key + "." + property.Name;
            if (!seen.Add(property.Name))
            {
                throw new ApplianceConfigurationException(name, "given twice");
            }

            JsonElement item = property.Value;
            switch (property.Name)
            {
                case "brokerUri":
                    broker = BrokerUri(name, item);
                    break;
                case "caCertificateFile":
                    ca = OptionalPath(name, item);
                    break;
                case "clientCertificateFile":
                    certificate = OptionalPath(name, item);
                    break;
                case "clientKeyFile":
                    clientKey = OptionalPath(name, item);
                    break;
                case "userName":
                    userName = item.ValueKind == JsonValueKind.Null ? null : Text(name, item);
                    if (userName is { Length: > 256 })
                    {
                        throw new ApplianceConfigurationException(name, "must be at most 256 characters");
                    }

                    break;
                case "passwordFile":
                    passwordFile = OptionalPath(name, item);
                    break;
                case "collectorKey":
                    try
                    {
                        collectorKey = DevicePublicKey.Parse(Text(name, item));
                    }
                    catch (DeviceKeyFormatException exception)
                    {
                        throw new ApplianceConfigurationException(name, $"must be the collector's Ed25519 public key, ed25519:BASE64: {exception.Message}");
                    }

                    break;
                case "partSizeBytes":
                    partSize = (int)Integer(name, item, ProtocolLimits.MinimumPartSize, ProtocolLimits.MaximumPartSize);
                    break;
                case "rateLimitBytesPerSecond":
                    rate = item.ValueKind == JsonValueKind.Null ? null : Integer(name, item, 1024, long.MaxValue);
                    break;
                case "answerTimeoutSeconds":
                    answerTimeout = Number(name, item, 1, 3600);
                    break;
                default:
                    throw new ApplianceConfigurationException(name, $"unknown key (accepted in {key}: {string.Join(", ", UploadConfiguration.Keys)})");
            }
        }

        if (broker is null)
        {
            throw new ApplianceConfigurationException(key + ".brokerUri", "is required: mqtts://host[:port] or mqtt://host[:port]");
        }

        if (collectorKey is null)
        {
            throw new ApplianceConfigurationException(key + ".collectorKey", "is required: the collector's ed25519:... public key (without it no answer could be verified)");
        }

        bool tls = broker.Scheme == "mqtts";
        if (tls && ca is null)
        {
            throw new ApplianceConfigurationException(key + ".caCertificateFile", "is required with mqtts://: the CA that signed the broker's certificate");
        }

        if (!tls && (ca ?? certificate ?? clientKey) is not null)
        {
            throw new ApplianceConfigurationException(key + ".brokerUri", "must be mqtts:// when certificate files are given (they would be ignored over plain mqtt://)");
        }

        if ((certificate is null) != (clientKey is null))
        {
            throw new ApplianceConfigurationException(key + (certificate is null ? ".clientCertificateFile" : ".clientKeyFile"), "clientCertificateFile and clientKeyFile go together");
        }

        if (passwordFile is not null && userName is null)
        {
            throw new ApplianceConfigurationException(key + ".passwordFile", "needs userName");
        }

        return new UploadConfiguration
        {
            BrokerUri = broker,
            CaCertificateFile = ca,
            ClientCertificateFile = certificate,
            ClientKeyFile = clientKey,
            UserName = userName,
            PasswordFile = passwordFile,
            CollectorKey = collectorKey,
            PartSizeBytes = partSize,
            RateLimitBytesPerSecond = rate,
            AnswerTimeoutSeconds = answerTimeout,
        };
    }

    private static Uri BrokerUri(string key, JsonElement value)
    {
        string text = Text(key, value);
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("mqtt" or "mqtts") || uri.Host.Length == 0
            || uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new ApplianceConfigurationException(key, $"must be mqtts://host[:port] or mqtt://host[:port] without user, path or query, not \"{text}\"");
        }

        return uri;
    }

    private static void CheckUploadDeviceId(ApplianceConfiguration configuration)
    {
        if (configuration.Upload is not null && !EdgeCapture.Protocol.DeviceIdentifier.IsValid(configuration.DeviceId))
        {
            throw new ApplianceConfigurationException("deviceId", string.Create(CultureInfo.InvariantCulture,
                $"must be one MQTT topic level to upload: printable ASCII without space, '/', '+' or '#', not starting with '$', at most {ProtocolLimits.MaximumDeviceIdLength} characters"));
        }
    }
}
