using System.Globalization;

namespace EdgeCapture.Storage;

/// <summary>
/// Identity of one sealed segment: the recording session it belongs to and its position in that session's chain.
/// The same pair names the segment on the collector, in manifests and in retractions.
/// </summary>
/// <param name="SessionId">The recording session.</param>
/// <param name="SegmentIndex">Zero-based index of the segment within the session.</param>
public readonly record struct SegmentKey(Guid SessionId, int SegmentIndex)
{
    /// <summary>Formats the key as <c>session/index</c>, for example <c>0f8fad5b-d9cb-469f-a165-70867728950e/3</c>.</summary>
    /// <returns>The formatted key.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{SessionId:D}/{SegmentIndex}");
}
