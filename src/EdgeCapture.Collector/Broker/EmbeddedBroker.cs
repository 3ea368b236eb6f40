using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeCapture.Protocol;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeCapture.Collector.Broker;

/// <summary>
/// The default broker: MQTTnet's server in the collector's own process, so one command runs the whole on-prem side. It
/// enforces the same rules as the shipped Mosquitto ACL: a device may publish only under <c>edgecapture/v1/{its id}/up/</c>
/// and subscribe only under <c>edgecapture/v1/{its id}/down/</c>; only the collector's own client (a per-process secret)
/// may read every device's uploads; the operator role (a client certificate with common name <see cref="OperatorUserName"/>, as
/// with Mosquitto, or that user name with <see cref="EmbeddedBrokerOptions.OperatorPassword"/>) reads the fleet and writes
/// signed commands and desired documents (<see cref="TopicAccess"/>). It has no shared subscriptions, so one collector
/// instance uses it; several instances use Mosquitto or a cluster.
/// </summary>
public sealed partial class EmbeddedBroker : IAsyncDisposable
{
    /// <summary>The MQTT user name of the collector's own client (a device id never starts with <c>$</c>).</summary>
    public const string CollectorUserName = "$edgecapture-collector";

    /// <summary>
    /// The operator role's name: the common name of an operator's client certificate (the shipped Mosquitto ACL's
    /// <c>user edgecapture-operator</c>), or the user name that goes with <see cref="EmbeddedBrokerOptions.OperatorPassword"/>.
    /// Operators share the role; each one is accountable through the key that signs the commands.
    /// </summary>
    public const string OperatorUserName = "edgecapture-operator";

    private const string IdentityItem = "edgecapture.identity";
    private readonly MqttServer _server;
    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _logger;

    private EmbeddedBroker(MqttServer server, EmbeddedBrokerOptions options, string collectorSecret, int collectorPort, ILogger logger)
    {
        _server = server;
        CollectorPort = collectorPort;
        _options = options;
        CollectorSecret = collectorSecret;
        _logger = logger;
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.InterceptingPublishAsync += InterceptPublishAsync;
        server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
    }

    /// <summary>The password of <see cref="CollectorUserName"/>: random per process, never written anywhere.</summary>
    public string CollectorSecret { get; }

    /// <summary>The port it listens on.</summary>
    public int Port => _options.EffectivePort;

    /// <summary>
    /// The port the collector's own client connects to on 127.0.0.1: <see cref="Port"/> without TLS; with TLS a second,
    /// plain, loopback-only listener that admits nothing but the collector's secret (devices must use TLS).
    /// </summary>
    public int CollectorPort { get; }

    /// <summary>Whether devices connect over TLS.</summary>
    public bool UsesTls => _options.ServerCertificate is not null;

