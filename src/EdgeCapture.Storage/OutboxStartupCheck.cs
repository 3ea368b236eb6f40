namespace EdgeCapture.Storage;

/// <summary>How thoroughly an existing database file is checked when the outbox opens.</summary>
public enum OutboxStartupCheck
{
    /// <summary><c>PRAGMA quick_check</c>: every page is read, b-tree structure and record formats are verified (not index contents). The default.</summary>
    Quick = 0,

    /// <summary><c>PRAGMA integrity_check</c>: as <see cref="Quick"/> plus index consistency. Slower on large databases.</summary>
    Full = 1,
}
