using System.Text.Json;
using EdgeCapture.Crypto;

namespace EdgeCapture.Protocol.Fleet;

/// <summary>The argument schema of each command, checked when a command is decoded and read when it runs.</summary>
public static class FleetCommandArguments
{
    /// <summary>Most recipients a <c>set-recipients</c> may name.</summary>
    public const int MaximumRecipients = 16;

    /// <summary>Longest <c>forget-window</c> in minutes (a day).</summary>
    public const int MaximumForgetMinutes = 1440;

    /// <summary>The recipients of a <c>set-recipients</c> command.</summary>
    /// <param name="command">The command.</param>
    /// <returns>The recipients (1 to 16, distinct).</returns>
    /// <exception cref="FleetMessageFormatException">The arguments do not fit.</exception>
    public static IReadOnlyList<AgeRecipient> Recipients(FleetCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        using JsonDocument document = JsonDocument.Parse(command.ArgumentsJson);
        return ReadRecipients(document.RootElement);
    }

    /// <summary>The minutes of a <c>forget-window</c> command.</summary>
    /// <param name="command">The command.</param>
    /// <returns>1 to 1440.</returns>
    /// <exception cref="FleetMessageFormatException">The arguments do not fit.</exception>
    public static int ForgetMinutes(FleetCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        using JsonDocument document = JsonDocument.Parse(command.ArgumentsJson);
        Dictionary<string, JsonElement> properties = FleetJson.Properties(document.RootElement, "forget-window arguments", ["minutes"], []);
        return (int)FleetJson.WholeNumber(properties["minutes"], "minutes", 1, MaximumForgetMinutes);
    }

    /// <summary>The settings object of an <c>apply-config</c> command, as JSON text (validated key by key by the box).</summary>
    /// <param name="command">The command.</param>
    /// <returns>The settings object's text.</returns>
    public static string Settings(FleetCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        using JsonDocument document = JsonDocument.Parse(command.ArgumentsJson);
        return document.RootElement.GetProperty("settings").GetRawText();
    }

    /// <summary>Builds the arguments of a <c>set-recipients</c>.</summary>
    /// <param name="recipients">The recipients.</param>
    /// <returns>The arguments JSON.</returns>
    public static string ForRecipients(IEnumerable<string> recipients) =>
        JsonSerializer.Serialize(new Dictionary<string, string[]> { ["recipients"] = recipients.ToArray() });

    /// <summary>Checks <paramref name="arguments"/> against the schema of <paramref name="name"/> (default element: none given).</summary>
    /// <param name="name">A known command.</param>
    /// <param name="arguments">The arguments element, or default when absent.</param>
    /// <exception cref="FleetMessageFormatException">They do not fit.</exception>
    public static void Validate(string name, JsonElement arguments)
    {
        bool absent = arguments.ValueKind == JsonValueKind.Undefined;
        string what = name + " arguments";
        switch (name)
        {
            case FleetCommandNames.SetRecipients:
                if (absent)
                {
                    throw new FleetMessageFormatException("set-recipients needs 'arguments': {\"recipients\":[\"age1...\"]}");
                }

                ReadRecipients(arguments);
                break;
            case FleetCommandNames.ForgetWindow:
                if (absent)
                {
                    throw new FleetMessageFormatException("forget-window needs 'arguments': {\"minutes\":N}");
                }

                Dictionary<string, JsonElement> forget = FleetJson.Properties(arguments, what, ["minutes"], []);
                FleetJson.WholeNumber(forget["minutes"], "minutes", 1, MaximumForgetMinutes);
                break;
            case FleetCommandNames.ApplyConfig:
                if (absent)
                {
                    throw new FleetMessageFormatException("apply-config needs 'arguments': {\"settings\":{...}}");
                }

                Dictionary<string, JsonElement> apply = FleetJson.Properties(arguments, what, ["settings"], []);
                if (apply["settings"].ValueKind != JsonValueKind.Object)
                {
                    throw new FleetMessageFormatException("'settings' must be a JSON object");
                }

                break;
            default:
                if (!absent)
                {
                    FleetJson.Properties(arguments, what, [], []);
                }

                break;
        }
    }

    private static List<AgeRecipient> ReadRecipients(JsonElement arguments)
    {
        Dictionary<string, JsonElement> properties = FleetJson.Properties(arguments, "set-recipients arguments", ["recipients"], []);
        JsonElement list = properties["recipients"];
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > MaximumRecipients)
        {
            throw new FleetMessageFormatException($"'recipients' must be an array of 1 to {MaximumRecipients} age recipients");
        }

        var recipients = new List<AgeRecipient>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement item in list.EnumerateArray())
        {
            string text = FleetJson.Text(item, "recipients[]", 256);
            if (!seen.Add(text))
            {
                throw new FleetMessageFormatException("'recipients' names a recipient twice");
            }

            try
            {
                recipients.Add(AgeRecipient.Parse(text));
            }
            catch (Exception exception) when (exception is AgeException or FormatException or ArgumentException)
            {
                throw new FleetMessageFormatException($"'recipients': not an age X25519 recipient: {exception.Message}", exception);
            }
        }

        return recipients;
    }
}
