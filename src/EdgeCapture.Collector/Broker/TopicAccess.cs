using EdgeCapture.Protocol;

namespace EdgeCapture.Collector.Broker;

/// <summary>
/// The access rules of the shipped Mosquitto ACL (<c>Deployment/mosquitto/acl</c>) as code, for the embedded broker:
/// each device publishes only under its own <c>up/</c> and reads only its own <c>down/</c>; the collector reads all
/// uploads and writes all answers.
/// </summary>
public static class TopicAccess
{
    /// <summary>Whether <paramref name="identity"/> may publish to <paramref name="topic"/>.</summary>
    /// <param name="identity">A device id, or <see cref="EmbeddedBroker.CollectorUserName"/>.</param>
    /// <param name="topic">The topic.</param>
    /// <returns>True when allowed.</returns>
    public static bool MayPublish(string identity, string topic)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (!UploadTopics.TryParse(topic, out string deviceId, out string suffix) || suffix.Contains('+', StringComparison.Ordinal) || suffix.Contains('#', StringComparison.Ordinal))
        {
            return false;
        }

        return identity == EmbeddedBroker.CollectorUserName
            ? suffix.StartsWith(UploadTopics.Down + "/", StringComparison.Ordinal)
            : deviceId == identity && suffix.StartsWith(UploadTopics.Up + "/", StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="identity"/> may subscribe to <paramref name="filter"/>.</summary>
    /// <param name="identity">A device id, or <see cref="EmbeddedBroker.CollectorUserName"/>.</param>
    /// <param name="filter">The topic filter.</param>
    /// <returns>True when allowed.</returns>
    public static bool MaySubscribe(string identity, string filter)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(filter);
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
        return levels.Length == 7 && levels[0] + "/" + levels[1] == UploadTopics.Root && levels[2] == Protocol.Fleet.FleetTopics.GroupsLevel
            && Protocol.Fleet.FleetTopics.IsValidName(levels[3]) && levels[4] == UploadTopics.Down && levels[5] == "fleet" && levels[6] is "command" or "desired";
    }
}
