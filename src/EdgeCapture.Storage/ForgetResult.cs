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

    /// <summary>
    /// False while the write-ahead log could not be truncated (a reader held it): old copies of forgotten pages may still sit in
    /// it. The outbox retries (<see cref="SegmentOutbox.RetryForgetCheckpoint"/>, called on every later write and by the recorder's
    /// clock) and <see cref="SegmentOutbox.IsForgetComplete"/> says when it is done.
    /// </summary>
    public bool IsComplete { get; init; } = true;

    /// <summary>Databases moved aside as <c>.corrupt-*</c> that the forget deleted.</summary>
    public int CorruptCopiesDeleted { get; init; }
}
