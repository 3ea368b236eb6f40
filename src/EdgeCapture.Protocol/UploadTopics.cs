namespace EdgeCapture.Protocol;

/// <summary>
/// The versioned topic namespace. Everything a box publishes lies under <c>edgecapture/v1/{deviceId}/up/</c>, everything
/// it receives under <c>edgecapture/v1/{deviceId}/down/</c>, so one pair of broker ACL patterns
/// (<c>pattern write edgecapture/v1/%u/up/#</c>, <c>pattern read edgecapture/v1/%u/down/#</c>) confines each device to its own topics.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>up/part</c></term><description>one slice of a segment's ciphertext (<see cref="SegmentPartCodec"/>), QoS 1</description></item>
/// <item><term><c>up/commit</c></term><description>the signed manifest and ciphertext hash (<see cref="SegmentCommitCodec"/>), QoS 1, with Response Topic <c>down/answer</c> and Correlation Data</description></item>
/// <item><term><c>up/retraction</c></term><description>a device-signed retraction document (<see cref="RetractionDocumentCodec"/>), QoS 1, with Response Topic and Correlation Data</description></item>
/// <item><term><c>up/presence</c></term><description>retained birth on connect, and the MQTT Will (death) (<see cref="PresenceCodec"/>)</description></item>
/// <item><term><c>down/answer</c></term><description>the collector's signed answers (<see cref="CollectorAnswerCodec"/>)</description></item>
/// <item><term><c>up/fleet/…</c>, <c>down/fleet/…</c></term><description>reserved for fleet management (EdgeCapture.Protocol.Fleet)</description></item>
/// </list>
/// </remarks>
public static class UploadTopics
{
    /// <summary>The first two levels of every topic.</summary>
    public const string Root = "edgecapture/v1";

    /// <summary>Level after the device id for box-to-collector topics.</summary>
    public const string Up = "up";

    /// <summary>Level after the device id for collector-to-box topics.</summary>
    public const string Down = "down";

    /// <summary>Suffix of the part topic.</summary>
    public const string PartSuffix = "up/part";

    /// <summary>Suffix of the commit topic.</summary>
    public const string CommitSuffix = "up/commit";

    /// <summary>Suffix of the retraction topic.</summary>
    public const string RetractionSuffix = "up/retraction";

    /// <summary>Suffix of the presence topic.</summary>
    public const string PresenceSuffix = "up/presence";

    /// <summary>Suffix of the answer topic.</summary>
    public const string AnswerSuffix = "down/answer";

    /// <summary>Prefix (after the device id) reserved for the fleet's box-to-collector topics.</summary>
    public const string FleetUpPrefix = "up/fleet";

    /// <summary>Prefix (after the device id) reserved for the fleet's collector-to-box topics.</summary>
    public const string FleetDownPrefix = "down/fleet";

    /// <summary>Subscription filter for every device's parts (the collector's side).</summary>
    public const string AllParts = Root + "/+/" + PartSuffix;

    /// <summary>Subscription filter for every device's commits.</summary>
    public const string AllCommits = Root + "/+/" + CommitSuffix;

    /// <summary>Subscription filter for every device's retractions.</summary>
    public const string AllRetractions = Root + "/+/" + RetractionSuffix;

    /// <summary>Subscription filter for every device's presence.</summary>
    public const string AllPresence = Root + "/+/" + PresenceSuffix;

    /// <summary>The part topic of a device.</summary>
    /// <param name="deviceId">The device.</param>
    /// <returns>The topic.</returns>
    public static string Part(string deviceId) => ForDevice(deviceId, PartSuffix);

    /// <summary>The commit topic of a device.</summary>
    /// <param name="deviceId">The device.</param>
    /// <returns>The topic.</returns>
    public static string Commit(string deviceId) => ForDevice(deviceId, CommitSuffix);

    /// <summary>The retraction topic of a device.</summary>
    /// <param name="deviceId">The device.</param>
    /// <returns>The topic.</returns>
    public static string Retraction(string deviceId) => ForDevice(deviceId, RetractionSuffix);

    /// <summary>The presence topic of a device (retained).</summary>
    /// <param name="deviceId">The device.</param>
    /// <returns>The topic.</returns>
    public static string Presence(string deviceId) => ForDevice(deviceId, PresenceSuffix);

    /// <summary>The topic the collector answers a device on (the Response Topic of its commits and retractions).</summary>
    /// <param name="deviceId">The device.</param>
    /// <returns>The topic.</returns>
    public static string Answer(string deviceId) => ForDevice(deviceId, AnswerSuffix);

    /// <summary><c>edgecapture/v1/{deviceId}/{suffix}</c> for a validated device id (fleet topics use this too).</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="suffix">The levels after the device id, starting with <c>up/</c> or <c>down/</c>, without wildcards.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="ProtocolFormatException">The device id is invalid.</exception>
    /// <exception cref="ArgumentException">The suffix is not under <c>up/</c> or <c>down/</c>, or holds a wildcard.</exception>
    public static string ForDevice(string deviceId, string suffix)
    {
        DeviceIdentifier.Validate(deviceId);
        ArgumentNullException.ThrowIfNull(suffix);
        if (!(suffix.StartsWith(Up + "/", StringComparison.Ordinal) || suffix.StartsWith(Down + "/", StringComparison.Ordinal))
            || suffix.Contains('+', StringComparison.Ordinal) || suffix.Contains('#', StringComparison.Ordinal)
            || suffix.EndsWith('/') || suffix.Contains("//", StringComparison.Ordinal))
        {
            throw new ArgumentException("A topic suffix starts with 'up/' or 'down/', has no empty level and no wildcard.", nameof(suffix));
        }

        return Root + "/" + deviceId + "/" + suffix;
    }

    /// <summary>Splits a received topic into the device id and the levels after it.</summary>
    /// <param name="topic">The topic of a received message.</param>
    /// <param name="deviceId">The device id named by the topic.</param>
    /// <param name="suffix">The levels after the device id (for example <c>up/commit</c>).</param>
    /// <returns>False when the topic is not in this namespace or the device id is invalid.</returns>
    public static bool TryParse(string? topic, out string deviceId, out string suffix)
    {
        deviceId = string.Empty;
        suffix = string.Empty;
        if (topic is null || topic.Length > 1024 || !topic.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return false;
        }

        string rest = topic[(Root.Length + 1)..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return false;
        }

        string candidate = rest[..slash];
        string tail = rest[(slash + 1)..];
        if (!DeviceIdentifier.IsValid(candidate) || tail.Length == 0)
        {
            return false;
        }

        deviceId = candidate;
        suffix = tail;
        return true;
    }
}
