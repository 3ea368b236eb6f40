using EdgeCapture.Collector.Index;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;

namespace EdgeCapture.Collector.Ingest;

/// <summary>Retractions (the forget button, for segments that may have left the box) and presence.</summary>
public sealed partial class SegmentIngest
{
    private IngestResult HandleRetraction(IncomingMessage message, string deviceId)
    {
        byte[] digest = RetractionDocumentCodec.Digest(message.Payload.Span);
        SignedMessage<RetractionDocument> signed;
        try
        {
            signed = RetractionDocumentCodec.Decode(message.Payload);
        }
        catch (ProtocolFormatException error)
        {
            // Malformed: quarantined and answered, so the box reports it instead of sending it for ever.
            return RejectRetraction(message, deviceId, digest, "retraction-malformed", error.Message);
        }

        DevicePublicKey? deviceKey = _store.Index.FindDeviceKey(deviceId);
        if (deviceKey is null)
        {
            return RejectRetraction(message, deviceId, digest, "unknown-device", "the device is not enrolled at this collector");
        }

        if (signed.Message.DeviceId != deviceId || !signed.IsSignedBy(deviceKey))
        {
            return RejectRetraction(message, deviceId, digest, "signature-invalid", "the retraction is not signed by this device's enrolled key");
        }

        if (_store.Index.FindRetraction(digest) is null)
        {
            (RetractionRecord record, IReadOnlyList<StoredSegment> deleted) = _store.Index.ApplyRetraction(
                deviceId, message.Payload, digest, signed.Message.IssuedUtc, signed.Message.Segments, _time.GetUtcNow());
            foreach (StoredSegment row in deleted)
            {
                if (!_store.Index.IsBlobReferenced(row.Address))
                {
                    _store.Blobs.Delete(row.Address);
                }

                _store.Staging.Remove(new Storage.StagedSegmentId(deviceId, row.Segment));
            }

            foreach (SegmentReference segment in signed.Message.Segments)
            {
                _store.Staging.Remove(new Storage.StagedSegmentId(deviceId, segment));
            }

            IngestLog.Retracted(_logger, deviceId, record.SegmentsNamed, record.SegmentsDeleted, record.BytesDeleted);
        }

        return Answer(message, deviceId, IngestOutcome.RetractionApplied,
            CollectorAnswer.RetractionStored(deviceId, digest, Correlation(message), _time.GetUtcNow()), "retraction applied");
    }

    private IngestResult RejectRetraction(IncomingMessage message, string deviceId, byte[] digest, string reason, string detail)
    {
        string? evidence = _store.Quarantine.Keep(reason, message.Payload.Span);
        _store.Index.AddQuarantine(new QuarantineEntry(0, _time.GetUtcNow(), deviceId, message.Topic, null, reason, Truncate(detail, 1024), message.Payload.Length, evidence));
        IngestLog.RetractionRejected(_logger, deviceId, reason + ": " + detail);
        string text = Truncate(reason + ": " + detail, ProtocolLimits.MaximumReasonLength);
        return Answer(message, deviceId, IngestOutcome.RetractionRejected,
            CollectorAnswer.RetractionRejected(deviceId, digest, text, Correlation(message), _time.GetUtcNow()), text);
    }

    private IngestResult HandlePresence(IncomingMessage message, string deviceId)
    {
        if (message.Payload.IsEmpty)
        {
            // A retained presence cleared by an operator: nothing to record.
            return new IngestResult(IngestOutcome.PresenceRecorded, null, "presence cleared");
        }

        SignedMessage<PresenceMessage> signed;
        try
        {
            signed = PresenceCodec.Decode(message.Payload);
        }
        catch (ProtocolFormatException error)
        {
            return Quarantine(message, deviceId, null, "presence-malformed", error.Message, keepPayload: true);
        }

        DevicePublicKey? deviceKey = _store.Index.FindDeviceKey(deviceId);
        if (deviceKey is null)
        {
            return Quarantine(message, deviceId, null, "unknown-device", "presence from a device that is not enrolled", keepPayload: false);
        }

        if (signed.Message.DeviceId != deviceId || !signed.IsSignedBy(deviceKey))
        {
            return Quarantine(message, deviceId, null, "signature-invalid", "presence not signed by this device's enrolled key", keepPayload: true);
        }

        bool current = _store.Index.RecordPresence(deviceId, signed.Message.Online, signed.Message.BirthDeathSequence, _time.GetUtcNow());
        return new IngestResult(IngestOutcome.PresenceRecorded, null, (signed.Message.Online ? "online" : "offline") + (current ? string.Empty : " (stale, ignored)"));
    }
}
