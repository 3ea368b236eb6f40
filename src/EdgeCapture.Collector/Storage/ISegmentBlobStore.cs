namespace EdgeCapture.Collector.Storage;

/// <summary>
/// Where the collector keeps stored segments: content-addressed by the SHA-256 of their age ciphertext, so a blob is
/// written once however often it arrives. The ingest logic sees only this seam; the filesystem store is today's
/// implementation and an S3-compatible store can be added behind it (put-if-absent, read, delete).
/// Nothing here can decrypt: the blobs are age files for the custodian's identity.
/// </summary>
public interface ISegmentBlobStore
{
    /// <summary>Whether a blob with this content hash is stored.</summary>
    /// <param name="address">The ciphertext's SHA-256.</param>
    /// <returns>True when present.</returns>
    bool Exists(ContentAddress address);

    /// <summary>
    /// Streams <paramref name="content"/> into the store, hashing it on the way, and makes it durable (file and directory
    /// synced) before returning <see cref="BlobPutResult.Stored"/>. Content whose hash or length differs from the address
    /// is discarded and never becomes visible.
    /// </summary>
    /// <param name="address">The SHA-256 the content must have.</param>
    /// <param name="expectedLength">The length it must have.</param>
    /// <param name="content">The ciphertext, read to its end.</param>
    /// <returns>What happened.</returns>
    BlobPutResult Put(ContentAddress address, long expectedLength, Stream content);

    /// <summary>Opens a stored blob for reading, or returns null when it is not stored.</summary>
    /// <param name="address">The content hash.</param>
    /// <returns>A read-only stream, or null.</returns>
    Stream? OpenRead(ContentAddress address);

    /// <summary>Deletes a blob durably; deleting an absent blob is not an error.</summary>
    /// <param name="address">The content hash.</param>
    /// <returns>True when a blob was deleted.</returns>
    bool Delete(ContentAddress address);

    /// <summary>Where the blob lives, for operators and the custodian (a path today; a URI for an object store).</summary>
    /// <param name="address">The content hash.</param>
    /// <returns>The location.</returns>
    string Locate(ContentAddress address);
}

/// <summary>The outcome of <see cref="ISegmentBlobStore.Put"/>.</summary>
public enum BlobPutResult
{
    /// <summary>Written and durable.</summary>
    Stored,

    /// <summary>A blob with this address was already stored; nothing was written.</summary>
    AlreadyStored,

    /// <summary>The content's hash or length differs from the address; nothing was kept.</summary>
    ContentMismatch,
}
