using System.Globalization;

namespace EdgeCapture.Protocol;

/// <summary>Names one sealed segment on the wire: its recording session and its index in that session's chain (the outbox's segment key).</summary>
/// <param name="SessionId">The recording session.</param>
/// <param name="SegmentIndex">Zero-based index in the session.</param>
public readonly record struct SegmentReference(Guid SessionId, int SegmentIndex)
{
    /// <summary>Formats as <c>session/index</c>, like the outbox's key.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{SessionId:D}/{SegmentIndex}");
}
