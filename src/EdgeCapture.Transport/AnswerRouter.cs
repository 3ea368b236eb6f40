using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Transport;

/// <summary>A commit or retraction waiting for its answer, keyed by its Correlation Data.</summary>
internal sealed class PendingAnswer(AnswerSubject subject, SegmentReference segment, byte[] digest, byte[] correlationData)
{
    internal AnswerSubject Subject { get; } = subject;

    internal SegmentReference Segment { get; } = segment;

    internal byte[] Digest { get; } = digest;

    internal byte[] CorrelationData { get; } = correlationData;

    internal TaskCompletionSource<CollectorAnswer> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal bool Matches(CollectorAnswer answer) =>
        answer.Subject == Subject && answer.Segment == Segment && answer.Digest.Span.SequenceEqual(Digest);
}

/// <summary>
/// Reads the answer topic: decodes strictly, verifies the collector's signature, checks that the answer names this
/// device and exactly the bytes of the request, and only then hands it to the waiting commit. Anything else is
/// logged and dropped, so a malformed or forged answer can neither crash the uploader nor delete data
/// ("Exactly once": data leaves the outbox only on a verified <c>stored</c>). A verified answer that arrives after
/// its request gave up still counts when it names a segment or retraction the outbox holds with the same digest.
/// </summary>
internal sealed partial class AnswerRouter(string deviceId, DevicePublicKey collectorKey, IUploadBacklog backlog, UploaderStatistics statistics, ILogger logger)
{
    private const int CorrelationLength = 16;
    private readonly ConcurrentDictionary<string, PendingAnswer> _waiting = new(StringComparer.Ordinal);

    internal PendingAnswer Expect(AnswerSubject subject, SegmentReference segment, ReadOnlySpan<byte> digest)
    {
        while (true)
        {
            var pending = new PendingAnswer(subject, segment, digest.ToArray(), RandomNumberGenerator.GetBytes(CorrelationLength));
            if (_waiting.TryAdd(Convert.ToHexString(pending.CorrelationData), pending))
            {
                return pending;
            }
        }
    }

    internal void Forget(PendingAnswer pending) => _waiting.TryRemove(Convert.ToHexString(pending.CorrelationData), out _);

    internal async Task RunAsync(ChannelReader<ReceivedMessage> answers, CancellationToken cancellationToken)
    {
        await foreach (ReceivedMessage message in answers.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            Handle(message);
        }
    }

    internal void Handle(ReceivedMessage message)
    {
        SignedMessage<CollectorAnswer> signed;
        try
        {
            signed = CollectorAnswerCodec.Decode(message.Payload);
        }
        catch (ProtocolFormatException exception)
        {
            statistics.MalformedAnswer();
            LogMalformedAnswer(logger, message.Topic, exception.Message);
            return;
        }

        CollectorAnswer answer = signed.Message;
        if (!signed.IsSignedBy(collectorKey))
        {
            statistics.UnverifiedAnswer();
            LogUnverifiedAnswer(logger, answer.Outcome, answer.Subject, answer.Segment.ToString());
            return;
        }

        if (!string.Equals(answer.DeviceId, deviceId, StringComparison.Ordinal))
        {
            statistics.MismatchedAnswer();
            LogAnswerForOtherDevice(logger, answer.DeviceId);
            return;
        }

        string correlation = Convert.ToHexString(answer.CorrelationData.Span);
        if (_waiting.TryGetValue(correlation, out PendingAnswer? pending))
        {
            if (!pending.Matches(answer))
            {
                statistics.MismatchedAnswer();
                LogAnswerDoesNotMatch(logger, answer.Segment.ToString(), pending.Segment.ToString());
                return;
            }

            if (_waiting.TryRemove(correlation, out _))
            {
                pending.Completion.TrySetResult(answer);
                return;
            }
        }

        HandleLateAnswer(answer);
    }

    /// <summary>A verified answer nobody waits for any more: apply it only to data the outbox still holds with the same digest.</summary>
    private void HandleLateAnswer(CollectorAnswer answer)
    {
        if (answer.Subject == AnswerSubject.Retraction)
        {
            if (answer.Outcome == AnswerOutcome.Stored)
            {
                foreach (PendingRetraction retraction in backlog.GetPendingRetractions(256))
                {
                    if (RetractionDocumentCodec.Digest(retraction.Document.Span).AsSpan().SequenceEqual(answer.Digest.Span)
                        && backlog.MarkRetractionDelivered(retraction.RetractionId))
                    {
                        statistics.RetractionDelivered();
                        LogLateRetractionApplied(logger, retraction.RetractionId);
                    }
                }
            }

            return;
        }

        var key = new SegmentKey(answer.Segment.SessionId, answer.Segment.SegmentIndex);
        OutboxSegment? held = backlog.GetSegment(key);
        if (held is null || held.State is UploadState.Acknowledged or UploadState.Rejected || !held.CiphertextSha256.Span.SequenceEqual(answer.Digest.Span))
        {
            LogLateAnswerIgnored(logger, answer.Outcome, key);
            return;
        }

        if (answer.Outcome == AnswerOutcome.Stored && backlog.MarkAcknowledged(key))
        {
            statistics.SegmentStored();
            LogLateAnswerApplied(logger, answer.Outcome, key);
        }
        else if (answer.Outcome == AnswerOutcome.Rejected && backlog.MarkRejected(key, SegmentUploader.RejectionReason(answer.Reason)))
        {
            statistics.SegmentRejected(key + ": " + answer.Reason);
            LogLateAnswerApplied(logger, answer.Outcome, key);
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Malformed collector answer on {Topic} dropped: {Reason}")]
    private static partial void LogMalformedAnswer(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Collector answer ({Outcome}, {Subject} {Segment}) is not signed by the provisioned collector key: dropped, nothing deleted")]
    private static partial void LogUnverifiedAnswer(ILogger logger, AnswerOutcome outcome, AnswerSubject subject, string segment);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Signed collector answer for device {DeviceId} dropped: not this device")]
    private static partial void LogAnswerForOtherDevice(ILogger logger, string deviceId);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Signed collector answer about {Answered} does not match the request for {Requested}: dropped")]
    private static partial void LogAnswerDoesNotMatch(ILogger logger, string answered, string requested);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Late collector answer {Outcome} applied to segment {Segment}")]
    private static partial void LogLateAnswerApplied(ILogger logger, AnswerOutcome outcome, SegmentKey segment);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "Late collector answer {Outcome} for {Segment} ignored: not held with that digest")]
    private static partial void LogLateAnswerIgnored(ILogger logger, AnswerOutcome outcome, SegmentKey segment);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Information, Message = "Late collector answer applied: retraction {RetractionId} delivered")]
    private static partial void LogLateRetractionApplied(ILogger logger, long retractionId);
}
