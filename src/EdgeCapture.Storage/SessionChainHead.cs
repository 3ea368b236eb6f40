namespace EdgeCapture.Storage;

/// <summary>
/// The last link of a session's manifest hash chain. Kept independently of the segments (it survives acknowledgement and
/// forgetting) so that a restarted recorder can either continue the chain or begin a new session.
/// </summary>
public sealed class SessionChainHead
{
    /// <summary>The session.</summary>
    public required Guid SessionId { get; init; }

    /// <summary>Index of the last segment appended to the session.</summary>
    public required int LastSegmentIndex { get; init; }

    /// <summary>SHA-256 of that segment's manifest: the value the next manifest must carry as its predecessor.</summary>
    public required ReadOnlyMemory<byte> LastManifestSha256 { get; init; }

    /// <summary>When the last segment was appended.</summary>
    public required DateTimeOffset UpdatedUtc { get; init; }
}
