using System.Security.Cryptography;
using EdgeCapture.Collector.Index;
using EdgeCapture.Collector.Storage;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector.Ingest;

/// <summary>
/// The collector's ingest: every message on the topics it listens to ends here, and each ends in exactly one of: a part
/// staged, a segment stored and answered <c>stored</c> (only after its blob and directory are fsynced and its index row
/// committed), <c>missing [parts]</c>, <c>rejected (reason)</c> with the segment quarantined, or a quarantine entry.
/// All state lives in the store (index, staging, blobs), none in this object, so any number of instances may share one
/// store and any of them may finish a segment whose parts others staged ("Exactly once"; "Bad input loses nothing").
/// </summary>
public sealed partial class SegmentIngest
{
    /// <summary>The largest message any upload topic accepts (a part of the largest size); anything longer is quarantined unread.</summary>
    public const int MaximumMessageLength = ProtocolLimits.MaximumPartMessageLength;

    private static readonly byte[] NoPredecessor = new byte[ContentAddress.HashLength];
    private readonly CollectorStore _store;
    private readonly IMessageSigner _collector;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the ingest over a store.</summary>
    /// <param name="store">The shared store.</param>
    /// <param name="collector">The collector's signing key, for answers.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where it logs.</param>
    public SegmentIngest(CollectorStore store, IMessageSigner collector, TimeProvider time, ILogger<SegmentIngest> logger)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _collector = collector ?? throw new ArgumentNullException(nameof(collector));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Handles one message. Never throws for bad input; throws only when the store itself fails (then nothing was answered).</summary>
    /// <param name="message">The message.</param>
    /// <returns>What happened, and the answer to publish.</returns>
    public IngestResult Handle(IncomingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!UploadTopics.TryParse(message.Topic, out string deviceId, out string suffix))
        {
            return Quarantine(message, "?", null, "topic-invalid", "the topic is not edgecapture/v1/{device}/...", keepPayload: false);
        }

        if (message.Payload.Length > MaximumMessageLength)
        {
            return Quarantine(message, deviceId, null, "oversized", $"more than {MaximumMessageLength} bytes", keepPayload: false);
        }

