namespace EdgeCapture.Storage;

/// <summary>A signed retraction document waiting to be delivered to the collector.</summary>
public sealed class PendingRetraction
{
    /// <summary>Outbox identifier of the retraction (for <see cref="SegmentOutbox.MarkRetractionDelivered"/>).</summary>
    public required long RetractionId { get; init; }

    /// <summary>The signed document, opaque to the outbox.</summary>
    public required ReadOnlyMemory<byte> Document { get; init; }

    /// <summary>The segments it retracts.</summary>
    public required IReadOnlyList<SegmentKey> Segments { get; init; }

    /// <summary>When it was queued.</summary>
    public required DateTimeOffset CreatedUtc { get; init; }
}
