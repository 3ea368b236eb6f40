using System.Text.Json;

namespace EdgeCapture.Protocol.Fleet;

/// <summary>
/// A fleet command, the payload of a signed <see cref="FleetMessageKind.Command"/> envelope:
/// <c>{"id":"...","command":"stop-recording","device":"box-1"|"group":"floor-3","issuedAt":"...Z","expiresAt":"...Z","arguments":{...}}</c>.
/// Every field is under the signature.
/// </summary>
public sealed record FleetCommand
{
    /// <summary>Longest command id.</summary>
    public const int MaximumIdLength = 128;

    /// <summary>Unique id (8 to 128 of A-Z a-z 0-9 . _ -); a box accepts an id once.</summary>
    public required string Id { get; init; }

    /// <summary>The command name (see <see cref="FleetCommandNames"/>).</summary>
    public required string Name { get; init; }

    /// <summary>The device or group addressed.</summary>
    public required FleetTarget Target { get; init; }

    /// <summary>When the signer issued it.</summary>
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>After this it is refused.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The command's arguments as a JSON object's text (<c>{}</c> when none).</summary>
    public string ArgumentsJson { get; init; } = "{}";

    /// <summary>Encodes the command as its UTF-8 JSON payload.</summary>
    /// <returns>The payload to sign.</returns>
    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, FleetJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id", Id);
            writer.WriteString("command", Name);
            writer.WriteString(Target.IsGroup ? "group" : "device", Target.Name);
            writer.WriteString("issuedAt", FleetJson.FormatTime(IssuedAt));
            writer.WriteString("expiresAt", FleetJson.FormatTime(ExpiresAt));
            writer.WritePropertyName("arguments");
            writer.WriteRawValue(ArgumentsJson);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Decodes a command payload strictly (shape, names, times, argument schema of the command).</summary>
    /// <param name="payload">The signed payload.</param>
    /// <returns>The command.</returns>
    /// <exception cref="FleetMessageFormatException">Malformed, an unknown command, or arguments that do not fit it.</exception>
    public static FleetCommand Decode(ReadOnlyMemory<byte> payload)
    {
        using JsonDocument document = FleetJson.Parse(payload, "the command");
        Dictionary<string, JsonElement> properties = FleetJson.Properties(document.RootElement, "the command", ["id", "command", "issuedAt", "expiresAt"], ["device", "group", "arguments"]);
        string id = FleetJson.Name(properties["id"], "id");
        if (id.Length < 8)
        {
            throw new FleetMessageFormatException("'id' must be at least 8 characters (use a random or time-based unique id)");
        }

        string name = FleetJson.Text(properties["command"], "command", 32);
        if (!FleetCommandNames.IsKnown(name))
        {
            throw new FleetMessageFormatException($"unknown command '{FleetJson.Printable(name)}' (known: {string.Join(", ", FleetCommandNames.All)})");
        }

        bool hasDevice = properties.TryGetValue("device", out JsonElement device);
        bool hasGroup = properties.TryGetValue("group", out JsonElement group);
        if (hasDevice == hasGroup)
        {
            throw new FleetMessageFormatException("the command must name exactly one of 'device' or 'group'");
        }

        string targetName = FleetJson.Name(hasDevice ? device : group, hasDevice ? "device" : "group");
        if (targetName == FleetTopics.GroupsLevel)
        {
            throw new FleetMessageFormatException($"'{FleetTopics.GroupsLevel}' is reserved and names no device or group");
        }

        DateTimeOffset issuedAt = FleetJson.Time(properties["issuedAt"], "issuedAt");
        DateTimeOffset expiresAt = FleetJson.Time(properties["expiresAt"], "expiresAt");
        if (expiresAt <= issuedAt)
        {
            throw new FleetMessageFormatException("'expiresAt' must be after 'issuedAt'");
        }

        string arguments = "{}";
        if (properties.TryGetValue("arguments", out JsonElement argumentsElement))
        {
            FleetCommandArguments.Validate(name, argumentsElement);
            arguments = argumentsElement.GetRawText();
        }
        else
        {
            FleetCommandArguments.Validate(name, default);
        }

        return new FleetCommand
        {
            Id = id,
            Name = name,
            Target = new FleetTarget(hasGroup, targetName),
            IssuedAt = issuedAt,
            ExpiresAt = expiresAt,
            ArgumentsJson = arguments,
        };
    }
}
