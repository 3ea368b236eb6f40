namespace EdgeCapture.Storage;

/// <summary>Outcome of <see cref="SegmentOutbox.AppendSealedSegment"/>.</summary>
public enum AppendResult
{
    /// <summary>The segment is committed and durable (the write-ahead log was fsynced before the call returned).</summary>
    Stored = 0,

    /// <summary>The same segment (same key, same ciphertext and manifest hashes) was already stored; nothing changed. Makes a retry after an ambiguous failure safe.</summary>
    AlreadyStored = 1,

    /// <summary>
    /// Not stored: the quota would be exceeded or the file system is full. The outbox is unchanged and
    /// <see cref="SegmentOutbox.IsStorageFull"/> is set; the recorder stops recording and reports it, the relay keeps working.
    /// </summary>
    StorageFull = 2,
}
