using EdgeCapture.Collector.Broker;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
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
/// The whole on-prem side in one object (<c>edgecapture collector run</c>, the demo): opens the store, loads or creates
/// the collector's signing key, starts the embedded broker unless an external one is configured, connects the ingest to
/// it and runs the retention sweep. It never holds the custodian's secret key: it stores age files it cannot open.
/// </summary>
public sealed partial class CollectorService : IAsyncDisposable
{
    private readonly DeviceSigningKey _key;
    private readonly CollectorMqttConnection _connection;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _retention;

    private CollectorService(CollectorStore store, DeviceSigningKey key, EmbeddedBroker? broker, CollectorMqttConnection connection, CollectorFleetView fleetView, RetentionSweeper sweeper, TimeProvider time, TimeSpan interval)
    {
        Store = store;
        FleetView = fleetView;
        _key = key;
        Broker = broker;
        _connection = connection;
        Sweeper = sweeper;
        _retention = RunRetentionAsync(sweeper, time, interval, _stopping.Token);
    }

    /// <summary>The store (index, blobs) the fleet view, the custodian's tools and the dataset export read.</summary>
    public CollectorStore Store { get; }

    /// <summary>The public key boxes verify answers with (their <c>upload.collectorPublicKey</c>).</summary>
    public DevicePublicKey PublicKey => _key.PublicKey;

    /// <summary>The fleet view the boxes' presence, status and audit are kept in (<see cref="CollectorOptions.FleetViewPath"/>).</summary>
    public CollectorFleetView FleetView { get; }

    /// <summary>The embedded broker, or null when an external one is used.</summary>
    public EmbeddedBroker? Broker { get; }

    /// <summary>The retention sweep (also run on its own every <see cref="CollectorOptions.RetentionInterval"/>).</summary>
    public RetentionSweeper Sweeper { get; }

    /// <summary>Whether the ingest is connected to the broker.</summary>
    public bool IsConnected => _connection.IsConnected;

    /// <summary>Messages handled since start.</summary>
    public long MessagesHandled => _connection.MessagesHandled;

    /// <summary>Starts the collector.</summary>
    /// <param name="options">What to run.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="time">The clock.</param>
    /// <param name="onHandled">Called after each message is handled and acknowledged.</param>
    /// <returns>The running collector, connected to its broker (or still retrying to reach an external one).</returns>
    public static async Task<CollectorService> StartAsync(CollectorServiceOptions options, ILoggerFactory loggerFactory, TimeProvider time, Action<IngestResult>? onHandled = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(time);
        CollectorStore store = CollectorStore.Open(options.Store);
        DeviceSigningKey? key = null;
        EmbeddedBroker? broker = null;
        try
        {
            key = DeviceSigningKey.LoadOrCreate(options.Store.KeyPath, time.GetUtcNow());
            BrokerConnectionOptions connectionOptions;
            if (options.ExternalBroker is { } external)
            {
                connectionOptions = external;
            }
            else
            {
                broker = await EmbeddedBroker.StartAsync(options.EmbeddedBroker, loggerFactory.CreateLogger<EmbeddedBroker>()).ConfigureAwait(false);
                connectionOptions = new BrokerConnectionOptions
                {
                    Host = broker.UsesTls || options.EmbeddedBroker.Address.Equals(System.Net.IPAddress.Any) ? "127.0.0.1" : options.EmbeddedBroker.Address.ToString(),
                    Port = broker.CollectorPort,
                    UserName = EmbeddedBroker.CollectorUserName,
                    Password = broker.CollectorSecret,
                };
            }

            var ingest = new SegmentIngest(store, new SigningKeyMessageSigner(key), time, loggerFactory.CreateLogger<SegmentIngest>());
            var connection = new CollectorMqttConnection(connectionOptions, ingest, loggerFactory.CreateLogger<CollectorMqttConnection>(), onHandled);
            connection.Start();
            if (broker is not null && !await connection.WaitConnectedAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new IOException("The collector could not connect to its own embedded broker.");
            }

            CollectorFleetView fleetView;
            try
            {
                fleetView = await CollectorFleetView.StartAsync(options.Store.FleetViewPath, connectionOptions, store.Index.FindDeviceKey, time, loggerFactory, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            ILogger logger = loggerFactory.CreateLogger<CollectorService>();
            LogStarted(logger, options.Store.StoreDirectory, key.PublicKey);
            return new CollectorService(store, key, broker, connection, fleetView, new RetentionSweeper(store, time, logger), time, options.Store.RetentionInterval);
        }
        catch
        {
            if (broker is not null)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }

            key?.Dispose();
            store.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the ingest is connected and subscribed.</summary>
    /// <param name="timeout">How long at most.</param>
    /// <returns>True when connected.</returns>
    public Task<bool> WaitConnectedAsync(TimeSpan timeout) => _connection.WaitConnectedAsync(timeout);

    /// <summary>Stops ingest, the broker and the sweep; closes the store and wipes the key.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _retention.ConfigureAwait(false);
        await FleetView.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        if (Broker is not null)
        {
            await Broker.DisposeAsync().ConfigureAwait(false);
        }

        _key.Dispose();
        Store.Dispose();
        _stopping.Dispose();
    }

    private static async Task RunRetentionAsync(RetentionSweeper sweeper, TimeProvider time, TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                sweeper.Sweep();
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 5400, Level = LogLevel.Information, Message = "Collector running on store {StoreDirectory}; its public key (for the boxes' upload.collectorPublicKey) is {PublicKey}")]
    private static partial void LogStarted(ILogger logger, string storeDirectory, DevicePublicKey publicKey);
}
