namespace EdgeCapture.Protocol.Fleet;

/// <summary>
/// The fleet's MQTT topics, inside the versioned namespace <c>edgecapture/v1/{deviceId}/...</c>. Device topics put
/// <c>fleet</c> at the fourth level; group topics live under <c>edgecapture/v1/groups/{group}/fleet/...</c>, so the device
/// id <c>groups</c> is reserved and a <c>edgecapture/v1/+/fleet/...</c> filter never matches a group topic.
/// </summary>
public static class FleetTopics
{
    /// <summary>The namespace root shared with the upload topics.</summary>
    public const string Root = "edgecapture/v1";

    /// <summary>The reserved second level of group topics.</summary>
    public const string GroupsLevel = "groups";

    /// <summary>Longest device id or group name.</summary>
    public const int MaximumNameLength = 128;

    /// <summary>Retained birth of a device (its <c>bdSeq</c> names the session).</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Birth(string deviceId) => Device(deviceId, "birth");

    /// <summary>Retained death (the MQTT Will), carrying the <c>bdSeq</c> of the birth it ends.</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Death(string deviceId) => Device(deviceId, "death");

    /// <summary>Retained latest status of a device.</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Status(string deviceId) => Device(deviceId, "status");

    /// <summary>Retained desired configuration of one device (signed).</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string DeviceDesired(string deviceId) => Device(deviceId, "desired");

    /// <summary>Retained desired configuration of a group (signed).</summary>
    /// <param name="group">A valid group name.</param>
    /// <returns>The topic.</returns>
    public static string GroupDesired(string group) => Group(group, "desired");

    /// <summary>Retained reported configuration of a device.</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Reported(string deviceId) => Device(deviceId, "reported");

    /// <summary>Signed commands to one device (requests with Response Topic and Correlation Data).</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string DeviceCommand(string deviceId) => Device(deviceId, "command");

    /// <summary>Signed commands to every device of a group.</summary>
    /// <param name="group">A valid group name.</param>
    /// <returns>The topic.</returns>
    public static string GroupCommand(string group) => Group(group, "command");

    /// <summary>Audit entries a device publishes (hash-chained, in order).</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Audit(string deviceId) => Device(deviceId, "audit");

    /// <summary>Where an operator's responses come back (the operator subscribes to its own).</summary>
    /// <param name="operatorSession">A valid name chosen by the operator's client.</param>
    /// <returns>The topic.</returns>
    public static string OperatorResponses(string operatorSession) => $"{Root}/operators/{Checked(operatorSession)}/responses";

    /// <summary>Filter for one kind of message of every device (e.g. <c>birth</c>).</summary>
    /// <param name="leaf">The last level: birth, death, status, reported or audit.</param>
    /// <returns>The filter.</returns>
    public static string AllDevices(string leaf) => $"{Root}/+/fleet/{Checked(leaf)}";

    /// <summary>Reads the device id out of a device topic of the given leaf.</summary>
    /// <param name="topic">The topic received.</param>
    /// <param name="leaf">The expected last level.</param>
    /// <param name="deviceId">The device id.</param>
    /// <returns>Whether the topic is <c>edgecapture/v1/{valid id}/fleet/{leaf}</c>.</returns>
    public static bool TryParseDeviceTopic(string topic, string leaf, out string deviceId)
    {
        deviceId = string.Empty;
        ArgumentNullException.ThrowIfNull(topic);
        string[] levels = topic.Split('/');
        if (levels.Length != 5 || levels[0] + "/" + levels[1] != Root || levels[3] != "fleet" || levels[4] != leaf || !IsValidName(levels[2]) || levels[2] == GroupsLevel)
        {
            return false;
        }

        deviceId = levels[2];
        return true;
    }

    /// <summary>
    /// Whether <paramref name="name"/> may be a device id or group name in a topic: 1 to 128 of <c>A-Z a-z 0-9 . _ -</c>,
    /// so no MQTT wildcard, separator or <c>$</c> ever reaches a topic.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaximumNameLength)
        {
            return false;
        }

        foreach (char character in name)
        {
            if (!(char.IsAsciiLetterOrDigit(character) || character is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Device(string deviceId, string leaf)
    {
        string id = Checked(deviceId);
        if (id == GroupsLevel)
        {
            throw new ArgumentException($"The device id '{GroupsLevel}' is reserved for group topics.", nameof(deviceId));
        }

        return $"{Root}/{id}/fleet/{leaf}";
    }

    private static string Group(string group, string leaf) => $"{Root}/{GroupsLevel}/{Checked(group)}/fleet/{leaf}";

    private static string Checked(string name) =>
        IsValidName(name) ? name : throw new ArgumentException($"'{name}' is not a valid fleet name (1-128 of A-Z a-z 0-9 . _ -).", nameof(name));
}