    /// <summary>Starts the broker.</summary>
    /// <param name="options">Where and how.</param>
    /// <param name="logger">Where it logs.</param>
    /// <returns>The running broker.</returns>
    public static async Task<EmbeddedBroker> StartAsync(EmbeddedBrokerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var factory = new MqttServerFactory();
        MqttServerOptionsBuilder builder = factory.CreateServerOptionsBuilder()
            .WithMaxPendingMessagesPerClient(options.MaximumPendingMessagesPerClient)
            .WithPersistentSessions()
            .WithDefaultEndpointReuseAddress()
            .WithTlsEndpointReuseAddress();
        int collectorPort = options.EffectivePort;
        if (options.ServerCertificate is { } certificate)
        {
            collectorPort = FreeLoopbackPort();
            builder = builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(System.Net.IPAddress.Loopback).WithDefaultEndpointPort(collectorPort)
                .WithEncryptedEndpoint().WithEncryptedEndpointBoundIPAddress(options.Address)
                .WithEncryptedEndpointPort(options.EffectivePort).WithEncryptionCertificate(certificate);
            if (options.ClientCertificateAuthority is { } authority)
            {
                builder = builder.WithClientCertificate(
                    (_, presented, _, _) => presented is not null && IsIssuedBy(new X509Certificate2(presented), authority), checkCertificateRevocation: false);
            }
        }
        else
        {
            builder = builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(options.Address).WithDefaultEndpointPort(options.EffectivePort);
        }

        MqttServer server = factory.CreateMqttServer(builder.Build());
        var broker = new EmbeddedBroker(server, options, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), collectorPort, logger);
        await server.StartAsync().ConfigureAwait(false);
        LogStarted(logger, options.Address, options.EffectivePort, options.ServerCertificate is not null);
        return broker;
    }

    /// <summary>Stops the broker.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync().ConfigureAwait(false);
        _server.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs connection)
    {
        string? identity;
        if (connection.UserName == CollectorUserName)
        {
            identity = SameSecret(connection.Password, CollectorSecret) ? CollectorUserName : null;
        }
        else if (UsesTls && !connection.IsSecureConnection)
        {
            // The plain loopback listener is the collector's alone.
            identity = null;
        }
        else if (connection.UserName == OperatorUserName && _options.OperatorPassword is { } operatorPassword)
        {
            // With a password configured, claiming the role by name takes the password, whatever certificate came with it.
            identity = SameSecret(connection.Password, operatorPassword) ? TopicAccess.OperatorIdentity : null;
        }
        else if (UsesTls)
        {
            // As Mosquitto's use_identity_as_username: the certificate's common name is the identity, whatever user name was sent.
            identity = connection.ClientCertificate?.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        }
        else
        {
            // Plain TCP (a lab): the user name is the device; the operator role is never taken on a bare name.
            identity = connection.UserName == OperatorUserName ? null : connection.UserName;
        }

        if (identity == OperatorUserName)
        {
            identity = TopicAccess.OperatorIdentity;
        }

        if (identity is null || (identity != CollectorUserName && identity != TopicAccess.OperatorIdentity && !DeviceIdentifier.IsValid(identity)))
        {
            connection.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            LogRefused(_logger, connection.ClientId ?? string.Empty, connection.UserName ?? string.Empty);
            return Task.CompletedTask;
        }

        connection.SessionItems[IdentityItem] = identity;
        return Task.CompletedTask;
    }

    private static bool SameSecret(string? presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(presented ?? string.Empty), System.Text.Encoding.UTF8.GetBytes(expected));

    private Task InterceptPublishAsync(InterceptingPublishEventArgs publish)
    {
        string? identity = publish.SessionItems[IdentityItem] as string;
        string topic = publish.ApplicationMessage.Topic;
        if (identity is null)
        {
            // Messages the server itself injects (none today) carry no session.
            return Task.CompletedTask;
        }

        if (!TopicAccess.MayPublish(identity, topic))
        {
            publish.ProcessPublish = false;
            publish.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            LogPublishDenied(_logger, identity, topic);
        }

        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs subscription)
    {
        string? identity = subscription.SessionItems[IdentityItem] as string;
        string filter = subscription.TopicFilter.Topic;
        if (identity is null || !TopicAccess.MaySubscribe(identity, filter))
        {
            subscription.ProcessSubscription = false;
            subscription.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            LogSubscribeDenied(_logger, identity ?? "?", filter);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port} (TLS {Tls})")]
    private static partial void LogStarted(ILogger logger, System.Net.IPAddress address, int port, bool tls);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Refused a connection (client id {ClientId}, user {UserName}): not an authenticated device, operator or collector")]
    private static partial void LogRefused(ILogger logger, string clientId, string userName);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "{Identity} may not publish to {Topic}; refused")]
    private static partial void LogPublishDenied(ILogger logger, string identity, string topic);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "{Identity} may not subscribe to {Filter}; refused")]
    private static partial void LogSubscribeDenied(ILogger logger, string identity, string filter);
}
