using System.Text.Json;

namespace EdgeCapture.Protocol.Fleet;

/// <summary>
/// A desired configuration document (device-shadow style), the payload of a signed
/// <see cref="FleetMessageKind.DesiredConfiguration"/> envelope retained on its target's desired topic:
/// <c>{"device":"box-1"|"group":"floor-3","version":5,"baseVersion":4,"issuedAt":"...Z","settings":{...}}</c>.
/// </summary>
/// <remarks>
/// Optimistic concurrency: <see cref="Version"/> must be above the version the box applied for this target, and a given
/// <see cref="BaseVersion"/> must equal it, so an operator who edited an old version is told of the conflict instead of
/// silently overwriting a colleague's change. Settings are validated key by key by the box.
/// </remarks>
public sealed record FleetDesiredConfiguration
{
    /// <summary>The device or group.</summary>
    public required FleetTarget Target { get; init; }

    /// <summary>The version (1 or more).</summary>
    public required long Version { get; init; }

    /// <summary>The version this one was edited from, or null to skip the concurrency check.</summary>
    public long? BaseVersion { get; init; }

    /// <summary>When it was signed.</summary>
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>The settings object's JSON text.</summary>
    public string SettingsJson { get; init; } = "{}";

    /// <summary>Encodes the document as its UTF-8 JSON payload.</summary>
    /// <returns>The payload to sign.</returns>
    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, FleetJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString(Target.IsGroup ? "group" : "device", Target.Name);
            writer.WriteNumber("version", Version);
            if (BaseVersion is { } baseVersion)
            {
                writer.WriteNumber("baseVersion", baseVersion);
            }

            writer.WriteString("issuedAt", FleetJson.FormatTime(IssuedAt));
            writer.WritePropertyName("settings");
            writer.WriteRawValue(SettingsJson);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Decodes a desired document strictly (its settings are checked by the box, key by key).</summary>
    /// <param name="payload">The signed payload.</param>
    /// <returns>The document.</returns>
    /// <exception cref="FleetMessageFormatException">Malformed.</exception>
    public static FleetDesiredConfiguration Decode(ReadOnlyMemory<byte> payload)
    {
        using JsonDocument document = FleetJson.Parse(payload, "the desired configuration");
        Dictionary<string, JsonElement> properties = FleetJson.Properties(document.RootElement, "the desired configuration", ["version", "issuedAt", "settings"], ["device", "group", "baseVersion"]);
        bool hasDevice = properties.TryGetValue("device", out JsonElement device);
        bool hasGroup = properties.TryGetValue("group", out JsonElement group);
        if (hasDevice == hasGroup)
        {
            throw new FleetMessageFormatException("the desired configuration must name exactly one of 'device' or 'group'");
        }

        string name = FleetJson.Name(hasDevice ? device : group, hasDevice ? "device" : "group");
        if (name == FleetTopics.GroupsLevel)
        {
            throw new FleetMessageFormatException($"'{FleetTopics.GroupsLevel}' is reserved and names no device or group");
        }

        long version = FleetJson.WholeNumber(properties["version"], "version", 1, long.MaxValue / 2);
        long? baseVersion = properties.TryGetValue("baseVersion", out JsonElement baseElement) ? FleetJson.WholeNumber(baseElement, "baseVersion", 0, version - 1) : null;
        if (properties["settings"].ValueKind != JsonValueKind.Object)
        {
            throw new FleetMessageFormatException("'settings' must be a JSON object");
        }

        return new FleetDesiredConfiguration
        {
            Target = new FleetTarget(hasGroup, name),
            Version = version,
            BaseVersion = baseVersion,
            IssuedAt = FleetJson.Time(properties["issuedAt"], "issuedAt"),
            SettingsJson = properties["settings"].GetRawText(),
        };
    }
}

/// <summary>A setting the box did not apply, and why.</summary>
/// <param name="Scope"><c>device</c>, <c>group:NAME</c> or <c>command</c>.</param>
/// <param name="Version">The desired version it came with (0 for a command).</param>
/// <param name="Key">The key.</param>
/// <param name="Reason">Why it was refused.</param>
public sealed record FleetRejectedSetting(string Scope, long Version, string Key, string Reason);

/// <summary>
/// What configuration cannot weaken, reported so a change would show: the indicator follows recording, the switch wins,
/// and the lock-screen suppression in force compared with its default.
/// </summary>
/// <param name="IndicatorFollowsRecording">Always true: no setting reaches the indicator.</param>
/// <param name="SwitchWins">Always true: no setting reaches the switch or the gate.</param>
/// <param name="LockScreenSuppression">The suppression in force (<c>default</c> or stricter).</param>
/// <param name="WeakenedFromDefaults">Any safety property below its default; empty unless something is wrong.</param>
public sealed record FleetSafetyState(bool IndicatorFollowsRecording, bool SwitchWins, string LockScreenSuppression, IReadOnlyList<string> WeakenedFromDefaults);

/// <summary>The retained reported configuration of a box: what it applied, from which versions, and what it refused.</summary>
/// <param name="Device">The box.</param>
/// <param name="At">When.</param>
/// <param name="DeviceVersion">The applied version of the device's desired document (0: none).</param>
/// <param name="GroupVersions">The applied version of each group's desired document.</param>
/// <param name="Applied">The settings in force that came from the fleet, with their values.</param>
/// <param name="Rejected">Settings refused, with reasons.</param>
/// <param name="Safety">The safety properties in force.</param>
public sealed record FleetReportedConfiguration(string Device, DateTimeOffset At, long DeviceVersion, IReadOnlyDictionary<string, long> GroupVersions, IReadOnlyDictionary<string, JsonElement> Applied, IReadOnlyList<FleetRejectedSetting> Rejected, FleetSafetyState Safety)
{
    /// <summary>Keys of <see cref="Applied"/> in force now (applied while running, or at this start).</summary>
    public IReadOnlyList<string> AppliedLive { get; init; } = [];

    /// <summary>Keys of <see cref="Applied"/> accepted and stored but in force only from the next start (<c>restart-service</c>).</summary>
    public IReadOnlyList<string> PendingRestart { get; init; } = [];
}
