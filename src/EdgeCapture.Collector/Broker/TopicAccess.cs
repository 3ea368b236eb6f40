using EdgeCapture.Protocol;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Collector.Broker;

/// <summary>
/// The access rules of the shipped Mosquitto ACL (<c>Deployment/mosquitto/acl</c>) as code, for the embedded broker.
/// Three kinds of identity: each device publishes only under its own <c>up/</c> and reads only its own <c>down/</c> (and
/// its groups' signed fleet commands and desired documents); the collector reads all uploads and writes all answers; the
/// operator role (<see cref="EmbeddedBroker.OperatorUserName"/>, what an operator's client certificate names) reads the
/// fleet's presence, births, statuses, reported configurations and responses, and writes signed commands and desired
/// documents to devices and groups. Nothing but the operator role writes a command ("Governed control": every command is
/// signed and role-checked again by each box; the broker only keeps boxes from even sending one).
/// </summary>
public static class TopicAccess
{
    /// <summary>The identity the embedded broker gives the operator role in its sessions (never a device id: it starts with <c>$</c>).</summary>
    public const string OperatorIdentity = "$edgecapture-operator";

    // Level patterns: "+" is one valid name (or a "+" wildcard in a subscription), "#" the rest; anything else literal.
    private static readonly string[][] OperatorReads =
    [
        Levels(UploadTopics.Root + "/+/" + UploadTopics.PresenceSuffix),
        Levels(UploadTopics.Root + "/+/" + UploadTopics.FleetUpPrefix + "/#"),
        Levels(UploadTopics.Root + "/+/" + UploadTopics.FleetDownPrefix + "/desired"),
        Levels(UploadTopics.Root + "/" + FleetTopics.GroupsLevel + "/+/" + UploadTopics.FleetDownPrefix + "/desired"),
    ];

    private static readonly string[][] OperatorWrites =
    [
        Levels(UploadTopics.Root + "/+/" + UploadTopics.FleetDownPrefix + "/command"),
        Levels(UploadTopics.Root + "/+/" + UploadTopics.FleetDownPrefix + "/desired"),
        Levels(UploadTopics.Root + "/" + FleetTopics.GroupsLevel + "/+/" + UploadTopics.FleetDownPrefix + "/command"),
        Levels(UploadTopics.Root + "/" + FleetTopics.GroupsLevel + "/+/" + UploadTopics.FleetDownPrefix + "/desired"),
    ];

    /// <summary>Whether <paramref name="identity"/> may publish to <paramref name="topic"/>.</summary>
    /// <param name="identity">A device id, <see cref="EmbeddedBroker.CollectorUserName"/> or <see cref="OperatorIdentity"/>.</param>
    /// <param name="topic">The topic.</param>
    /// <returns>True when allowed.</returns>
    public static bool MayPublish(string identity, string topic)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Contains('+', StringComparison.Ordinal) || topic.Contains('#', StringComparison.Ordinal))
        {
            return false;
        }

        if (identity == OperatorIdentity)
        {
            return MatchesAny(OperatorWrites, topic);
        }

        if (!UploadTopics.TryParse(topic, out string deviceId, out string suffix))
        {
            return false;
        }

        return identity == EmbeddedBroker.CollectorUserName
            ? suffix.StartsWith(UploadTopics.Down + "/", StringComparison.Ordinal) && deviceId != FleetTopics.GroupsLevel
            : deviceId == identity && suffix.StartsWith(UploadTopics.Up + "/", StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="identity"/> may subscribe to <paramref name="filter"/>.</summary>
    /// <param name="identity">A device id, <see cref="EmbeddedBroker.CollectorUserName"/> or <see cref="OperatorIdentity"/>.</param>
    /// <param name="filter">The topic filter.</param>
    /// <returns>True when allowed.</returns>
    public static bool MaySubscribe(string identity, string filter)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(filter);
        if (identity == OperatorIdentity)
        {
            return MatchesAny(OperatorReads, filter);
        }

        if (identity == EmbeddedBroker.CollectorUserName)
        {
            return filter.StartsWith(UploadTopics.Root + "/+/" + UploadTopics.Up + "/", StringComparison.Ordinal)
                || filter.StartsWith(UploadTopics.Root + "/", StringComparison.Ordinal) && UploadTopics.TryParse(filter, out _, out string collectorSuffix) && collectorSuffix.StartsWith(UploadTopics.Up + "/", StringComparison.Ordinal);
        }

        if (IsGroupFleetTopic(filter))
        {
            // A box reads its groups' signed fleet commands and desired documents (which groups it is in is its own root-owned
            // configuration; commands name their group and every box checks membership and signatures).
            return true;
        }

        string prefix = UploadTopics.Root + "/" + identity + "/" + UploadTopics.Down + "/";
        return filter.StartsWith(prefix, StringComparison.Ordinal) && !filter[prefix.Length..].Contains('+', StringComparison.Ordinal)
            || filter == prefix + "#";
    }

    /// <summary>Whether <paramref name="filter"/> is exactly <c>edgecapture/v1/groups/{group}/down/fleet/command|desired</c> (no wildcard).</summary>
    private static bool IsGroupFleetTopic(string filter)
    {
        string[] levels = filter.Split('/');
        return levels.Length == 7 && levels[0] + "/" + levels[1] == UploadTopics.Root && levels[2] == FleetTopics.GroupsLevel
            && FleetTopics.IsValidName(levels[3]) && levels[4] == UploadTopics.Down && levels[5] == "fleet" && levels[6] is "command" or "desired";
    }

    private static string[] Levels(string pattern) => pattern.Split('/');

    private static bool MatchesAny(string[][] patterns, string topicOrFilter)
    {
        string[] levels = topicOrFilter.Split('/');
        return patterns.Any(pattern => Matches(pattern, levels));
    }

    /// <summary>
    /// Whether every topic <paramref name="levels"/> can name is inside <paramref name="pattern"/>: a pattern's <c>+</c> takes one
    /// valid fleet name or a <c>+</c>, its trailing <c>#</c> takes whatever follows; a filter's <c>#</c> is only inside a pattern's <c>#</c>.
    /// </summary>
    private static bool Matches(string[] pattern, string[] levels)
    {
        for (int index = 0; index < pattern.Length; index++)
        {
            if (pattern[index] == "#")
            {
                return levels.Length > index;
            }

            if (index >= levels.Length)
            {
                return false;
            }

            string level = levels[index];
            bool matches = pattern[index] == "+" ? level == "+" || FleetTopics.IsValidName(level) : level == pattern[index];
            if (!matches)
            {
                return false;
            }
        }

        return levels.Length == pattern.Length;
    }
}
