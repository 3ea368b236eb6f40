using System.Threading.Channels;
using EdgeCapture.Protocol;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCapture.Transport;

// Over 400 lines on purpose: every call on the MQTTnet client (connect, subscribe, publish, ping, disconnect) lives in
// this one loop because the client is not thread-safe; splitting them would spread the single-owner rule over files.

/// <summary>
/// The box's one MQTT 5 connection, shared by the uploader and the fleet agent. One loop owns the MQTTnet client
/// (it is not thread-safe): it connects, re-subscribes and publishes the retained birth, pings to notice a dead link,
/// reconnects with exponential backoff and jitter (never from inside the client's Disconnected handler, which the
/// maintainers warn can deadlock), and performs every publish and subscribe in turn, so there is a single sender.
/// Received messages are copied into each matching subscription's bounded channel without waiting, so the client's
/// receive path (and with it acknowledgements and keep-alive) is never blocked by a slow consumer; a full channel
/// drops the message, counts and logs it (every sender on these topics retries on its own).
/// </summary>
public sealed partial class BoxMqttConnection : IAsyncDisposable
{
    private const int WorkQueueCapacity = 64;

    private readonly MqttConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly ReconnectBackoff _backoff;
    private readonly SubscriptionDispatcher _dispatcher;
    private readonly Channel<WorkItem> _work = Channel.CreateBounded<WorkItem>(
        new BoundedChannelOptions(WorkQueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly Lock _lock = new();
    private TaskCompletionSource<ConnectionFacts> _connected = NewConnectedSource();
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<bool>? _pendingWait;
    private ConnectionFacts? _current;
    private long _generation;
    private int _started;

    /// <summary>Creates the connection (nothing happens until <see cref="RunAsync"/>).</summary>
    /// <param name="options">Broker, identity, TLS, presence.</param>
    /// <param name="time">The clock for backoff, pings and timeouts.</param>
    /// <param name="logger">Where connection events go.</param>
    public BoxMqttConnection(MqttConnectionOptions options, TimeProvider time, ILogger<BoxMqttConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _backoff = new ReconnectBackoff(options.MinimumReconnectDelay, options.MaximumReconnectDelay, new Random());
        _dispatcher = new SubscriptionDispatcher(_logger);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>The device id this connection speaks for.</summary>
    public string DeviceId => _options.DeviceId;

    /// <summary>What the broker said on the current connection, or null while disconnected.</summary>
    public ConnectionFacts? Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>Received messages dropped because a subscription's channel was full or the message was too large.</summary>
    public long DroppedMessages => _dispatcher.DroppedMessages;

    /// <summary>
    /// Registers a subscription (QoS 1) that is made on every connect, and returns the bounded channel its messages
    /// arrive in. Call before or after <see cref="RunAsync"/> started.
    /// </summary>
    /// <param name="topicFilter">The filter, for example <see cref="UploadTopics.Answer"/> of this device.</param>
    /// <param name="capacity">Messages held before new ones are dropped.</param>
    /// <param name="maximumPayloadBytes">Larger payloads are dropped (and logged) without being copied.</param>
    /// <returns>The reader of this subscription's messages.</returns>
    public ChannelReader<ReceivedMessage> Subscribe(string topicFilter, int capacity = 64, int maximumPayloadBytes = 1024 * 1024)
    {
        ArgumentException.ThrowIfNullOrEmpty(topicFilter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximumPayloadBytes);
        Subscription subscription = _dispatcher.Add(topicFilter, capacity, maximumPayloadBytes);

        // Made by the owning loop like every other client call, whenever the client is connected then. Always queued: a connect
        // that took its snapshot of the subscriptions just before this one was added, but is not yet marked connected, would
        // otherwise never make it (until the next reconnect). Subscribing twice to the same filter is harmless.
        _work.Writer.TryWrite(new SubscribeWork(subscription));

        return subscription.Channel.Reader;
    }

    /// <summary>Waits until the box is connected (returns at once when it is).</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The facts of the connection.</returns>
    public Task<ConnectionFacts> WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _connected.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Publishes through the single sender (QoS 1). Never throws for network trouble: the outcome says whether the
    /// broker took it. Delivered means PUBACK, nothing more: confirmation of storage comes only from a signed answer.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting (the message may still be sent).</param>
    /// <returns>The outcome.</returns>
    public async Task<PublishOutcome> PublishAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var completion = new TaskCompletionSource<PublishOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _work.Writer.WriteAsync(new PublishWork(message, completion), cancellationToken).ConfigureAwait(false);
        return await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the connection until <paramref name="cancellationToken"/> is cancelled: connect, ping, reconnect, send.
    /// On the way out it publishes a retained death (a clean disconnect does not fire the Will) and disconnects.
    /// </summary>
    /// <param name="cancellationToken">Stops the connection.</param>
    /// <returns>A task that ends when the connection is closed.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The connection runs once.");
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!_client.IsConnected)
                {
                    MarkDisconnected();
                    if (!await TryConnectAsync(cancellationToken).ConfigureAwait(false))
                    {
                        TimeSpan delay = _backoff.NextDelay();
                        LogReconnectDelay(_logger, delay.TotalMilliseconds);
                        await RefuseWorkWhileWaitingAsync(delay, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    _backoff.Reset();
                }

                WorkItem? item = await NextWorkAsync(_options.PingInterval, cancellationToken).ConfigureAwait(false);
                if (item is not null)
                {
                    await ExecuteAsync(item, cancellationToken).ConfigureAwait(false);
                }
                else if (_client.IsConnected && !await PingAsync().ConfigureAwait(false))
                {
                    LogPingFailed(_logger);
                    await DisconnectQuietlyAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            await ShutDownAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Disposes the client (call after <see cref="RunAsync"/> ended).</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static TaskCompletionSource<ConnectionFacts> NewConnectedSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task<bool> TryConnectAsync(CancellationToken cancellationToken)
    {
        long sequence = _options.Presence?.Sequence.Advance() ?? 0;
        MqttClientOptions options;
        try
        {
            options = MqttClientOptionsFactory.Create(_options, sequence, _time.GetUtcNow());
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            LogTlsFilesUnreadable(_logger, exception.Message);
            return false;
        }

        MqttClientConnectResult result;
        using (var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken))
        {
            try
            {
                result = await _client.ConnectAsync(options, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogConnectFailed(_logger, _options.BrokerUri, "timed out");
                return false;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogConnectFailed(_logger, _options.BrokerUri, exception.GetBaseException().Message);
                return false;
            }
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            LogConnectFailed(_logger, _options.BrokerUri, result.ResultCode + " " + result.ReasonString);
            await DisconnectQuietlyAsync().ConfigureAwait(false);
            return false;
        }

        long maximumPacketSize = result.MaximumPacketSize is > 0 and uint announced ? announced : ConnectionFacts.ProtocolMaximumPacketSize;
        foreach (Subscription subscription in _dispatcher.Snapshot())
        {
            if (!await SubscribeAsync(subscription, cancellationToken).ConfigureAwait(false))
            {
                await DisconnectQuietlyAsync().ConfigureAwait(false);
                return false;
            }
        }

        if (_options.Presence is { } presence)
        {
            byte[] birth = PresenceCodec.Encode(
                new PresenceMessage(_options.DeviceId, true, sequence, _time.GetUtcNow(), presence.BirthDetails?.Invoke() ?? ReadOnlyMemory<byte>.Empty),
                presence.DeviceKey);
            var facts = new ConnectionFacts(0, maximumPacketSize, result.IsSessionPresent, sequence);
            // No PUBACK does not mean no birth: the broker may keep it retained. Whether the wait timed out or a stop cut it
            // off, the death follows it, so that the box is never left shown online (a clean disconnect does not fire the Will).
            PublishOutcome outcome;
            try
            {
                outcome = await PublishNowAsync(new OutgoingMessage(UploadTopics.Presence(_options.DeviceId), birth, Retain: true), facts, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await PublishDeathAsync(facts).ConfigureAwait(false);
                throw;
            }

            if (!outcome.IsDelivered)
            {
                LogBirthFailed(_logger, outcome.Detail);
                await PublishDeathAsync(facts).ConfigureAwait(false);
                await DisconnectQuietlyAsync().ConfigureAwait(false);
                return false;
            }
        }

        lock (_lock)
        {
            _current = new ConnectionFacts(++_generation, maximumPacketSize, result.IsSessionPresent, sequence);
            _connected.TrySetResult(_current);
            LogConnected(_logger, _options.BrokerUri, _current.Generation, maximumPacketSize, sequence);
        }

        return true;
    }

    private async Task<bool> SubscribeAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        MqttClientSubscribeOptions options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter => filter.WithTopic(subscription.TopicFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build();
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            MqttClientSubscribeResult result = await _client.SubscribeAsync(options, linked.Token).ConfigureAwait(false);
            foreach (MqttClientSubscribeResultItem item in result.Items)
            {
                if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
                {
                    LogSubscribeFailed(_logger, subscription.TopicFilter, item.ResultCode.ToString());
                    return false;
                }
            }

            // Once more, now that the subscription is registered: MQTTnet's broker snapshots retained messages before it
            // registers one, so a retained message (a desired configuration) published in between would be lost until the next
            // connect. The duplicate is harmless: a desired document is handled once by its digest.
            await _client.SubscribeAsync(options, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSubscribeFailed(_logger, subscription.TopicFilter, exception.GetBaseException().Message);
            return false;
        }
    }

    private async Task ExecuteAsync(WorkItem item, CancellationToken cancellationToken)
    {
        switch (item)
        {
            case PublishWork publish:
                ConnectionFacts? facts = Current;
                publish.Completion.TrySetResult(facts is null
                    ? new PublishOutcome(PublishStatus.NotConnected, "not connected")
                    : await PublishNowAsync(publish.Message, facts, cancellationToken).ConfigureAwait(false));
                break;
            case SubscribeWork subscribe when _client.IsConnected:
                if (!await SubscribeAsync(subscribe.Subscription, cancellationToken).ConfigureAwait(false))
                {
                    await DisconnectQuietlyAsync().ConfigureAwait(false);
                }

                break;
            default:
                // A subscribe while disconnected: the next connect makes it.
                break;
        }
    }

    private async Task<PublishOutcome> PublishNowAsync(OutgoingMessage message, ConnectionFacts facts, CancellationToken cancellationToken)
    {
        long size = MqttPacketSize.OfPublish(message);
        if (size > facts.MaximumPacketSize)
        {
            return new PublishOutcome(PublishStatus.TooLarge, $"a {size}-byte packet exceeds the broker's maximum packet size of {facts.MaximumPacketSize}");
        }

        MqttApplicationMessageBuilder builder = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayloadSegment(message.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(message.Retain);
        if (message.ResponseTopic is not null)
        {
            builder = builder.WithResponseTopic(message.ResponseTopic);
        }

        if (!message.CorrelationData.IsEmpty)
        {
            builder = builder.WithCorrelationData(message.CorrelationData.ToArray());
        }

        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            MqttClientPublishResult result = await _client.PublishAsync(builder.Build(), linked.Token).ConfigureAwait(false);
            return result.IsSuccess
                ? new PublishOutcome(PublishStatus.Delivered, result.ReasonCode.ToString())
                : new PublishOutcome(PublishStatus.Refused, result.ReasonCode + " " + result.ReasonString);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // No PUBACK in time: treat the link as dead so the loop reconnects.
            await DisconnectQuietlyAsync().ConfigureAwait(false);
            return new PublishOutcome(PublishStatus.NotConnected, "no PUBACK in time");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new PublishOutcome(PublishStatus.NotConnected, exception.GetBaseException().Message);
        }
    }

    private async Task<bool> PingAsync()
    {
        // Not cancelled by the stop: a ping cancelled in flight can leave the client disconnected, and then the stop's
        // retained death is never published. A ping ends within the connect timeout, so the stop waits at most that long.
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        return await _client.TryPingAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>The next work item, or null when <paramref name="idle"/> passed or the link dropped.</summary>
    private async Task<WorkItem?> NextWorkAsync(TimeSpan idle, CancellationToken cancellationToken)
    {
        if (_work.Reader.TryRead(out WorkItem? item))
        {
            return item;
        }

        // One outstanding wait across calls, so an idle connection does not pile up channel waiters.
        _pendingWait ??= _work.Reader.WaitToReadAsync(cancellationToken).AsTask();
        Task disconnected;
        lock (_lock)
        {
            disconnected = _disconnected.Task;
        }

        using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task delay = Task.Delay(idle, _time, delayCancellation.Token);
        Task finished = await Task.WhenAny(_pendingWait, delay, disconnected).ConfigureAwait(false);
        await delayCancellation.CancelAsync().ConfigureAwait(false);
        if (finished == _pendingWait)
        {
            _pendingWait = null;
            cancellationToken.ThrowIfCancellationRequested();
            return _work.Reader.TryRead(out item) ? item : null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    /// <summary>While disconnected: answer queued publishes with NotConnected so their callers wait for the next connection instead.</summary>
    private async Task RefuseWorkWhileWaitingAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        long deadline = _time.GetTimestamp();
        while (true)
        {
            while (_work.Reader.TryRead(out WorkItem? item))
            {
                (item as PublishWork)?.Completion.TrySetResult(new PublishOutcome(PublishStatus.NotConnected, "not connected"));
            }

            TimeSpan left = delay - _time.GetElapsedTime(deadline);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            _pendingWait ??= _work.Reader.WaitToReadAsync(cancellationToken).AsTask();
            using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task wait = Task.Delay(left, _time, delayCancellation.Token);
            Task finished = await Task.WhenAny(_pendingWait, wait).ConfigureAwait(false);
            await delayCancellation.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (finished == _pendingWait)
            {
                _pendingWait = null;
            }
            else
            {
                return;
            }
        }
    }

    private void MarkDisconnected()
    {
        lock (_lock)
        {
            if (_current is not null)
            {
                LogDisconnected(_logger, _current.Generation);
                _current = null;
            }

            if (_connected.Task.IsCompleted)
            {
                _connected = NewConnectedSource();
            }

            if (_disconnected.Task.IsCompleted)
            {
                _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs arguments)
    {
        // Only wake the owning loop: reconnecting from inside this handler can deadlock the client.
        lock (_lock)
        {
            _disconnected.TrySetResult();
        }

        if (arguments.ClientWasConnected && arguments.Reason == MqttClientDisconnectReason.NormalDisconnection)
        {
            // The box's own stop, or the broker's orderly close: worth a line, not a warning.
            LogDisconnectedNormally(_logger);
        }
        else if (arguments.ClientWasConnected && _logger.IsEnabled(LogLevel.Warning))
        {
            LogConnectionLost(_logger, arguments.Reason.ToString(), arguments.Exception?.GetBaseException().Message ?? string.Empty);
        }

        return Task.CompletedTask;
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs arguments)
    {
        _dispatcher.Dispatch(arguments.ApplicationMessage);
        return Task.CompletedTask;
    }

    private async Task ShutDownAsync()
    {
        ConnectionFacts? facts = Current;
        if (facts is not null)
        {
            await PublishDeathAsync(facts).ConfigureAwait(false);
        }

        await DisconnectQuietlyAsync().ConfigureAwait(false);
        MarkDisconnected();
        while (_work.Reader.TryRead(out WorkItem? item))
        {
            (item as PublishWork)?.Completion.TrySetResult(new PublishOutcome(PublishStatus.NotConnected, "connection closed"));
        }
    }

    /// <summary>Publishes this connection's retained, signed death while the client is still connected.</summary>
    private async Task PublishDeathAsync(ConnectionFacts facts)
    {
        if (_client.IsConnected && _options.Presence is { } presence)
        {
            byte[] death = PresenceCodec.Encode(new PresenceMessage(_options.DeviceId, false, facts.BirthDeathSequence, _time.GetUtcNow(), ReadOnlyMemory<byte>.Empty), presence.DeviceKey);
            await PublishNowAsync(new OutgoingMessage(UploadTopics.Presence(_options.DeviceId), death, Retain: true), facts, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task DisconnectQuietlyAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        try
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            string reason = exception.GetBaseException().Message;
            LogDisconnectFailed(_logger, reason);
        }
    }

    private abstract record WorkItem;

    private sealed record PublishWork(OutgoingMessage Message, TaskCompletionSource<PublishOutcome> Completion) : WorkItem;

    private sealed record SubscribeWork(Subscription Subscription) : WorkItem;
}
