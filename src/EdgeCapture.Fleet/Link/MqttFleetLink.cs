using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCapture.Fleet.Link;

/// <summary>
/// <see cref="IFleetLink"/> over one MQTTnet 5 client: MQTT 5, clean start, a reconnect loop with exponential backoff and
/// jitter (the maintainers' pattern: a loop that pings and reconnects, never reconnecting from inside the disconnect
/// handler), one sender task for every publish, the Will taken from the session before each connect, and the session's
/// birth messages published before anything queued.
/// </summary>
public sealed partial class MqttFleetLink : IFleetLink
{
    private readonly MqttFleetLinkOptions _options;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly Channel<Pending> _queue;
    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _disconnected = new(0, 1);
    private FleetLinkSession? _session;
    private Task _connectLoop = Task.CompletedTask;
    private Task _sender = Task.CompletedTask;
    private volatile bool _isReady;

    /// <summary>Creates the link (nothing connects before <see cref="StartAsync"/>).</summary>
    /// <param name="options">Broker and client id.</param>
    /// <param name="logger">Logging.</param>
    public MqttFleetLink(MqttFleetLinkOptions options, ILogger<MqttFleetLink> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.SendQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _client.DisconnectedAsync += _ =>
        {
            _isReady = false;
            _disconnected.SignalOnce();
            return Task.CompletedTask;
        };
        _client.ApplicationMessageReceivedAsync += eventArgs =>
        {
            MqttApplicationMessage message = eventArgs.ApplicationMessage;
            _session?.OnMessage(new FleetIncomingMessage(message.Topic, message.Payload.ToArray(), message.Retain, message.ResponseTopic, message.CorrelationData ?? []));
            return Task.CompletedTask;
        };
    }

    /// <inheritdoc/>
    public bool IsConnected => _isReady && _client.IsConnected;

    /// <summary>Why the latest connect attempt failed (the broker's reason code or the socket/TLS error), or null after a success.</summary>
    public string? LastConnectError { get; private set; }

    /// <inheritdoc/>
    /// <remarks>Always null: this link publishes the agent's own Will and birth.</remarks>
    public long? PresenceSequence => null;

    /// <inheritdoc/>
    public Task StartAsync(FleetLinkSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (_session is not null)
        {
            throw new InvalidOperationException("The link is already started.");
        }

        _session = session;
        _connectLoop = Task.Run(() => ConnectLoopAsync(_stop.Token), CancellationToken.None);
        _sender = Task.Run(() => SendLoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<bool> PublishAsync(FleetOutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.DropWhenDisconnected && !IsConnected)
        {
            return false;
        }

        var pending = new Pending(message, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        return await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disconnects cleanly (no Will) and stops the loops.</summary>
    /// <returns>Completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await Task.WhenAll(_connectLoop, _sender).ConfigureAwait(false);
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build()).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
            {
                LogDisconnectFailed(exception.Message);
            }
        }

        _client.Dispose();
        _stop.Dispose();
        _publishLock.Dispose();
        _disconnected.Dispose();
    }

    private async Task ConnectLoopAsync(CancellationToken stop)
    {
        TimeSpan delay = _options.MinimumReconnectDelay;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await ConnectOnceAsync(stop).ConfigureAwait(false);
                    delay = _options.MinimumReconnectDelay;
                }

