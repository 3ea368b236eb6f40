using EdgeCapture.Collector.Broker;
using EdgeCapture.Collector.Hosting;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Crypto;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector;

/// <summary>What <see cref="CollectorService"/> runs: the store, and either the embedded broker or an external one.</summary>
public sealed class CollectorServiceOptions
{
    /// <summary>The store and its limits.</summary>
    public required CollectorOptions Store { get; init; }

    /// <summary>The embedded broker (used when <see cref="ExternalBroker"/> is null; default: plain TCP on loopback 1883).</summary>
    public EmbeddedBrokerOptions EmbeddedBroker { get; init; } = new();

    /// <summary>An external broker to connect to instead of starting the embedded one.</summary>
    public BrokerConnectionOptions? ExternalBroker { get; init; }
}

/// <summary>
/// The whole on-prem side (<c>edgecapture collector run</c>, the demo), hosted as the appliance is: a .NET Generic Host
/// whose hosted services start in this order and stop in the reverse one: the store and the collector's signing key,
/// the broker (embedded unless an external one is configured), the ingest, the fleet view, the retention sweep, and
/// systemd's readiness. It never holds the custodian's secret key: it stores age files it cannot open.
/// </summary>
public sealed partial class CollectorService : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly CollectorParts _parts;
    private readonly Lock _stopLock = new();
    private Task? _stopping;

    private CollectorService(IHost host, CollectorParts parts)
    {
        _host = host;
        _parts = parts;
    }

    /// <summary>The store (index, blobs) the fleet view, the custodian's tools and the dataset export read.</summary>
    public CollectorStore Store => _parts.Store!;

    /// <summary>The public key boxes verify answers with (their <c>upload.collectorPublicKey</c>).</summary>
    public DevicePublicKey PublicKey => _parts.Key!.PublicKey;

    /// <summary>The fleet view the boxes' presence, status and audit are kept in (<see cref="CollectorOptions.FleetViewPath"/>).</summary>
    public CollectorFleetView FleetView => _parts.FleetView!;

    /// <summary>The embedded broker, or null when an external one is used.</summary>
    public EmbeddedBroker? Broker => _parts.Broker;

    /// <summary>The retention sweep (also run on its own every <see cref="CollectorOptions.RetentionInterval"/>).</summary>
    public RetentionSweeper Sweeper => _parts.Sweeper!;

    /// <summary>Whether the ingest is connected to the broker.</summary>
    public bool IsConnected => _parts.Ingest!.IsConnected;

    /// <summary>Messages handled since start.</summary>
    public long MessagesHandled => _parts.Ingest!.MessagesHandled;

    /// <summary>Starts the collector.</summary>
    /// <param name="options">What to run.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="time">The clock.</param>
    /// <param name="onHandled">Called after each message is handled and acknowledged.</param>
    /// <returns>The running collector, connected to its broker (or still retrying to reach an external one).</returns>
    public static Task<CollectorService> StartAsync(CollectorServiceOptions options, ILoggerFactory loggerFactory, TimeProvider time, Action<IngestResult>? onHandled = null) =>
        StartAsync(options, loggerFactory, time, onHandled, notifier: null);

    /// <summary>As the public overload, with systemd's notifier replaceable (tests).</summary>
    internal static async Task<CollectorService> StartAsync(CollectorServiceOptions options, ILoggerFactory loggerFactory, TimeProvider time, Action<IngestResult>? onHandled, ISystemdNotifier? notifier)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(time);
        var parts = new CollectorParts(options, loggerFactory, time, onHandled);
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(parts);
        builder.Services.AddSingleton(notifier ?? new SystemdNotifier());
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddHostedService<CollectorStoreHostedService>();
        builder.Services.AddHostedService<BrokerHostedService>();
        builder.Services.AddHostedService<IngestHostedService>();
        builder.Services.AddHostedService<FleetViewHostedService>();
        builder.Services.AddHostedService<RetentionHostedService>();
        builder.Services.AddHostedService<CollectorSystemdHostedService>();
        IHost host = builder.Build();
        var collector = new CollectorService(host, parts);
        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            await collector.DisposeAsync().ConfigureAwait(false);
            throw exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception;
        }

        ILogger logger = loggerFactory.CreateLogger<CollectorService>();
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogStarted(logger, options.Store.StoreDirectory, parts.Key!.PublicKey);
        }
        return collector;
    }

    /// <summary>Waits until the ingest is connected and subscribed.</summary>
    /// <param name="timeout">How long at most.</param>
    /// <returns>True when connected.</returns>
    public Task<bool> WaitConnectedAsync(TimeSpan timeout) => _parts.Ingest!.WaitConnectedAsync(timeout);

    /// <summary>Stops the sweep, the fleet view, the ingest and the broker; closes the store and wipes the key.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        Task stopping;
        lock (_stopLock)
        {
            stopping = _stopping ??= _host.StopAsync(CancellationToken.None);
        }

        await stopping.ConfigureAwait(false);
        _host.Dispose();
    }

    [LoggerMessage(EventId = 5400, Level = LogLevel.Information, Message = "Collector running on store {StoreDirectory}; its public key (for the boxes' upload.collectorPublicKey) is {PublicKey}")]
    private static partial void LogStarted(ILogger logger, string storeDirectory, DevicePublicKey publicKey);
}
