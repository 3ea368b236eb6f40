using System.Globalization;
using System.Text.Json;

namespace EdgeCapture.Fleet.Box;

/// <summary>
/// The settings the fleet may change remotely, and the strict check of each value. It is a small subset of the appliance
/// configuration, with the same ranges (a test in the appliance checks they agree); everything else is refused with a
/// reason: the indicator, the switch and the gate are not settings at all ("The switch wins", "Governed control"); the
/// recipients change only through a custodian-signed <c>set-recipients</c>; paths, devices, keys and trusted signers are
/// root-owned local configuration. The lock-screen settings are those of appliance.json (<c>lockScreenChords</c>,
/// <c>lockScreenTriggers</c>); the box checks each chord, and a value weaker than the defaults (a default chord or trigger
/// left out) is applied but always shows in the reported safety state (<see cref="Protocol.Fleet.FleetSafetyState.WeakenedFromDefaults"/>).
/// </summary>
public static class RemoteSettings
{
    /// <summary>The lock-screen triggers, as appliance.json spells them.</summary>
    public static IReadOnlyList<string> LockScreenTriggerNames { get; } = ["hostResumed", "gadgetReenumerated", "signalRestored", "applianceStarted"];

    /// <summary>The keys accepted remotely.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "segmentSeconds", "quotaBytes", "videoJpegQuality", "videoDownscale", "videoFramesPerSecond", "statusIntervalSeconds",
        "lockScreenChords", "lockScreenTriggers",
    ];

    /// <summary>Local-only keys of the appliance configuration, refused with the reason that they are local.</summary>
    private static readonly string[] LocalOnlyKeys =
    [
        "deviceId", "dataDirectory", "deviceKeyPath", "pinoutPath", "inputDirectory", "keyboards", "mice", "keyboardGadget", "mouseGadget",
        "consumerControlGadget", "udcStatePath", "videoSource", "videoDevice", "videoWidth", "videoHeight", "videoFile", "upload", "groups",
        "trustedSigners", "clockToleranceSeconds", "maximumCommandLifetimeSeconds",
    ];

    /// <summary>Checks one remote setting.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="reason">Why it is refused, when it is.</param>
    /// <returns>Whether the setting may be applied.</returns>
    public static bool TryValidate(string key, JsonElement value, out string reason)
    {
        ArgumentNullException.ThrowIfNull(key);
        reason = string.Empty;
        string lowered = key.ToLowerInvariant();
        if (lowered.Contains("indicator", StringComparison.Ordinal) || lowered.StartsWith("led", StringComparison.Ordinal))
        {
            reason = "the recording indicator is not configurable: it is lit whenever recording is possible (Governed control)";
            return false;
        }

        if (lowered.Contains("switch", StringComparison.Ordinal) || lowered.Contains("gate", StringComparison.Ordinal) || lowered.Contains("privacy", StringComparison.Ordinal))
        {
            reason = "the privacy switch and gate are not configurable: the hardware switch wins (The switch wins)";
            return false;
        }

        if (lowered.Contains("recipient", StringComparison.Ordinal))
        {
            reason = "who can read the data changes only through a custodian-signed set-recipients command (Governed control)";
            return false;
        }

        if (LocalOnlyKeys.Contains(key))
        {
            reason = "local configuration only: set it in the box's root-owned configuration, not remotely";
            return false;
        }

        switch (key)
        {
            case "segmentSeconds":
                return Number(value, 0.1, 600, out reason);
            case "quotaBytes":
                return Integer(value, 1L << 20, 1L << 50, out reason);
            case "videoJpegQuality":
                return Integer(value, 1, 100, out reason);
            case "videoDownscale":
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int factor) && factor is 1 or 2)
                {
                    return true;
                }

                reason = "must be 1 (full size) or 2 (half width and height)";
                return false;
            case "videoFramesPerSecond":
                return Integer(value, 1, 60, out reason);
            case "statusIntervalSeconds":
                return Integer(value, 1, 3600, out reason);
            case "lockScreenChords":
                return StringArray(value, 1, 32, text => text.Length is > 0 and <= 64 && text.All(character => character is > ' ' and <= '~'), "chords such as \"Gui+L\"", out reason);
            case "lockScreenTriggers":
                return StringArray(value, 0, LockScreenTriggerNames.Count, LockScreenTriggerNames.Contains, "of " + string.Join(", ", LockScreenTriggerNames), out reason);
            default:
                reason = $"unknown key (remotely changeable: {string.Join(", ", Keys)})";
                return false;
        }
    }

    private static bool StringArray(JsonElement value, int minimum, int maximum, Func<string, bool> isValid, string what, out string reason)
    {
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() >= minimum && value.GetArrayLength() <= maximum
            && value.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String && isValid(item.GetString()!)))
        {
            reason = string.Empty;
            return true;
        }

        reason = string.Create(CultureInfo.InvariantCulture, $"must be an array of {minimum} to {maximum} strings, {what}");
        return false;
    }

    private static bool Number(JsonElement value, double minimum, double maximum, out string reason)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number) && double.IsFinite(number) && number >= minimum && number <= maximum)
        {
            reason = string.Empty;
            return true;
        }

        reason = string.Create(CultureInfo.InvariantCulture, $"must be a number from {minimum} to {maximum}");
        return false;
    }

    private static bool Integer(JsonElement value, long minimum, long maximum, out string reason)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) && number >= minimum && number <= maximum)
        {
            reason = string.Empty;
            return true;
        }

        reason = string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {minimum} to {maximum}");
        return false;
    }
}
