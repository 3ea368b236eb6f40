namespace EdgeCapture.Protocol;

/// <summary>
/// The device-signed retraction the forget button queues for segments that may already have left the box (written by
/// the recorder's outbox sink; the box publishes it unchanged on <c>up/retraction</c>).
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="IssuedUtc">When the device signed it.</param>
/// <param name="WindowStartUtc">Start of the forgotten window (the Unix epoch when the retraction is not for a window, for example one re-queued at start).</param>
/// <param name="WindowEndUtc">End of the forgotten window (likewise).</param>
/// <param name="Segments">The segments to delete.</param>
public sealed record RetractionDocument(
    string DeviceId,
    DateTimeOffset IssuedUtc,
    DateTimeOffset WindowStartUtc,
    DateTimeOffset WindowEndUtc,
    IReadOnlyList<SegmentReference> Segments);
