namespace EdgeCapture.Protocol.Fleet;

/// <summary>What a command or desired document addresses: one device, or every device of a group.</summary>
/// <param name="IsGroup">True for a group.</param>
/// <param name="Name">The device id or group name (valid per <see cref="FleetTopics.IsValidName"/>).</param>
public sealed record FleetTarget(bool IsGroup, string Name)
{
    /// <summary>One device.</summary>
    /// <param name="deviceId">The device id.</param>
    /// <returns>The target.</returns>
    public static FleetTarget Device(string deviceId) => new(false, Valid(deviceId));

    /// <summary>A group.</summary>
    /// <param name="group">The group name.</param>
    /// <returns>The target.</returns>
    public static FleetTarget Group(string group) => new(true, Valid(group));

    /// <summary>Parses <c>group:NAME</c> as a group, anything else as a device id (the CLI's spelling).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The target.</returns>
    public static FleetTarget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.StartsWith("group:", StringComparison.Ordinal) ? Group(text["group:".Length..]) : Device(text);
    }

    /// <summary>Whether a box with <paramref name="deviceId"/> in <paramref name="groups"/> is addressed.</summary>
    /// <param name="deviceId">The box's id.</param>
    /// <param name="groups">The box's groups.</param>
    /// <returns>Whether it is addressed.</returns>
    public bool Addresses(string deviceId, IReadOnlyCollection<string> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return IsGroup ? groups.Contains(Name) : string.Equals(Name, deviceId, StringComparison.Ordinal);
    }

    /// <summary>The topic commands to this target go to.</summary>
    public string CommandTopic => IsGroup ? FleetTopics.GroupCommand(Name) : FleetTopics.DeviceCommand(Name);

    /// <summary>The retained desired-configuration topic of this target.</summary>
    public string DesiredTopic => IsGroup ? FleetTopics.GroupDesired(Name) : FleetTopics.DeviceDesired(Name);

    /// <inheritdoc/>
    public override string ToString() => IsGroup ? "group:" + Name : Name;

    private static string Valid(string name) =>
        FleetTopics.IsValidName(name) && name != FleetTopics.GroupsLevel ? name : throw new ArgumentException($"'{name}' is not a valid device id or group name (1-128 of A-Z a-z 0-9 . _ -).", nameof(name));
}
