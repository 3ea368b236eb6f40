using System.Globalization;
using System.Text.Json;
using EdgeCapture.Recording.Recorder;

namespace EdgeCapture.Appliance;

/// <summary>
/// The lock-screen keys of appliance.json: <c>lockScreenChords</c> (array of chords such as <c>"Gui+L"</c>, default
/// <see cref="LockScreenOptions.DefaultChords"/>) and <c>lockScreenTriggers</c> (array of <c>"hostResumed"</c>,
/// <c>"gadgetReenumerated"</c>, <c>"signalRestored"</c>, <c>"applianceStarted"</c>; default all four). Neither can end a
/// suppression early: they only say what starts one.
/// </summary>
internal static class LockScreenConfiguration
{
    private static readonly Dictionary<string, LockScreenTriggers> TriggerNames = new(StringComparer.Ordinal)
    {
        ["hostResumed"] = LockScreenTriggers.HostResumed,
        ["gadgetReenumerated"] = LockScreenTriggers.GadgetReenumerated,
        ["signalRestored"] = LockScreenTriggers.SignalRestored,
        ["applianceStarted"] = LockScreenTriggers.ApplianceStarted,
    };

    internal static List<string> Chords(string key, JsonElement value)
    {
        var chords = new List<string>();
        foreach ((string itemKey, string text) in Strings(key, value))
        {
            try
            {
                new LockScreenOptions { Chords = [text] }.Validate();
            }
            catch (ArgumentException exception)
            {
                throw new ApplianceConfigurationException(itemKey, exception.Message);
            }

            chords.Add(text);
        }

        return chords;
    }

    internal static LockScreenTriggers Triggers(string key, JsonElement value)
    {
        LockScreenTriggers triggers = LockScreenTriggers.None;
        foreach ((string itemKey, string text) in Strings(key, value))
        {
            triggers |= TriggerNames.TryGetValue(text, out LockScreenTriggers trigger)
                ? trigger
                : throw new ApplianceConfigurationException(itemKey, $"\"{text}\" is not a trigger ({string.Join(", ", TriggerNames.Keys)})");
        }

        return triggers;
    }

    private static IEnumerable<(string Key, string Text)> Strings(string key, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ApplianceConfigurationException(key, "must be an array of strings");
        }

        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            string itemKey = string.Create(CultureInfo.InvariantCulture, $"{key}[{index++}]");
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                throw new ApplianceConfigurationException(itemKey, "must be a non-empty string");
            }

            yield return (itemKey, item.GetString()!);
        }
    }
}
