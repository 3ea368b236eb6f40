using System.Buffers;
using System.Threading.Channels;
using EdgeCapture.Protocol;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Transport;

/// <summary>
/// The box's uploader: takes sealed segments and signed retractions from the outbox and gets each stored by the
/// collector exactly once ("Exactly once"). A segment goes out as parts (each at most the configured part size and
/// never more than the broker's Maximum Packet Size allows) and a commit with Response Topic and Correlation Data;
/// it leaves the outbox only on a <c>stored</c> answer verified with the collector's key. <c>missing</c> resends
/// just those parts; <c>rejected</c> marks the segment rejected (kept, reported, never retried); silence or a lost
/// connection puts it back to pending. A segment touched by an earlier attempt (this run or before a restart) is
/// committed first, so the collector's <c>missing</c> list says which parts still need to travel.
/// </summary>
public sealed partial class SegmentUploader
{
    private const int SegmentBatch = 8;
    private const int RetractionBatch = 8;

    private readonly IUploadBacklog _backlog;
    private readonly BoxMqttConnection _connection;
    private readonly UploaderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AnswerRouter _router;
    private readonly ChannelReader<ReceivedMessage> _answers;
    private readonly TokenBucket? _rateLimit;
    private readonly Dictionary<SegmentKey, long> _segmentRetryAt = [];
    private readonly Dictionary<long, long> _retractionRetryAt = [];
    private readonly HashSet<SegmentKey> _attempted = [];
    private readonly string _deviceId;

    /// <summary>Creates the uploader and registers its answer subscription on the shared connection.</summary>
    /// <param name="backlog">The outbox's upload queue.</param>
    /// <param name="connection">The box's MQTT connection.</param>
    /// <param name="options">Collector key, part size, rate, timeouts.</param>
    /// <param name="time">The clock for timeouts, retries and the rate limit.</param>
    /// <param name="logger">Where upload events go.</param>
    public SegmentUploader(IUploadBacklog backlog, BoxMqttConnection connection, UploaderOptions options, TimeProvider time, ILogger<SegmentUploader> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _backlog = backlog ?? throw new ArgumentNullException(nameof(backlog));
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _options = options;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _deviceId = connection.DeviceId;
        _router = new AnswerRouter(_deviceId, options.CollectorKey, backlog, Statistics, logger);
        _answers = connection.Subscribe(UploadTopics.Answer(_deviceId), capacity: 256, maximumPayloadBytes: ProtocolLimits.MaximumAnswerLength);
        if (options.RateLimitBytesPerSecond is long rate)
        {
            _rateLimit = new TokenBucket(rate, options.RateLimitBurstBytes ?? options.MaximumPartSize, time);
        }
    }

    /// <summary>Counters since start.</summary>
    public UploaderStatistics Statistics { get; } = new();

