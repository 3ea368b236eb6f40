namespace EdgeCapture.Storage;

/// <summary>A signed retraction the collector refused for good: kept as the box's record of the forget, with the collector's reason.</summary>
public sealed class RejectedRetraction
{
    /// <summary>Outbox identifier of the retraction.</summary>
    public required long RetractionId { get; init; }

    /// <summary>The signed document as it was sent.</summary>
    public required ReadOnlyMemory<byte> Document { get; init; }

    /// <summary>The segments it retracts.</summary>
    public required IReadOnlyList<SegmentKey> Segments { get; init; }

    /// <summary>When it was queued.</summary>
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The collector's reason.</summary>
    public required string Reason { get; init; }

    /// <summary>When the rejection was recorded.</summary>
    public required DateTimeOffset RejectedUtc { get; init; }
}
