using System.Globalization;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>
/// The box's fleet settings, from its root-owned configuration (<see cref="InstalledPath"/>, JSON): the trusted signers with
/// their roles, the groups it belongs to, and the limits on commands. Loading is strict like the appliance configuration:
/// an unknown key, a wrong type, a bad key or role is refused naming the key. Nothing here comes from the network.
/// </summary>
/// <remarks>
/// <code>
/// { "groups": ["floor-3"], "statusIntervalSeconds": 30, "clockToleranceSeconds": 60, "maximumCommandLifetimeSeconds": 86400,
///   "trustedSigners": [ { "name": "it-alice", "role": "operator", "publicKey": "ed25519:..." },
///                       { "name": "custodian", "role": "custodian", "publicKey": "ed25519:..." } ] }
/// </code>
/// </remarks>
public sealed record FleetBoxConfiguration
{
    /// <summary>Where it lives on a box (root-owned, not writable by group or others).</summary>
    public const string InstalledPath = "/etc/edgecapture/fleet.json";

    /// <summary>The signers trusted, each with its role.</summary>
    public IReadOnlyList<TrustedSigner> TrustedSigners { get; init; } = [];

    /// <summary>The groups the box belongs to (commands and desired configuration addressed to them reach it).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Status is published at least this often.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How far the signer's clock and the box's may disagree (issue time and expiry are judged with it).</summary>
    public TimeSpan ClockTolerance { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest lifetime (expiry minus issue time) accepted; bounds how long seen ids must be kept.</summary>
    public TimeSpan MaximumCommandLifetime { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Loads and validates the file; refuses a file group or others may write.</summary>
    /// <param name="path">Usually <see cref="InstalledPath"/>.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="FleetMessageFormatException">Unreadable, writable by others, or refused.</exception>
    public static FleetBoxConfiguration Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                throw new FleetMessageFormatException($"{path}: writable by group or others; the trusted signers must be root-owned configuration");
            }

            return Parse(File.ReadAllBytes(path), path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new FleetMessageFormatException($"{path}: cannot be read: {exception.Message}", exception);
        }
    }

    /// <summary>Parses and validates a document.</summary>
    /// <param name="json">The UTF-8 JSON.</param>
    /// <param name="sourceName">Named in errors.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="FleetMessageFormatException">Refused, with the key named.</exception>
    public static FleetBoxConfiguration Parse(ReadOnlyMemory<byte> json, string sourceName)
    {
        try
        {
            using JsonDocument document = FleetJson.Parse(json, sourceName);
            Dictionary<string, JsonElement> properties = FleetJson.Properties(document.RootElement, sourceName, ["trustedSigners"], ["groups", "statusIntervalSeconds", "clockToleranceSeconds", "maximumCommandLifetimeSeconds"]);
            var configuration = new FleetBoxConfiguration { TrustedSigners = ParseSigners(properties["trustedSigners"]) };
            if (properties.TryGetValue("groups", out JsonElement groups))
            {
                configuration = configuration with { Groups = ParseGroups(groups) };
            }

            if (properties.TryGetValue("statusIntervalSeconds", out JsonElement interval))
            {
                configuration = configuration with { StatusInterval = TimeSpan.FromSeconds(FleetJson.WholeNumber(interval, "statusIntervalSeconds", 1, 3600)) };
            }

            if (properties.TryGetValue("clockToleranceSeconds", out JsonElement tolerance))
            {
                configuration = configuration with { ClockTolerance = TimeSpan.FromSeconds(FleetJson.WholeNumber(tolerance, "clockToleranceSeconds", 0, 600)) };
            }

            if (properties.TryGetValue("maximumCommandLifetimeSeconds", out JsonElement lifetime))
            {
                configuration = configuration with { MaximumCommandLifetime = TimeSpan.FromSeconds(FleetJson.WholeNumber(lifetime, "maximumCommandLifetimeSeconds", 10, 7 * 86400)) };
            }

            return configuration;
        }
        catch (FleetMessageFormatException exception) when (!exception.Message.StartsWith(sourceName, StringComparison.Ordinal))
        {
            throw new FleetMessageFormatException($"{sourceName}: {exception.Message}", exception);
        }
    }

    private static List<TrustedSigner> ParseSigners(JsonElement list)
    {
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > 64)
        {
            throw new FleetMessageFormatException("'trustedSigners' must be an array of at most 64 signers");
        }

        var signers = new List<TrustedSigner>();
        int index = 0;
        foreach (JsonElement item in list.EnumerateArray())
        {
            string what = string.Create(CultureInfo.InvariantCulture, $"trustedSigners[{index++}]");
            Dictionary<string, JsonElement> signer = FleetJson.Properties(item, what, ["name", "role", "publicKey"], []);
            string name = FleetJson.Text(signer["name"], what + ".name", 128);
            if (!FleetRoleNames.TryParse(FleetJson.Text(signer["role"], what + ".role", 16), out FleetRole role))
            {
                throw new FleetMessageFormatException($"'{what}.role' must be \"operator\" or \"custodian\"");
            }

            DevicePublicKey key;
            try
            {
                key = DevicePublicKey.Parse(FleetJson.Text(signer["publicKey"], what + ".publicKey", 128));
            }
            catch (DeviceKeyFormatException exception)
            {
                throw new FleetMessageFormatException($"'{what}.publicKey': {exception.Message}", exception);
            }

            if (signers.Any(existing => existing.PublicKey.Equals(key)))
            {
                // One key, one role: a key listed twice could otherwise be read with the stronger role.
                throw new FleetMessageFormatException($"'{what}.publicKey' is listed twice; each key has exactly one role");
            }

            signers.Add(new TrustedSigner(name, role, key));
        }

        return signers;
    }

    private static List<string> ParseGroups(JsonElement list)
    {
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > 32)
        {
            throw new FleetMessageFormatException("'groups' must be an array of at most 32 group names");
        }

        var groups = new List<string>();
        foreach (JsonElement item in list.EnumerateArray())
        {
            string group = FleetJson.Name(item, "groups[]");
            if (group == FleetTopics.GroupsLevel || groups.Contains(group))
            {
                throw new FleetMessageFormatException($"'groups' names '{group}' twice or uses the reserved name");
            }

            groups.Add(group);
        }

        return groups;
    }
}
