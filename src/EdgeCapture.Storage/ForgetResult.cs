namespace EdgeCapture.Storage;

/// <summary>Outcome of <see cref="SegmentOutbox.ForgetWindow"/>.</summary>
public sealed class ForgetResult
{
    /// <summary>Segments that had not left the box (<see cref="UploadState.Pending"/>): deleted without a trace.</summary>
    public required IReadOnlyList<SegmentKey> DeletedBeforeUpload { get; init; }

    /// <summary>
    /// Segments that may have reached the collector (<see cref="UploadState.Uploading"/>, <see cref="UploadState.Uploaded"/>,
    /// <see cref="UploadState.Acknowledged"/>): their local ciphertext is deleted too, and they are remembered as awaiting a
    /// retraction until <see cref="SegmentOutbox.QueueRetraction"/> names them. Sign a retraction for these.
    /// </summary>
    public required IReadOnlyList<SegmentKey> RequireRetraction { get; init; }
}
