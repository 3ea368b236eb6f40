using System.Globalization;
using System.Text.Json;

namespace EdgeCapture.Protocol.Fleet;

/// <summary>
/// Strict reading of fleet JSON: one object, known keys only, each once, the right type and range. Every failure is a
/// <see cref="FleetMessageFormatException"/> naming the key, so a decoder never crashes on any input.
/// </summary>
public static class FleetJson
{
    /// <summary>Largest fleet message accepted (commands and configuration are small).</summary>
    public const int MaximumMessageBytes = 64 * 1024;

    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 };

    /// <summary>Parses at most <see cref="MaximumMessageBytes"/> of strict JSON (no comments, no trailing commas, depth 16).</summary>
    /// <param name="utf8">The bytes.</param>
    /// <param name="what">Named in errors.</param>
    /// <returns>The document; dispose it.</returns>
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8, string what)
    {
        if (utf8.Length > MaximumMessageBytes)
        {
            throw new FleetMessageFormatException(string.Create(CultureInfo.InvariantCulture, $"{what} is {utf8.Length} bytes; at most {MaximumMessageBytes} are accepted"));
        }

        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
        {
            throw new FleetMessageFormatException($"{what} is not valid UTF-8");
        }

        try
        {
            return JsonDocument.Parse(utf8, Options);
        }
        catch (JsonException exception)
        {
            throw new FleetMessageFormatException($"{what} is not valid JSON: {exception.Message}", exception);
        }
        catch (ArgumentException exception)
        {
            throw new FleetMessageFormatException($"{what} is not valid UTF-8 JSON: {exception.Message}", exception);
        }
    }

    /// <summary>The object's properties by name; refuses a non-object, duplicates, unknown keys and missing required keys.</summary>
    /// <param name="element">The element.</param>
    /// <param name="what">Named in errors.</param>
    /// <param name="required">Keys that must be present.</param>
    /// <param name="optional">Keys that may be present.</param>
    /// <returns>The properties.</returns>
    public static Dictionary<string, JsonElement> Properties(JsonElement element, string what, string[] required, string[] optional)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FleetMessageFormatException($"{what} must be a JSON object, not {Describe(element)}");
        }

        var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!IsValidText(property))
            {
                throw new FleetMessageFormatException($"{what}: a key is not valid Unicode text");
            }

            if (!required.Contains(property.Name) && !optional.Contains(property.Name))
            {
                throw new FleetMessageFormatException($"{what}: unknown key '{Printable(property.Name)}'");
            }

            if (!properties.TryAdd(property.Name, property.Value))
            {
                throw new FleetMessageFormatException($"{what}: key '{property.Name}' given twice");
            }
        }

        foreach (string key in required)
        {
            if (!properties.ContainsKey(key))
            {
                throw new FleetMessageFormatException($"{what}: key '{key}' is missing");
            }
        }

        return properties;
    }

    /// <summary>A non-empty string without control characters, at most <paramref name="maximumLength"/> long.</summary>
    /// <param name="value">The element.</param>
    /// <param name="key">Named in errors.</param>
    /// <param name="maximumLength">The longest accepted.</param>
    /// <returns>The string.</returns>
    public static string Text(JsonElement value, string key, int maximumLength)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new FleetMessageFormatException($"'{key}' must be a string, not {Describe(value)}");
        }

        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException exception)
        {
            // An escaped lone surrogate: not text.
            throw new FleetMessageFormatException($"'{key}' is not valid Unicode text", exception);
        }

        if (text.Length == 0 || text.Length > maximumLength || text.Any(char.IsControl))
        {
            throw new FleetMessageFormatException(string.Create(CultureInfo.InvariantCulture, $"'{key}' must be 1 to {maximumLength} characters without control characters"));
        }

        return text;
    }

    /// <summary>A device id or group name (see <see cref="FleetTopics.IsValidName"/>).</summary>
    /// <param name="value">The element.</param>
    /// <param name="key">Named in errors.</param>
    /// <returns>The name.</returns>
    public static string Name(JsonElement value, string key)
    {
        string text = Text(value, key, FleetTopics.MaximumNameLength);
        if (!FleetTopics.IsValidName(text))
        {
            throw new FleetMessageFormatException($"'{key}' must be 1 to 128 of A-Z a-z 0-9 . _ -");
        }

        return text;
    }

    /// <summary>A whole number in range.</summary>
    /// <param name="value">The element.</param>
    /// <param name="key">Named in errors.</param>
    /// <param name="minimum">Smallest accepted.</param>
    /// <param name="maximum">Largest accepted.</param>
    /// <returns>The number.</returns>
    public static long WholeNumber(JsonElement value, string key, long minimum, long maximum)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long number) || number < minimum || number > maximum)
        {
            throw new FleetMessageFormatException(string.Create(CultureInfo.InvariantCulture, $"'{key}' must be a whole number from {minimum} to {maximum}, not {Describe(value)}"));
        }

        return number;
    }

    /// <summary>Times are UTC in the round-trip form <c>2026-01-01T00:00:00.000Z</c> (Z required, so no local time sneaks in).</summary>
    /// <param name="value">The element.</param>
    /// <param name="key">Named in errors.</param>
    /// <returns>The time.</returns>
    public static DateTimeOffset Time(JsonElement value, string key)
    {
        string text = Text(value, key, 40);
        if (!text.EndsWith('Z') || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time))
        {
            throw new FleetMessageFormatException($"'{key}' must be a UTC time like 2026-01-01T00:00:00.000Z");
        }

        return time;
    }

    /// <summary>Writes a time the way <see cref="Time"/> reads it.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The text.</returns>
    public static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Canonical padded base64 of at most <paramref name="maximumBytes"/> bytes.</summary>
    /// <param name="value">The element.</param>
    /// <param name="key">Named in errors.</param>
    /// <param name="maximumBytes">The most bytes accepted.</param>
    /// <returns>The bytes.</returns>
    public static byte[] Base64(JsonElement value, string key, int maximumBytes)
    {
        string text = Text(value, key, ((maximumBytes + 2) / 3 * 4) + 4);
        byte[] bytes = new byte[((text.Length + 3) / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(text, bytes, out int written) || written > maximumBytes || Convert.ToBase64String(bytes, 0, written) != text)
        {
            throw new FleetMessageFormatException($"'{key}' must be canonical padded base64");
        }

        return bytes.AsSpan(0, written).ToArray();
    }

    /// <summary>Describes a JSON value for an error message without echoing long input.</summary>
    /// <param name="value">The element.</param>
    /// <returns>The description.</returns>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.GetRawText().Length <= 32 ? value.GetRawText() : "a long number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString(),
    };

    /// <summary>The shared writer options: no HTML escaping (these are not web pages), so keys and base64 read as written.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether a property's name is valid text (an escaped lone surrogate is not).</summary>
    /// <param name="property">The property.</param>
    /// <returns>Whether its name can be read.</returns>
    public static bool IsValidText(JsonProperty property)
    {
        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A key name fit for a log line: truncated, control characters replaced.</summary>
    /// <param name="text">The text.</param>
    /// <returns>A safe excerpt.</returns>
    public static string Printable(string text)
    {
        string shortened = text.Length > 64 ? text[..64] + "..." : text;
        return new string(shortened.Select(character => char.IsControl(character) ? '?' : character).ToArray());
    }
}
