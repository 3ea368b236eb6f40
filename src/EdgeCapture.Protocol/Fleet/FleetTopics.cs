namespace EdgeCapture.Protocol.Fleet;

/// <summary>
/// The fleet's MQTT topics, inside the versioned namespace of <see cref="UploadTopics"/>: what a box publishes is under
/// <c>edgecapture/v1/{deviceId}/up/fleet/...</c> and what it reads under <c>edgecapture/v1/{deviceId}/down/fleet/...</c>,
/// so the per-device broker ACL (<c>pattern write edgecapture/v1/%u/up/#</c>, <c>pattern read edgecapture/v1/%u/down/#</c>)
/// covers the fleet too. Group topics live under <c>edgecapture/v1/groups/{group}/down/fleet/...</c> (boxes need read
/// access to their groups'); the device id <c>groups</c> is reserved.
/// </summary>
public static class FleetTopics
{
    /// <summary>The namespace root shared with the upload topics.</summary>
    public const string Root = UploadTopics.Root;

    /// <summary>The reserved second level of group topics.</summary>
    public const string GroupsLevel = "groups";

    /// <summary>Longest device id or group name.</summary>
    public const int MaximumNameLength = 128;

    /// <summary>Retained birth of a device (its <c>bdSeq</c> names the session).</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Birth(string deviceId) => Up(deviceId, "birth");

    /// <summary>Retained death (the MQTT Will), carrying the <c>bdSeq</c> of the birth it ends.</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Death(string deviceId) => Up(deviceId, "death");

    /// <summary>Retained latest status of a device.</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Status(string deviceId) => Up(deviceId, "status");

    /// <summary>Retained desired configuration of one device (signed).</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string DeviceDesired(string deviceId) => Down(deviceId, "desired");

    /// <summary>Retained desired configuration of a group (signed).</summary>
    /// <param name="group">A valid group name.</param>
    /// <returns>The topic.</returns>
    public static string GroupDesired(string group) => Group(group, "desired");

    /// <summary>Retained reported configuration of a device.</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Reported(string deviceId) => Up(deviceId, "reported");

    /// <summary>Signed commands to one device (requests with Response Topic and Correlation Data).</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string DeviceCommand(string deviceId) => Down(deviceId, "command");

    /// <summary>Signed commands to every device of a group.</summary>
    /// <param name="group">A valid group name.</param>
    /// <returns>The topic.</returns>
    public static string GroupCommand(string group) => Group(group, "command");

    /// <summary>Audit entries a device publishes (hash-chained, in order).</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Audit(string deviceId) => Up(deviceId, "audit");

    /// <summary>
    /// The only Response Topic a box answers commands on: its own <c>up/fleet/response</c>. The Response Topic is not under
    /// the command's signature, so a box never lets it steer its publishes anywhere else.
    /// </summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <returns>The topic.</returns>
    public static string Response(string deviceId) => Up(deviceId, "response");

    /// <summary>Filter for one kind of message every device publishes (birth, death, status, reported, audit, response).</summary>
    /// <param name="leaf">The last level.</param>
    /// <returns>The filter.</returns>
    public static string AllDevices(string leaf) => $"{Root}/+/up/fleet/{Checked(leaf)}";

    /// <summary>Filter for the desired documents of every device.</summary>
    public static string AllDeviceDesired => $"{Root}/+/down/fleet/desired";

    /// <summary>Filter for the desired documents of every group.</summary>
    public static string AllGroupDesired => $"{Root}/{GroupsLevel}/+/down/fleet/desired";

    /// <summary>Reads the device id out of a topic a device publishes, of the given leaf.</summary>
    /// <param name="topic">The topic received.</param>
    /// <param name="leaf">The expected last level.</param>
    /// <param name="deviceId">The device id.</param>
    /// <returns>Whether the topic is <c>edgecapture/v1/{valid id}/up/fleet/{leaf}</c>.</returns>
    public static bool TryParseDeviceTopic(string topic, string leaf, out string deviceId)
    {
        deviceId = string.Empty;
        ArgumentNullException.ThrowIfNull(topic);
        string[] levels = topic.Split('/');
        if (levels.Length != 6 || levels[0] + "/" + levels[1] != Root || levels[3] != "up" || levels[4] != "fleet" || levels[5] != leaf || !IsValidName(levels[2]) || levels[2] == GroupsLevel)
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

    private static string Up(string deviceId, string leaf) => $"{Root}/{DeviceLevel(deviceId)}/up/fleet/{leaf}";

    private static string Down(string deviceId, string leaf) => $"{Root}/{DeviceLevel(deviceId)}/down/fleet/{leaf}";

    private static string DeviceLevel(string deviceId)
    {
        string id = Checked(deviceId);
        return id == GroupsLevel ? throw new ArgumentException($"The device id '{GroupsLevel}' is reserved for group topics.", nameof(deviceId)) : id;
    }

    private static string Group(string group, string leaf) => $"{Root}/{GroupsLevel}/{Checked(group)}/down/fleet/{leaf}";

    private static string Checked(string name) =>
        IsValidName(name) ? name : throw new ArgumentException($"'{name}' is not a valid fleet name (1-128 of A-Z a-z 0-9 . _ -).", nameof(name));
}
