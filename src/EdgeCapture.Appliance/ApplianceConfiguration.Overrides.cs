using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace EdgeCapture.Appliance;

/// <content>
/// Configuration layered as the Generic Host layers it: <c>appliance.json</c>, then environment variables
/// (<c>EDGECAPTURE__key</c>, <c>EDGECAPTURE__upload__brokerUri</c>), then the command line (<c>run --set key=value</c>).
/// Each override replaces one key of the document, and the result goes through the same strict reader: an unknown key
/// is refused with its source named, and nothing can turn off the switch, the gate or the indicator.
/// </content>
public sealed partial record ApplianceConfiguration
{
    /// <summary>The prefix of environment variables that override keys (<c>__</c> separates a section from its key).</summary>
    public const string EnvironmentPrefix = "EDGECAPTURE__";

    /// <summary>The overrides in the environment: <c>EDGECAPTURE__segmentSeconds=30</c> as (<c>segmentSeconds</c>, <c>30</c>).</summary>
    /// <returns>The overrides, as configuration paths (<c>upload:brokerUri</c>) and values.</returns>
    public static IReadOnlyList<KeyValuePair<string, string>> EnvironmentOverrides() =>
        [.. new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).Build().AsEnumerable()
            .Where(pair => pair.Value is not null)
            .Select(pair => new KeyValuePair<string, string>(pair.Key, pair.Value!))
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)];

    /// <summary>
    /// Loads <paramref name="path"/>, applies <paramref name="overrides"/> in order (later wins), and validates the result.
    /// A value that reads as JSON (a number, <c>true</c>, an array) is taken as that JSON; anything else as a string.
    /// </summary>
    /// <param name="path">Usually <see cref="InstalledPath"/>.</param>
    /// <param name="overrides">Configuration paths (<c>segmentSeconds</c>, <c>upload:brokerUri</c>; keys match case-insensitively) and values.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="ApplianceConfigurationException">The file cannot be read, or the layered document is refused.</exception>
    public static ApplianceConfiguration Load(string path, IEnumerable<KeyValuePair<string, string>> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        List<KeyValuePair<string, string>> layered = [.. overrides];
        if (layered.Count == 0)
        {
            return Load(path);
        }

        string json = ReadText(path);
        JsonObject document;
        try
        {
            document = JsonNode.Parse(json, documentOptions: DocumentOptions) as JsonObject
                ?? throw new ApplianceConfigurationException($"{path}: the configuration must be a JSON object");
        }
        catch (JsonException exception)
        {
            throw new ApplianceConfigurationException($"{path}: not valid JSON: {exception.Message}", exception);
        }

        foreach ((string key, string value) in layered)
        {
            Apply(document, key, value);
        }

        return Parse(document.ToJsonString(), $"{path} with {layered.Count} override(s)");
    }

    private static void Apply(JsonObject document, string path, string value)
    {
        string[] levels = path.Split(':');
        if (levels.Length > 2 || levels.Any(level => level.Length == 0))
        {
            throw new ApplianceConfigurationException(path.Replace(':', '.'), "is not a key of the configuration (a key, or upload.key)");
        }

        JsonObject target = document;
        string key = Canonical(levels[0], Keys);
        if (levels.Length == 2)
        {
            if (key != "upload")
            {
                throw new ApplianceConfigurationException($"{levels[0]}.{levels[1]}", "only the upload section has keys of its own");
            }

            if (document["upload"] is not JsonObject section)
            {
                section = [];
                document["upload"] = section;
            }

            target = section;
            key = Canonical(levels[1], UploadConfiguration.Keys);
        }

        target[key] = ValueNode(value);
    }

    private static string Canonical(string key, IReadOnlyList<string> known) =>
        known.FirstOrDefault(candidate => string.Equals(candidate, key, StringComparison.OrdinalIgnoreCase)) ?? key;

    private static JsonNode? ValueNode(string value)
    {
        try
        {
            return JsonNode.Parse(value);
        }
        catch (JsonException)
        {
            return JsonValue.Create(value);
        }
    }
}
