using EdgeCapture.Protocol;

namespace EdgeCapture.Collector.Ingest;

/// <summary>One MQTT message as the collector received it.</summary>
/// <param name="Topic">Its topic.</param>
/// <param name="Payload">Its payload (contiguous; the broker client copies it once).</param>
/// <param name="ResponseTopic">The MQTT 5 Response Topic, if any.</param>
/// <param name="CorrelationData">The MQTT 5 Correlation Data, if any.</param>
public sealed record IncomingMessage(string Topic, ReadOnlyMemory<byte> Payload, string? ResponseTopic, ReadOnlyMemory<byte> CorrelationData);

/// <summary>A signed answer to publish.</summary>
/// <param name="Topic">Always the device's own answer topic (<see cref="UploadTopics.Answer"/>).</param>
/// <param name="Payload">The signed answer.</param>
/// <param name="CorrelationData">The request's Correlation Data (also inside the signed payload).</param>
/// <param name="Answer">What it says.</param>
public sealed record OutgoingAnswer(string Topic, byte[] Payload, ReadOnlyMemory<byte> CorrelationData, CollectorAnswer Answer);

/// <summary>What ingest did with one message.</summary>
public enum IngestOutcome
{
    /// <summary>A part was staged.</summary>
    PartStaged,

    /// <summary>A part was already staged, or belongs to a segment already stored (replayed).</summary>
    PartDuplicate,

    /// <summary>A part was not kept because staging is full.</summary>
    PartOverQuota,

    /// <summary>A segment was stored durably; answered <c>stored</c>.</summary>
    SegmentStored,

    /// <summary>A segment was already stored; answered <c>stored</c>, nothing written.</summary>
    SegmentDuplicate,

    /// <summary>Parts are missing; answered <c>missing</c>.</summary>
    SegmentMissing,

    /// <summary>A segment was refused and quarantined; answered <c>rejected</c>.</summary>
    SegmentRejected,

    /// <summary>A retraction was applied (or had been); answered <c>stored</c>.</summary>
    RetractionApplied,

    /// <summary>A retraction was refused; answered <c>rejected</c>.</summary>
    RetractionRejected,

    /// <summary>A presence message was recorded.</summary>
    PresenceRecorded,

    /// <summary>The message was quarantined without an answer (malformed, unknown device, not ours).</summary>
    Quarantined,
}

/// <summary>The result of <see cref="SegmentIngest.Handle"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Answer">The signed answer to publish, if any.</param>
/// <param name="Detail">A short explanation (for logs and tests).</param>
public sealed record IngestResult(IngestOutcome Outcome, OutgoingAnswer? Answer, string Detail);
