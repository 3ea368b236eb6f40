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

        string prefix = UploadTopics.Root + "/" + identity + "/" + UploadTopics.Down + "/";
        return filter.StartsWith(prefix, StringComparison.Ordinal) && !filter[prefix.Length..].Contains('+', StringComparison.Ordinal)
            || filter == prefix + "#";
    }
}
