namespace EdgeCapture.Storage;

/// <summary>How thoroughly an existing database file is checked when the outbox opens.</summary>
public enum OutboxStartupCheck
{
    /// <summary><c>PRAGMA quick_check</c>: every page is read, b-tree structure and record formats are verified (not index contents). The default.</summary>
    Quick = 0,

    /// <summary><c>PRAGMA integrity_check</c>: as <see cref="Quick"/> plus index consistency. Slower on large databases.</summary>
    Full = 1,

    /// <summary>
    /// The file header, write-ahead log header, application id, schema version and tables only: no page is scanned. Only for
    /// a reader that proves every segment it uses cryptographically (the custodian's export checks each manifest's signature,
    /// each session's hash chain and each ciphertext's SHA-256), so a damaged page shows there as a named failed or
    /// missing segment; reading every page first would only read the whole file one extra time. Never for the box itself.
    /// </summary>
    SchemaOnly = 2,
}
