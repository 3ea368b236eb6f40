using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Protocol;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCapture.Collector.Broker;

/// <summary>
/// The collector's MQTT client: subscribes to every device's uploads, hands each message to one worker through a bounded
/// channel (the receive handler only copies and queues, so keep-alive never waits on disk), acknowledges a message only
/// after ingest handled it, and publishes the signed answers from the same worker (MQTTnet's client wants one sender).
/// v5 has no managed client, so a loop reconnects with exponential backoff and jitter and subscribes again after each
/// connect (Mosquitto forgets shared subscriptions on reconnect).
/// </summary>
public sealed partial class CollectorMqttConnection : IAsyncDisposable
{
    private static readonly string[] Filters = [UploadTopics.AllParts, UploadTopics.AllCommits, UploadTopics.AllRetractions, UploadTopics.AllPresence];
    private readonly BrokerConnectionOptions _options;
    private readonly SegmentIngest _ingest;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly Channel<Received> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Action<IngestResult>? _onHandled;
    private Task _connectLoop = Task.CompletedTask;
    private Task _worker = Task.CompletedTask;

    /// <summary>Creates the connection (not yet connected: see <see cref="Start"/>).</summary>
    /// <param name="options">The broker.</param>
    /// <param name="ingest">Where messages go.</param>
    /// <param name="logger">Where it logs.</param>
    /// <param name="onHandled">Called after each message was handled and acknowledged (tests, benchmarks, status).</param>
    public CollectorMqttConnection(BrokerConnectionOptions options, SegmentIngest ingest, ILogger logger, Action<IngestResult>? onHandled = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _ingest = ingest ?? throw new ArgumentNullException(nameof(ingest));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _onHandled = onHandled;
        _client = new MqttClientFactory().CreateMqttClient();
        _queue = Channel.CreateBounded<Received>(new BoundedChannelOptions(options.ReceiveQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Whether the client is connected right now.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Messages handled so far.</summary>
    public long MessagesHandled => Interlocked.Read(ref _handled);

    private long _handled;

    /// <summary>Starts connecting (in the background, retrying) and handling.</summary>
    public void Start()
    {
        _worker = Task.Run(WorkAsync);
        _connectLoop = Task.Run(ConnectLoopAsync);
    }

    /// <summary>Waits until the client is connected and subscribed, or the timeout passes.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>True when connected.</returns>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (!_subscribed && DateTime.UtcNow < until)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        return _subscribed;
    }

    private volatile bool _subscribed;

    /// <summary>Stops: no new messages; what is queued is dropped unacknowledged (the broker delivers it again).</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_connectLoop, _worker).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build()).ConfigureAwait(false);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // Already gone.
            }
        }