    /// <summary>Uploads until cancelled. Never throws for network or collector trouble; those are retried or reported.</summary>
    /// <param name="cancellationToken">Stops the uploader.</param>
    /// <returns>A task that ends when cancelled.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task answers = _router.RunAsync(_answers, stop.Token);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ConnectionFacts facts = await _connection.WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
                bool worked = await SendRetractionsAsync(cancellationToken).ConfigureAwait(false);
                worked |= await SendSegmentsAsync(facts, cancellationToken).ConfigureAwait(false);
                if (!worked)
                {
                    await Task.Delay(_options.IdlePollInterval, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: whatever was in flight stays pending or uploading and resumes on the next start.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await answers.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The answer loop stops with the uploader.
            }
        }
    }

    /// <summary>A rejection reason as the outbox keeps it.</summary>
    internal static string RejectionReason(string reason)
    {
        string text = string.IsNullOrWhiteSpace(reason) ? "rejected by the collector" : reason;
        return text.Length > SegmentOutbox.MaximumRejectionReasonLength ? text[..SegmentOutbox.MaximumRejectionReasonLength] : text;
    }

    private async Task<bool> SendSegmentsAsync(ConnectionFacts facts, CancellationToken cancellationToken)
    {
        bool worked = false;
        foreach (OutboxSegment segment in _backlog.GetPendingUploads(SegmentBatch))
        {
            if (_segmentRetryAt.TryGetValue(segment.Key, out long retryAt) && _time.GetTimestamp() < retryAt)
            {
                continue;
            }

            worked = true;
            AttemptResult result = await UploadSegmentAsync(segment, facts, cancellationToken).ConfigureAwait(false);
            if (result == AttemptResult.Failed)
            {
                _segmentRetryAt[segment.Key] = _time.GetTimestamp() + (long)(_options.RetryDelay.TotalSeconds * _time.TimestampFrequency);
            }
            else
            {
                _segmentRetryAt.Remove(segment.Key);
            }

            if (result == AttemptResult.ConnectionLost)
            {
                break;
            }
        }

        return worked;
    }

    private async Task<AttemptResult> UploadSegmentAsync(OutboxSegment segment, ConnectionFacts facts, CancellationToken cancellationToken)
    {
        SegmentKey key = segment.Key;
        var reference = new SegmentReference(key.SessionId, key.SegmentIndex);
        int partSize = PartSizeFor(facts);
        if (partSize < ProtocolLimits.MinimumPartSize)
        {
            LogBrokerLimitTooSmall(_logger, facts.MaximumPacketSize);
            return AttemptResult.Failed;
        }

        PartLayout layout;
        try
        {
            layout = new PartLayout(segment.CiphertextLength, partSize);
        }
        catch (ProtocolFormatException exception)
        {
            LogCannotUpload(_logger, key.ToString(), exception.Message);
            return AttemptResult.Failed;
        }

        bool touchedBefore = _attempted.Contains(key) || segment.StateChangedUtc != segment.CreatedUtc;
        if (!_backlog.MarkUploading(key) || !_backlog.TryOpenCiphertext(key, out Stream? ciphertext))
        {
            // Forgotten or confirmed in the meantime.
            return AttemptResult.Done;
        }

        _attempted.Add(key);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(partSize);
        try
        {
            await using (ciphertext.ConfigureAwait(false))
            {
                IReadOnlyList<int> toSend = touchedBefore ? [] : Enumerable.Range(0, layout.PartCount).ToArray();
                for (int round = 0; round < _options.MaximumCommitRounds; round++)
                {
                    foreach (int partIndex in toSend)
                    {
                        AttemptResult? failure = await SendPartAsync(ciphertext, buffer, reference, layout, partIndex, cancellationToken).ConfigureAwait(false);
                        if (failure is { } stop)
                        {
                            _backlog.ReturnToPending(key);
                            return stop;
                        }
                    }

                    (AttemptResult? result, CollectorAnswer? answer) = await CommitAsync(segment, reference, layout, cancellationToken).ConfigureAwait(false);
                    if (result is { } stop2)
                    {
                        _backlog.ReturnToPending(key);
                        return stop2;
                    }

                    switch (answer!.Outcome)
                    {
                        case AnswerOutcome.Stored:
                            if (_backlog.MarkAcknowledged(key))
                            {
                                Statistics.SegmentStored();
                                LogSegmentStored(_logger, key, layout.PartCount, layout.CiphertextLength);
                            }

                            _attempted.Remove(key);
                            return AttemptResult.Done;
                        case AnswerOutcome.Rejected:
                            _backlog.MarkRejected(key, RejectionReason(answer.Reason));
                            Statistics.SegmentRejected(key + ": " + answer.Reason);
                            LogSegmentRejected(_logger, key.ToString(), answer.Reason);
                            _attempted.Remove(key);
                            return AttemptResult.Done;
                        default:
                            if (answer.MissingParts.Any(part => part >= layout.PartCount))
                            {
                                LogMissingOutOfLayout(_logger, key.ToString(), layout.PartCount);
                                _backlog.ReturnToPending(key);
                                return AttemptResult.Failed;
                            }

                            LogPartsMissing(_logger, key, answer.MissingParts.Count);
                            toSend = answer.MissingParts;
                            break;
                    }
                }
            }

            LogTooManyRounds(_logger, key.ToString(), _options.MaximumCommitRounds);
            _backlog.ReturnToPending(key);
            return AttemptResult.Failed;
        }
        catch (IOException exception)
        {
            LogCannotUpload(_logger, key.ToString(), exception.Message);
            _backlog.ReturnToPending(key);
            return AttemptResult.Failed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private int PartSizeFor(ConnectionFacts facts)
    {
        long room = facts.MaximumPacketSize - MqttPacketSize.OverheadWithoutProperties(UploadTopics.Part(_deviceId)) - SegmentPartCodec.MaximumOverhead(_deviceId);
        return (int)Math.Min(_options.MaximumPartSize, Math.Max(0, room));
    }

    private async Task<AttemptResult?> SendPartAsync(Stream ciphertext, byte[] buffer, SegmentReference reference, PartLayout layout, int partIndex, CancellationToken cancellationToken)
    {
        int length = layout.LengthOf(partIndex);
        ciphertext.Position = layout.OffsetOf(partIndex);
        await ciphertext.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        byte[] payload = SegmentPartCodec.Encode(_deviceId, reference, layout, partIndex, buffer.AsSpan(0, length));
        if (_rateLimit is not null)
        {
            await _rateLimit.TakeAsync(payload.Length, cancellationToken).ConfigureAwait(false);
        }

        PublishOutcome outcome = await _connection.PublishAsync(new OutgoingMessage(UploadTopics.Part(_deviceId), payload), cancellationToken).ConfigureAwait(false);
        if (outcome.IsDelivered)
        {
            Statistics.PartSent(length);
            return null;
        }

        return Failure(reference.ToString(), outcome);
    }

    private async Task<(AttemptResult? Failure, CollectorAnswer? Answer)> CommitAsync(OutboxSegment segment, SegmentReference reference, PartLayout layout, CancellationToken cancellationToken)
    {
        byte[] commit = SegmentCommitCodec.Encode(new SegmentCommit(_deviceId, reference, layout, segment.CiphertextSha256, segment.Manifest));
        PendingAnswer pending = _router.Expect(AnswerSubject.Segment, reference, segment.CiphertextSha256.Span);
        try
        {
            if (_rateLimit is not null)
            {
                await _rateLimit.TakeAsync(commit.Length, cancellationToken).ConfigureAwait(false);
            }

            PublishOutcome outcome = await _connection.PublishAsync(
                new OutgoingMessage(UploadTopics.Commit(_deviceId), commit, ResponseTopic: UploadTopics.Answer(_deviceId), CorrelationData: pending.CorrelationData),
                cancellationToken).ConfigureAwait(false);
            if (!outcome.IsDelivered)
            {
                return (Failure(reference.ToString(), outcome), null);
            }

            Statistics.CommitSent();
            CollectorAnswer? answer = await WaitForAnswerAsync(pending, reference.ToString(), cancellationToken).ConfigureAwait(false);
            return answer is null ? (AttemptResult.Failed, null) : (null, answer);
        }
        finally
        {
            _router.Forget(pending);
        }
    }

    private async Task<bool> SendRetractionsAsync(CancellationToken cancellationToken)
    {
        bool worked = false;
        foreach (PendingRetraction retraction in _backlog.GetPendingRetractions(RetractionBatch))
        {
            if (_retractionRetryAt.TryGetValue(retraction.RetractionId, out long retryAt) && _time.GetTimestamp() < retryAt)
            {
                continue;
            }

            worked = true;
            AttemptResult result = await SendRetractionAsync(retraction, cancellationToken).ConfigureAwait(false);
            if (result == AttemptResult.Failed)
            {
                _retractionRetryAt[retraction.RetractionId] = _time.GetTimestamp() + (long)(_options.RetryDelay.TotalSeconds * _time.TimestampFrequency);
            }
            else if (result == AttemptResult.ConnectionLost)
            {
                break;
            }
        }

        return worked;
    }

    private async Task<AttemptResult> SendRetractionAsync(PendingRetraction retraction, CancellationToken cancellationToken)
    {
        string description = "retraction " + retraction.RetractionId;
        byte[] digest = RetractionDocumentCodec.Digest(retraction.Document.Span);
        PendingAnswer pending = _router.Expect(AnswerSubject.Retraction, default, digest);
        try
        {
            PublishOutcome outcome = await _connection.PublishAsync(
                new OutgoingMessage(UploadTopics.Retraction(_deviceId), retraction.Document, ResponseTopic: UploadTopics.Answer(_deviceId), CorrelationData: pending.CorrelationData),
                cancellationToken).ConfigureAwait(false);
            if (!outcome.IsDelivered)
            {
                return Failure(description, outcome);
            }

            CollectorAnswer? answer = await WaitForAnswerAsync(pending, description, cancellationToken).ConfigureAwait(false);
            if (answer is null)
            {
                return AttemptResult.Failed;
            }

            if (answer.Outcome == AnswerOutcome.Stored)
            {
                if (_backlog.MarkRetractionDelivered(retraction.RetractionId))
                {
                    Statistics.RetractionDelivered();
                    LogRetractionDelivered(_logger, retraction.RetractionId, retraction.Segments.Count);
                }

                return AttemptResult.Done;
            }

            // Kept in the outbox (it is the device's record of the forget), marked with the reason, never sent again: also not after a restart.
            _backlog.MarkRetractionRejected(retraction.RetractionId, RejectionReason(answer.Reason));
            _retractionRetryAt.Remove(retraction.RetractionId);
            Statistics.RetractionRejected(description + ": " + answer.Reason);
            LogRetractionRejected(_logger, retraction.RetractionId, answer.Reason);
            return AttemptResult.Done;
        }
        finally
        {
            _router.Forget(pending);
        }
    }

    private async Task<CollectorAnswer?> WaitForAnswerAsync(PendingAnswer pending, string subject, CancellationToken cancellationToken)
    {
        try
        {
            return await pending.Completion.Task.WaitAsync(_options.AnswerTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Statistics.AnswerTimeout();
            LogAnswerTimeout(_logger, subject, _options.AnswerTimeout.TotalSeconds);
            return null;
        }
    }

    private AttemptResult Failure(string subject, PublishOutcome outcome)
    {
        if (outcome.Status == PublishStatus.NotConnected)
        {
            return AttemptResult.ConnectionLost;
        }

        LogPublishRefused(_logger, subject, outcome.Status, outcome.Detail);
        return AttemptResult.Failed;
    }

    private enum AttemptResult
    {
        Done,
        Failed,
        ConnectionLost,
    }
}