                // Wait for a disconnect, checking with a ping now and then (a half-open socket looks connected).
                await _disconnected.WaitAsync(_options.KeepAlive, stop).ConfigureAwait(false);
                if (_client.IsConnected && !await _client.TryPingAsync(stop).ConfigureAwait(false))
                {
                    LogPingFailed(_options.ClientId);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                LastConnectError = exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
                LogConnectFailed(_options.ClientId, exception.Message);
                _session?.OnConnectFailed?.Invoke(LastConnectError);
                TimeSpan jittered = delay * (0.5 + (Random.Shared.NextDouble() / 2));
                try
                {
                    await Task.Delay(jittered, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaximumReconnectDelay.Ticks));
            }
        }
    }

    private async Task ConnectOnceAsync(CancellationToken stop)
    {
        FleetLinkSession session = _session!;
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (_options.UserName is { } user)
        {
            builder = builder.WithCredentials(user, _options.Password);
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

        if (session.NextWill() is { } will)
        {
            builder = builder
                .WithWillTopic(will.Topic)
                .WithWillPayload(will.Payload.ToArray())
                .WithWillRetain(will.Retain)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        MqttClientConnectResult result = await _client.ConnectAsync(builder.Build(), stop).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        if (session.Subscriptions.Count > 0)
        {
            MqttClientSubscribeOptionsBuilder subscribe = new();
            foreach (string filter in session.Subscriptions)
            {
                subscribe = subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            MqttClientSubscribeOptions subscribeOptions = subscribe.Build();
            MqttClientSubscribeResult subscribed = await _client.SubscribeAsync(subscribeOptions, stop).ConfigureAwait(false);
            foreach (MqttClientSubscribeResultItem item in subscribed.Items)
            {
                if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
                {
                    LogSubscribeRefused(_options.ClientId, item.TopicFilter.Topic, item.ResultCode.ToString());
                }
            }

            // Once more, now that the broker has the subscriptions: MQTTnet's broker takes its snapshot of retained messages before
            // it registers a subscription, so a retained birth published in between reached neither (seen as a view with
            // statuses but no birth). The second snapshot holds it; the duplicates it brings are harmless (the view keeps the
            // newest by bdSeq and sequence, the box ignores a desired version it has). Mosquitto has no such window.
            await _client.SubscribeAsync(subscribeOptions, stop).ConfigureAwait(false);
        }

        await _publishLock.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            foreach (FleetOutgoingMessage first in session.OnConnected())
            {
                await PublishNowAsync(first, stop).ConfigureAwait(false);
            }
        }
        finally
        {
            _publishLock.Release();
        }

        LogConnected(_options.ClientId, _options.Host, _options.Port);
        LastConnectError = null;
        _isReady = true;
    }

    private async Task SendLoopAsync(CancellationToken stop)
    {
        try
        {
            await foreach (Pending pending in _queue.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                while (true)
                {
                    if (!IsConnected)
                    {
                        if (pending.Message.DropWhenDisconnected)
                        {
                            pending.Done.TrySetResult(false);
                            break;
                        }

                        await WaitReadyAsync(stop).ConfigureAwait(false);
                        continue;
                    }

                    await _publishLock.WaitAsync(stop).ConfigureAwait(false);
                    bool sent;
                    try
                    {
                        sent = await PublishNowAsync(pending.Message, stop).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (exception is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
                    {
                        // MQTTnet reports a publish cancelled by the stop as a communication timeout: stopping wins.
                        if (stop.IsCancellationRequested)
                        {
                            pending.Done.TrySetResult(false);
                            break;
                        }

                        LogPublishFailed(pending.Message.Topic, exception.Message);
                        sent = false;
                    }
                    finally
                    {
                        _publishLock.Release();
                    }

                    if (sent)
                    {
                        pending.Done.TrySetResult(true);
                        break;
                    }

                    if (_client.IsConnected)
                    {
                        // The broker refused it (not a connection problem): retrying would loop.
                        pending.Done.TrySetResult(false);
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }

        while (_queue.Reader.TryRead(out Pending? left))
        {
            left.Done.TrySetResult(false);
        }
    }

    private static async Task WaitReadyAsync(CancellationToken stop) =>
        // Polled: the reconnect loop owns the connection; the sender only waits for it to be back.
        await Task.Delay(TimeSpan.FromMilliseconds(50), stop).ConfigureAwait(false);

    private async Task<bool> PublishNowAsync(FleetOutgoingMessage message, CancellationToken stop)
    {
        MqttApplicationMessageBuilder builder = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(new ReadOnlySequence<byte>(message.Payload))
            .WithRetainFlag(message.Retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (message.ResponseTopic is { } responseTopic)
        {
            builder = builder.WithResponseTopic(responseTopic);
        }

        if (!message.CorrelationData.IsEmpty)
        {
            builder = builder.WithCorrelationData(message.CorrelationData.ToArray());
        }

        MqttClientPublishResult result = await _client.PublishAsync(builder.Build(), stop).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            LogPublishRefused(message.Topic, result.ReasonCode.ToString(), result.ReasonString);
        }

        return result.IsSuccess;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "fleet link {ClientId} connected to {Host}:{Port}")]
    private partial void LogConnected(string clientId, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fleet link {ClientId}: connect failed: {Reason}")]
    private partial void LogConnectFailed(string clientId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fleet link {ClientId}: the broker refused the subscription {Filter}: {Code}")]
    private partial void LogSubscribeRefused(string clientId, string filter, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fleet link {ClientId}: ping failed")]
    private partial void LogPingFailed(string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fleet link: publish to {Topic} failed: {Reason}")]
    private partial void LogPublishFailed(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fleet link: broker refused publish to {Topic}: {Code} {Reason}")]
    private partial void LogPublishRefused(string topic, string code, string? reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "fleet link: disconnect failed: {Reason}")]
    private partial void LogDisconnectFailed(string reason);

    private sealed record Pending(FleetOutgoingMessage Message, TaskCompletionSource<bool> Done);
}

/// <summary>Releases a semaphore of capacity 1 without throwing when it is already released.</summary>
internal static class SemaphoreExtensions
{
    public static void SignalOnce(this SemaphoreSlim semaphore)
    {
        try
        {
            semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }
}
