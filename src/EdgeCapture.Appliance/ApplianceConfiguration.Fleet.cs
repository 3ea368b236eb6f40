using System.Globalization;
using System.Text.Json;
using EdgeCapture.Protocol.Fleet;
using EdgeCapture.Recording.Recorder;

namespace EdgeCapture.Appliance;

/// <summary>The <c>fleet</c> key and the remote settings the fleet may overlay on the configuration.</summary>
public sealed partial record ApplianceConfiguration
{
    /// <summary>
    /// The box's root-owned fleet file (key <c>fleet</c>, usually <c>/etc/edgecapture/fleet.json</c>: trusted signers with roles,
    /// groups, limits), or null for no fleet management. Needs <c>upload</c>: the fleet shares the box's one MQTT connection.
    /// </summary>
    public string? FleetConfigurationPath { get; init; }

    /// <summary>The file the firmware image writes its version into (first line), as the fleet birth reports it.</summary>
    public const string InstalledFirmwareVersionPath = "/etc/edgecapture/firmware-version";

    /// <summary>
    /// Where the firmware version is read from: <see cref="InstalledFirmwareVersionPath"/>, written by
    /// <c>firmware/install/edgecapture-install.sh</c>. Not a key of appliance.json (tests point it elsewhere); missing reads "unknown".
    /// </summary>
    public string FirmwareVersionPath { get; init; } = InstalledFirmwareVersionPath;

    /// <summary>
    /// This configuration with the fleet's remote settings applied (keys of <see cref="EdgeCapture.Fleet.Box.RemoteSettings.Keys"/>,
    /// already validated by the fleet; checked again here with the ranges of appliance.json). Keys that only the fleet agent uses
    /// (<c>statusIntervalSeconds</c>) and video keys that do not apply to the configured source are left out.
    /// </summary>
    /// <param name="settings">The settings in force from the fleet.</param>
    /// <param name="skipped">Keys not applied, with the reason.</param>
    /// <returns>The configuration to run with.</returns>
    public ApplianceConfiguration WithRemoteSettings(IReadOnlyDictionary<string, JsonElement> settings, out IReadOnlyList<(string Key, string Reason)> skipped)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ApplianceConfiguration result = this;
        var notApplied = new List<(string, string)>();
        foreach ((string key, JsonElement value) in settings.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (key == "statusIntervalSeconds")
            {
                continue;
            }

            if (VideoKeySources.TryGetValue(key, out VideoSourceKind[]? sources) && !sources.Contains(VideoSource))
            {
                notApplied.Add((key, $"applies only to videoSource {string.Join(" or ", sources.Select(VideoName))}"));
                continue;
            }

            try
            {
                result = key switch
                {
                    "segmentSeconds" => result with { SegmentSeconds = Number(key, value, MinimumSegmentSeconds, MaximumSegmentSeconds) },
                    "quotaBytes" => result with { QuotaBytes = Integer(key, value, MinimumQuotaBytes) },
                    "videoJpegQuality" => result with { VideoJpegQuality = (int)Integer(key, value, 1, 100) },
                    "videoDownscale" => result with { VideoDownscale = Downscale(key, value) },
                    "videoFramesPerSecond" => result with { VideoFramesPerSecond = (int)Integer(key, value, 1, 60) },
                    "lockScreenChords" => result with { LockScreenChords = LockScreenConfiguration.Chords(key, value) },
                    "lockScreenTriggers" => result with { LockScreenTriggers = LockScreenConfiguration.Triggers(key, value) },
                    _ => throw new ApplianceConfigurationException(key, "not a setting the appliance takes from the fleet"),
                };
            }
            catch (ApplianceConfigurationException exception)
            {
                notApplied.Add((key, exception.Message));
            }
        }

        skipped = notApplied;
        return result;
    }

    /// <summary>
    /// What in this configuration is weaker than the lock-screen defaults (reported in the fleet's safety state): default chords
    /// missing, default triggers off.
    /// </summary>
    /// <returns>One line per weakening; empty at the defaults or stricter.</returns>
    public IReadOnlyList<string> LockScreenWeakenings()
    {
        var weakenings = new List<string>();
        foreach (string chord in LockScreenOptions.DefaultChords)
        {
            if (!LockScreenChords.Contains(chord, StringComparer.OrdinalIgnoreCase))
            {
                weakenings.Add($"lockScreenChords: default chord {chord} removed");
            }
        }

        LockScreenTriggers missing = LockScreenTriggers.All & ~LockScreenTriggers;
        if (missing != LockScreenTriggers.None)
        {
            weakenings.Add(string.Create(CultureInfo.InvariantCulture, $"lockScreenTriggers: default trigger(s) off: {missing}"));
        }

        return weakenings;
    }

    private static void CheckFleet(ApplianceConfiguration configuration)
    {
        if (configuration.FleetConfigurationPath is null)
        {
            return;
        }

        if (configuration.Upload is null)
        {
            throw new ApplianceConfigurationException("fleet", "needs an upload section: the fleet shares the box's one MQTT connection");
        }

        if (!FleetTopics.IsValidName(configuration.DeviceId) || configuration.DeviceId == FleetTopics.GroupsLevel)
        {
            throw new ApplianceConfigurationException("deviceId", $"must be 1-{FleetTopics.MaximumNameLength} of A-Z a-z 0-9 . _ - (and not \"{FleetTopics.GroupsLevel}\") for fleet management");
        }
    }
}
