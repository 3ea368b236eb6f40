namespace EdgeCapture.Storage;

/// <summary>Where a sealed segment is on its way to the collector. Stored as the integer value; do not renumber.</summary>
public enum UploadState
{
    /// <summary>Sealed and durable on the box; not yet handed to the uploader.</summary>
    Pending = 0,

    /// <summary>The uploader is sending it. Reset to <see cref="Pending"/> when the outbox is reopened after a restart.</summary>
    Uploading = 1,

    /// <summary>Fully sent; the collector has not yet acknowledged it. The ciphertext is still kept. Reset to <see cref="Pending"/> when the outbox is reopened after a restart (committed again, never stranded).</summary>
    Uploaded = 2,

    /// <summary>The collector acknowledged it. Ciphertext and manifest are deleted; only a small tombstone (key, time range, hashes) remains for a retention period so that a later forget can still ask for a retraction.</summary>
    Acknowledged = 3,

    /// <summary>
    /// The collector refused it for good (its signed answer gave a reason). The ciphertext and manifest are kept (they still count
    /// against the quota), the reason is stored with it, and it is never offered for upload again automatically: only a person
    /// who has read the reason decides what happens to it. A forget still deletes it.
    /// </summary>
    Rejected = 4,
}