        _client.Dispose();
        _stopping.Dispose();
        while (_queue.Reader.TryRead(out Received item))
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    private MqttClientOptions BuildOptions()
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(_options.ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(7 * 24 * 3600)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (_options.UserName is not null)
        {
            builder = builder.WithCredentials(_options.UserName, _options.Password);
        }

        if (_options.UseTls)
        {
            builder = builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (_options.CertificateAuthority is { } authority)
                {
                    tls.WithTrustChain([authority]);
                }

                if (_options.ClientCertificate is { } certificate)
                {
                    tls.WithClientCertificates([certificate]);
                }
            });
        }

        return builder.Build();
    }

    private async Task ConnectLoopAsync()
    {
        CancellationToken stopping = _stopping.Token;
        TimeSpan delay = TimeSpan.FromMilliseconds(100);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected || !await _client.TryPingAsync(stopping).ConfigureAwait(false))
                {
                    _subscribed = false;
                    await _client.ConnectAsync(BuildOptions(), stopping).ConfigureAwait(false);
                    MqttClientSubscribeOptionsBuilder subscribe = new MqttClientSubscribeOptionsBuilder();
                    foreach (string filter in Filters)
                    {
                        string topic = _options.SharedSubscriptionGroup is { } group ? $"$share/{group}/{filter}" : filter;
                        subscribe = subscribe.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
                    }

                    MqttClientSubscribeOptions subscribeOptions = subscribe.Build();
                    MqttClientSubscribeResult result = await _client.SubscribeAsync(subscribeOptions, stopping).ConfigureAwait(false);
                    foreach (MqttClientSubscribeResultItem item in result.Items)
                    {
                        if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
                        {
                            throw new InvalidOperationException($"The broker refused the subscription {item.TopicFilter.Topic}: {item.ResultCode}.");
                        }
                    }

                    // Once more, now that the broker has the subscriptions: MQTTnet's broker snapshots retained messages before it
                    // registers a subscription, so a box's retained birth published in between would reach the fleet view never.
                    // The duplicates are harmless: the view keeps the newest birth by bdSeq and status by sequence.
                    await _client.SubscribeAsync(subscribeOptions, stopping).ConfigureAwait(false);

                    _subscribed = true;
                    LogConnected(_logger, _options.Host, _options.Port, _options.SharedSubscriptionGroup ?? "(none)");
                    delay = TimeSpan.FromMilliseconds(100);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException or System.Net.Sockets.SocketException or IOException)
            {
                _subscribed = false;
                LogConnectFailed(_logger, _options.Host, _options.Port, delay.TotalMilliseconds, error.Message);
                double jitter = 0.5 + Random.Shared.NextDouble();
                try
                {
                    await Task.Delay(delay * jitter, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaximumReconnectDelay.Ticks));
            }
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs received)
    {
        received.AutoAcknowledge = false;
        MqttApplicationMessage message = received.ApplicationMessage;
        // Copy at most one byte beyond the largest message any topic accepts, so an oversized one is recognised without holding it.
        int length = (int)Math.Min(message.Payload.Length, SegmentIngest.MaximumMessageLength + 1);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        message.Payload.Slice(0, length).CopyTo(buffer);
        var incoming = new IncomingMessage(message.Topic, new ReadOnlyMemory<byte>(buffer, 0, length), message.ResponseTopic,
            message.CorrelationData is { } correlation ? correlation : ReadOnlyMemory<byte>.Empty);
        try
        {
            await _queue.Writer.WriteAsync(new Received(incoming, received, buffer), _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is OperationCanceledException or ChannelClosedException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task WorkAsync()
    {
        CancellationToken stopping = _stopping.Token;
        await foreach (Received item in _queue.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
        {
            IngestResult? result = null;
            try
            {
                result = _ingest.Handle(item.Message);
                if (result.Answer is { } answer)
                {
                    await PublishAsync(answer, stopping).ConfigureAwait(false);
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException or InvalidDataException)
            {
                // The store failed: nothing was answered, so the box asks again; the message is acknowledged so the broker moves on.
                IngestLog.HandlingFailed(_logger, item.Message.Topic, error);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }

            try
            {
                await item.Event.AcknowledgeAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception error) when (error is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or ObjectDisposedException)
            {
                // The connection that delivered it is gone; the broker delivers it again and ingest is idempotent.
                LogAcknowledgeFailed(_logger, item.Message.Topic, error.Message);
            }

            Interlocked.Increment(ref _handled);
            if (result is not null)
            {
                _onHandled?.Invoke(result);
            }
        }
    }

    private async Task PublishAsync(OutgoingAnswer answer, CancellationToken stopping)
    {
        MqttApplicationMessage message = new MqttApplicationMessageBuilder()
            .WithTopic(answer.Topic)
            .WithPayload(answer.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithCorrelationData(answer.CorrelationData.ToArray())
            .Build();
        try
        {
            MqttClientPublishResult result = await _client.PublishAsync(message, stopping).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                LogAnswerNotDelivered(_logger, answer.Topic, result.ReasonCode.ToString());
            }
        }
        catch (Exception error) when (error is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException or InvalidOperationException)
        {
            // Not delivered: the box commits again after its timeout and gets the same answer (duplicates are answered stored).
            LogAnswerNotDelivered(_logger, answer.Topic, error.Message);
        }
    }

    private readonly record struct Received(IncomingMessage Message, MqttApplicationMessageReceivedEventArgs Event, byte[] Buffer);

    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "Collector connected to the broker {Host}:{Port} and subscribed (shared group {Group})")]
    private static partial void LogConnected(ILogger logger, string host, int port, string group);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Collector cannot reach the broker {Host}:{Port}; retrying in about {DelayMilliseconds} ms: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, double delayMilliseconds, string reason);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "An answer on {Topic} was not delivered ({Reason}); the box will ask again")]
    private static partial void LogAnswerNotDelivered(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Debug, Message = "Could not acknowledge a message on {Topic} ({Reason}); the broker will deliver it again")]
    private static partial void LogAcknowledgeFailed(ILogger logger, string topic, string reason);
}