        return suffix switch
        {
            UploadTopics.PartSuffix => HandlePart(message, deviceId),
            UploadTopics.CommitSuffix => HandleCommit(message, deviceId),
            UploadTopics.RetractionSuffix => HandleRetraction(message, deviceId),
            UploadTopics.PresenceSuffix => HandlePresence(message, deviceId),
            _ => Quarantine(message, deviceId, null, "topic-unknown", "no such upload topic", keepPayload: false),
        };
    }

    private IngestResult HandlePart(IncomingMessage message, string deviceId)
    {
        SegmentPart part;
        try
        {
            part = SegmentPartCodec.Decode(message.Payload);
        }
        catch (ProtocolFormatException error)
        {
            return Quarantine(message, deviceId, null, "part-malformed", error.Message, keepPayload: true);
        }

        if (part.DeviceId != deviceId)
        {
            return Quarantine(message, deviceId, part.Segment, "device-mismatch", $"the part names device '{part.DeviceId}' on device '{deviceId}''s topic", keepPayload: true);
        }

        if (_store.Index.FindDeviceKey(deviceId) is null)
        {
            return Quarantine(message, deviceId, part.Segment, "unknown-device", "the device is not enrolled", keepPayload: true);
        }

        if (_store.Index.FindSessionOwner(part.Segment.SessionId) is { } owner && owner != deviceId)
        {
            return Quarantine(message, deviceId, part.Segment, "session-of-another-device", $"session {part.Segment.SessionId:D} belongs to device '{owner}'", keepPayload: false);
        }

        if (_store.Index.FindSegment(part.Segment) is not null || _store.Index.IsRetracted(part.Segment))
        {
            IngestLog.PartIgnored(_logger, deviceId, part.Segment, part.PartIndex, "its segment is already stored or retracted");
            return new IngestResult(IngestOutcome.PartDuplicate, null, "segment already stored or retracted");
        }

        var staged = new StagedSegmentId(deviceId, part.Segment);
        PartStageResult result = _store.Staging.Stage(staged, part.Layout, part.PartIndex, part.PartSha256.Span, part.Data.Span);
        switch (result)
        {
            case PartStageResult.OverQuota:
                IngestLog.StagingFull(_logger, deviceId, part.Segment, part.PartIndex, _store.Staging.StagedBytes);
                return new IngestResult(IngestOutcome.PartOverQuota, null, "staging full");
            case PartStageResult.AlreadyStaged:
                return new IngestResult(IngestOutcome.PartDuplicate, null, "part already staged");
            default:
                return new IngestResult(IngestOutcome.PartStaged, null, "staged");
        }
    }

    private IngestResult HandleCommit(IncomingMessage message, string deviceId)
    {
        SegmentCommit commit;
        try
        {
            commit = SegmentCommitCodec.Decode(message.Payload);
        }
        catch (ProtocolFormatException error)
        {
            return Quarantine(message, deviceId, null, "commit-malformed", error.Message, keepPayload: true);
        }

        SegmentReference segment = commit.Segment;
        if (commit.DeviceId != deviceId)
        {
            return Reject(message, deviceId, commit, "device-mismatch", $"the commit names device '{commit.DeviceId}' on device '{deviceId}''s topic");
        }

        DevicePublicKey? deviceKey = _store.Index.FindDeviceKey(deviceId);
        if (deviceKey is null)
        {
            return Reject(message, deviceId, commit, "unknown-device", "the device is not enrolled at this collector");
        }

        if (CheckManifest(commit, deviceId, deviceKey) is { } problem)
        {
            return Reject(message, deviceId, commit, problem.Reason, problem.Detail);
        }

        SegmentManifest manifest = ManifestCodec.Decode(commit.SignedManifest).Manifest;
        byte[] manifestHash = SHA256.HashData(commit.SignedManifest.Span);
        var staged = new StagedSegmentId(deviceId, segment);
        if (_store.Index.FindSegment(segment) is { } existing)
        {
            return AnswerExisting(message, deviceId, commit, existing, manifestHash, staged);
        }

        if (_store.Index.IsRetracted(segment))
        {
            _store.Staging.Remove(staged);
            return Reject(message, deviceId, commit, "retracted", "the device retracted this segment; it is not stored again", quarantine: false);
        }

        if (_store.Index.FindSessionOwner(segment.SessionId) is { } owner && owner != deviceId)
        {
            return Reject(message, deviceId, commit, "session-of-another-device", $"session {segment.SessionId:D} belongs to device '{owner}'");
        }

        (string Reason, string Detail)? chainProblem = CheckChain(segment, manifest, manifestHash, out bool linked, out StoredSegment? successor);
        if (chainProblem is { } broken)
        {
            return Reject(message, deviceId, commit, broken.Reason, broken.Detail);
        }

        return Assemble(message, deviceId, commit, manifest, manifestHash, linked, successor, staged);
    }

    private IngestResult Assemble(IncomingMessage message, string deviceId, SegmentCommit commit, SegmentManifest manifest, byte[] manifestHash, bool linked, StoredSegment? successor, StagedSegmentId staged)
    {
        SegmentReference segment = commit.Segment;
        IReadOnlyList<int> stagedParts = _store.Staging.StagedParts(staged, commit.Layout);
        if (stagedParts.Count < commit.Layout.PartCount)
        {
            return Missing(message, deviceId, commit, MissingParts(stagedParts, commit.Layout.PartCount));
        }

        var address = ContentAddress.FromHash(commit.CiphertextSha256.Span);
        BlobPutResult put;
        using (Stream? ciphertext = _store.Staging.OpenCiphertext(staged, commit.Layout))
        {
            if (ciphertext is null)
            {
                // Finished or cleared by another instance meanwhile: ask again and let the index decide.
                return _store.Index.FindSegment(segment) is { } stored
                    ? AnswerExisting(message, deviceId, commit, stored, manifestHash, staged)
                    : Missing(message, deviceId, commit, [.. Enumerable.Range(0, commit.Layout.PartCount)]);
            }

            put = _store.Blobs.Put(address, commit.Layout.CiphertextLength, ciphertext);
        }

        if (put == BlobPutResult.ContentMismatch)
        {
            return Mismatch(message, deviceId, commit, staged);
        }

        DateTimeOffset now = _time.GetUtcNow();
        var row = new StoredSegment(deviceId, segment, address, commit.Layout.CiphertextLength, commit.SignedManifest.ToArray(), manifestHash,
            manifest.PreviousManifestSha256.ToArray(), FromUnixNanoseconds(manifest.WallClockStartUnixNanoseconds), FromUnixNanoseconds(manifest.WallClockEndUnixNanoseconds),
            manifest.EndsSession ? 1 : 0, linked, now);
        if (!_store.Index.TryInsertSegment(row))
        {
            // Another instance stored it between our check and our insert.
            return _store.Index.FindSegment(segment) is { } stored
                ? AnswerExisting(message, deviceId, commit, stored, manifestHash, staged)
                : throw new InvalidOperationException($"Segment {segment} could neither be inserted nor found.");
        }

        if (successor is not null)
        {
            _store.Index.MarkChainLinked(successor.Segment);
        }

        if (!linked)
        {
            IngestLog.Gap(_logger, deviceId, segment, segment.SegmentIndex - 1);
        }

        _store.Staging.Remove(staged);
        IngestLog.Stored(_logger, deviceId, segment, row.CiphertextLength, address.Hex);
        return Answer(message, deviceId, IngestOutcome.SegmentStored, CollectorAnswer.SegmentStored(deviceId, segment, commit.CiphertextSha256, Correlation(message), now), "stored");
    }

    private IngestResult Mismatch(IncomingMessage message, string deviceId, SegmentCommit commit, StagedSegmentId staged)
    {
        IReadOnlyList<int> damaged = _store.Staging.RemoveDamagedParts(staged, commit.Layout);
        if (damaged.Count > 0)
        {
            IngestLog.DamagedParts(_logger, deviceId, commit.Segment, damaged.Count);
            return Missing(message, deviceId, commit, damaged);
        }

        // Every part matches its own hash, yet the whole does not match the signed one: a stray copy of some part (a
        // replay, a part of another segment under this name) or a wrong ciphertext. Ask for all parts once; if the
        // fresh copy does not match either, the device's ciphertext is not what it signed.
        if (_store.Staging.MismatchCount(staged) == 0)
        {
            _store.Staging.RecordMismatch(staged);
            return Missing(message, deviceId, commit, [.. Enumerable.Range(0, commit.Layout.PartCount)]);
        }

        string? evidence;
        using (Stream? ciphertext = _store.Staging.OpenCiphertext(staged, commit.Layout))
        {
            evidence = ciphertext is null ? null : _store.Quarantine.Keep("ciphertext-altered", ciphertext);
        }

        _store.Staging.Remove(staged);
        return Reject(message, deviceId, commit, "ciphertext-altered", "the reassembled ciphertext does not match the SHA-256 in the signed manifest", evidence: evidence);
    }

    private IngestResult AnswerExisting(IncomingMessage message, string deviceId, SegmentCommit commit, StoredSegment existing, byte[] manifestHash, StagedSegmentId staged)
    {
        _store.Staging.Remove(staged);
        if (existing.DeviceId == deviceId && existing.ManifestSha256.Span.SequenceEqual(manifestHash))
        {
            IngestLog.Duplicate(_logger, deviceId, commit.Segment);
            return Answer(message, deviceId, IngestOutcome.SegmentDuplicate,
                CollectorAnswer.SegmentStored(deviceId, commit.Segment, existing.Address.ToHash(), Correlation(message), _time.GetUtcNow()), "already stored");
        }

        return Reject(message, deviceId, commit, "conflicts-with-stored", "a different segment is already stored under this session and index");
    }

    private static (string Reason, string Detail)? CheckManifest(SegmentCommit commit, string deviceId, DevicePublicKey deviceKey)
    {
        DecodedManifest decoded;
        try
        {
            decoded = ManifestCodec.Decode(commit.SignedManifest);
        }
        catch (SegmentFormatException error)
        {
            return ("manifest-malformed", error.Message);
        }

        SegmentManifest manifest = decoded.Manifest;
        if (!deviceKey.Verify(ManifestCodec.SignedMessage(decoded.Body.Span), decoded.Signature.Span))
        {
            return ("signature-invalid", "the manifest signature does not verify with the device's enrolled key");
        }

        if (!manifest.SigningPublicKey.Span.SequenceEqual(deviceKey.ToArray()) || manifest.DeviceId != deviceId)
        {
            return ("wrong-device", "the manifest names another device or signing key");
        }

        if (manifest.SessionId != commit.Segment.SessionId || manifest.SegmentIndex != commit.Segment.SegmentIndex)
        {
            return ("key-mismatch", $"the manifest is for {manifest.SessionId:D}/{manifest.SegmentIndex}, the commit for {commit.Segment}");
        }

        if (!manifest.CiphertextSha256.Span.SequenceEqual(commit.CiphertextSha256.Span) || manifest.CiphertextLength != commit.Layout.CiphertextLength)
        {
            return ("hash-mismatch", "the commit's ciphertext hash or length differs from the signed manifest's");
        }

        return null;
    }

    private (string Reason, string Detail)? CheckChain(SegmentReference segment, SegmentManifest manifest, byte[] manifestHash, out bool linked, out StoredSegment? successor)
    {
        linked = false;
        successor = null;
        if (segment.SegmentIndex == 0)
        {
            if (!manifest.PreviousManifestSha256.Span.SequenceEqual(NoPredecessor))
            {
                return ("chain-start-invalid", "segment 0 links to a predecessor");
            }

            linked = true;
        }
        else if (_store.Index.FindSegment(segment with { SegmentIndex = segment.SegmentIndex - 1 }) is { } predecessor)
        {
            if (!predecessor.ManifestSha256.Span.SequenceEqual(manifest.PreviousManifestSha256.Span))
            {
                return ("chain-broken", $"the manifest does not link to the stored manifest of segment {segment.SegmentIndex - 1}");
            }

            linked = true;
        }

        if (segment.SegmentIndex < int.MaxValue && _store.Index.FindSegment(segment with { SegmentIndex = segment.SegmentIndex + 1 }) is { } next)
        {
            if (!next.PreviousManifestSha256.Span.SequenceEqual(manifestHash))
            {
                return ("chain-conflict", $"the stored segment {segment.SegmentIndex + 1} links to a different manifest");
            }

            successor = next;
        }

        return null;
    }

    private static int[] MissingParts(IReadOnlyList<int> staged, int partCount)
    {
        var present = new HashSet<int>(staged);
        return [.. Enumerable.Range(0, partCount).Where(index => !present.Contains(index)).Take(ProtocolLimits.MaximumMissingParts)];
    }

    private IngestResult Missing(IncomingMessage message, string deviceId, SegmentCommit commit, IReadOnlyList<int> missing)
    {
        IngestLog.Missing(_logger, deviceId, commit.Segment, missing.Count);
        return Answer(message, deviceId, IngestOutcome.SegmentMissing,
            CollectorAnswer.SegmentMissing(deviceId, commit.Segment, commit.CiphertextSha256, [.. missing.Take(ProtocolLimits.MaximumMissingParts)], Correlation(message), _time.GetUtcNow()),
            $"{missing.Count} parts missing");
    }

    private IngestResult Reject(IncomingMessage message, string deviceId, SegmentCommit commit, string reason, string detail, bool quarantine = true, string? evidence = null)
    {
        if (quarantine)
        {
            evidence ??= _store.Quarantine.Keep(reason, message.Payload.Span);
            _store.Index.AddQuarantine(new QuarantineEntry(0, _time.GetUtcNow(), deviceId, message.Topic, commit.Segment, reason, detail, message.Payload.Length, evidence));
        }

        IngestLog.Rejected(_logger, deviceId, commit.Segment, reason + ": " + detail);
        string text = Truncate(reason + ": " + detail, ProtocolLimits.MaximumReasonLength);
        return Answer(message, deviceId, IngestOutcome.SegmentRejected,
            CollectorAnswer.SegmentRejected(deviceId, commit.Segment, commit.CiphertextSha256, text, Correlation(message), _time.GetUtcNow()), text);
    }

    private IngestResult Quarantine(IncomingMessage message, string deviceId, SegmentReference? segment, string reason, string detail, bool keepPayload)
    {
        string? evidence = keepPayload ? _store.Quarantine.Keep(reason, message.Payload.Span) : null;
        _store.Index.AddQuarantine(new QuarantineEntry(0, _time.GetUtcNow(), deviceId, Truncate(message.Topic, 1024), segment, reason, Truncate(detail, 1024), message.Payload.Length, evidence));
        IngestLog.Quarantined(_logger, Truncate(message.Topic, 256), deviceId, reason, detail);
        return new IngestResult(IngestOutcome.Quarantined, null, reason + ": " + detail);
    }

    private IngestResult Answer(IncomingMessage message, string deviceId, IngestOutcome outcome, CollectorAnswer answer, string detail)
    {
        string topic = UploadTopics.Answer(deviceId);
        if (message.ResponseTopic is { } requested && requested != topic)
        {
            // Answers go only to the device's own topic: a device cannot make the collector publish into another's.
            IngestLog.ResponseTopicIgnored(_logger, message.Topic, Truncate(requested, 256), topic);
        }

        return new IngestResult(outcome, new OutgoingAnswer(topic, CollectorAnswerCodec.Encode(answer, _collector), answer.CorrelationData, answer), detail);
    }

    private static ReadOnlyMemory<byte> Correlation(IncomingMessage message) =>
        message.CorrelationData.Length <= ProtocolLimits.MaximumCorrelationDataLength ? message.CorrelationData : ReadOnlyMemory<byte>.Empty;

    private static DateTimeOffset FromUnixNanoseconds(long nanoseconds) => DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
