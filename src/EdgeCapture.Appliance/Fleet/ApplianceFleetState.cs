using System.Text;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Appliance.Fleet;

/// <summary>
/// What the fleet changed on this box and must survive a restart, in the data directory (files 0600, replaced atomically):
/// the recipients a custodian-signed <c>set-recipients</c> chose (<see cref="RecipientsFileName"/>) and the remote settings in
/// force (<see cref="SettingsFileName"/>), overlaid on appliance.json at the next start. Of the remote settings, those the
/// running recorder can take safely (<see cref="LiveKeys"/>: the segment length and the lock-screen chords and triggers) are
/// applied at once as well; the others (quota, video) wait for the next start, and the report says which is which.
/// </summary>
internal sealed class ApplianceFleetState
{
    /// <summary>The recipients set by the custodian, one <c>age1...</c> per line.</summary>
    public const string RecipientsFileName = "fleet-recipients.txt";

    /// <summary>The remote settings in force, a JSON object.</summary>
    public const string SettingsFileName = "fleet-settings.json";

    private readonly string _directory;
    private readonly Lock _lock = new();
    private IReadOnlyList<AgeRecipient> _recipients;
    private ApplianceConfiguration _next;
    private ApplianceConfiguration _live;

    private ApplianceFleetState(string directory, ApplianceConfiguration configured, ApplianceConfiguration running, IReadOnlyList<AgeRecipient> recipients)
    {
        _directory = directory;
        Configured = configured;
        Running = running;
        _next = running;
        _live = running;
        _recipients = recipients;
    }

    /// <summary>The remote settings the running appliance takes without a restart (the recorder's segment length and lock-screen keys).</summary>
    public static IReadOnlyList<string> LiveKeys { get; } = ["segmentSeconds", "lockScreenChords", "lockScreenTriggers"];

    /// <summary>What the box runs with now: <see cref="Running"/> with the settings applied live since the start.</summary>
    public ApplianceConfiguration LiveConfiguration
    {
        get
        {
            lock (_lock)
            {
                return _live;
            }
        }
    }

    /// <summary>appliance.json as loaded.</summary>
    public ApplianceConfiguration Configured { get; }

    /// <summary>What the box runs with: appliance.json with the stored remote settings.</summary>
    public ApplianceConfiguration Running { get; }

    /// <summary>What the box will run with from the next start (the latest remote settings).</summary>
    public ApplianceConfiguration NextConfiguration
    {
        get
        {
            lock (_lock)
            {
                return _next;
            }
        }
    }

    /// <summary>The recipients segments are sealed to.</summary>
    public IReadOnlyList<AgeRecipient> Recipients
    {
        get
        {
            lock (_lock)
            {
                return _recipients;
            }
        }
    }

    /// <summary>Loads the stored state; an unreadable or invalid file is reported and ignored (appliance.json applies).</summary>
    /// <param name="configured">appliance.json.</param>
    /// <param name="configuredRecipients">Its recipients.</param>
    /// <param name="report">Receives what was ignored.</param>
    /// <returns>The state.</returns>
    public static ApplianceFleetState Load(ApplianceConfiguration configured, IReadOnlyList<AgeRecipient> configuredRecipients, Action<string> report)
    {
        string directory = configured.DataDirectory;
        IReadOnlyList<AgeRecipient> recipients = configuredRecipients;
        string recipientsPath = Path.Combine(directory, RecipientsFileName);
        if (File.Exists(recipientsPath))
        {
            try
            {
                using var reader = new StreamReader(recipientsPath);
                List<AgeRecipient> stored = [.. AgeRecipient.ParseList(reader)];
                recipients = stored.Count > 0 ? stored : throw new FormatException("no recipient");
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or AgeException or FormatException or ArgumentException)
            {
                report($"fleet: {recipientsPath} ignored ({exception.Message}); sealing to the recipients of the configuration");
            }
        }

        ApplianceConfiguration running = configured;
        string settingsPath = Path.Combine(directory, SettingsFileName);
        if (File.Exists(settingsPath))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(settingsPath));
                var settings = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (JsonProperty property in document.RootElement.EnumerateObject())
                {
                    if (EdgeCapture.Fleet.Box.RemoteSettings.TryValidate(property.Name, property.Value, out _))
                    {
                        settings[property.Name] = property.Value.Clone();
                    }
                }

                running = configured.WithRemoteSettings(settings, out _);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
            {
                report($"fleet: {settingsPath} ignored ({exception.Message}); running with the configuration as written");
            }
        }

        return new ApplianceFleetState(directory, configured, running, recipients);
    }

    /// <summary>Stores new recipients (durable before it returns).</summary>
    /// <param name="recipients">At least one.</param>
    public void SetRecipients(IReadOnlyList<AgeRecipient> recipients)
    {
        lock (_lock)
        {
            WriteAtomically(RecipientsFileName, string.Concat(recipients.Select(recipient => recipient + "\n")));
            _recipients = [.. recipients];
        }
    }

    /// <summary>
    /// Stores the remote settings in force for the next start, applies the <see cref="LiveKeys"/> that changed through
    /// <paramref name="applyLive"/> (the running recorder), and says per key what is in force now, what from the next start
    /// (quota and video settings are read when the outbox and the capture stage start), and what does not apply (with the reason).
    /// </summary>
    /// <param name="settings">Every remote setting in force.</param>
    /// <param name="applyLive">Applies a configuration's live keys to the running appliance; throws <see cref="ArgumentException"/> to refuse.</param>
    /// <returns>The outcome per key.</returns>
    public FleetSettingsOutcome ApplySettings(IReadOnlyDictionary<string, JsonElement> settings, Action<ApplianceConfiguration>? applyLive)
    {
        lock (_lock)
        {
            WriteAtomically(SettingsFileName, JsonSerializer.Serialize(settings));
            _next = Configured.WithRemoteSettings(settings, out IReadOnlyList<(string Key, string Reason)> skipped);
            var notApplied = skipped.Select(item => new FleetRejectedSetting("appliance", 0, item.Key, item.Reason)).ToList();
            string[] changedLive = [.. Differences(_live, _next).Where(LiveKeys.Contains)];
            if (changedLive.Length > 0 && applyLive is not null)
            {
                ApplianceConfiguration candidate = _live with { SegmentSeconds = _next.SegmentSeconds, LockScreenChords = _next.LockScreenChords, LockScreenTriggers = _next.LockScreenTriggers };
                try
                {
                    applyLive(candidate);
                    _live = candidate;
                }
                catch (ArgumentException exception)
                {
                    notApplied.AddRange(changedLive.Select(key => new FleetRejectedSetting("appliance", 0, key, "not applied live (" + exception.Message + "); in force from the next start")));
                }
            }

            string[] pending = [.. Differences(_live, _next).Order(StringComparer.Ordinal)];
            string[] skippedKeys = [.. skipped.Select(item => item.Key)];
            string[] live = [.. settings.Keys.Except(pending, StringComparer.Ordinal).Except(skippedKeys, StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            return new FleetSettingsOutcome(live, pending, notApplied);
        }
    }

    private static IEnumerable<string> Differences(ApplianceConfiguration now, ApplianceConfiguration next)
    {
        if (now.SegmentSeconds != next.SegmentSeconds)
        {
            yield return "segmentSeconds";
        }

        if (now.QuotaBytes != next.QuotaBytes)
        {
            yield return "quotaBytes";
        }

        if (now.VideoJpegQuality != next.VideoJpegQuality)
        {
            yield return "videoJpegQuality";
        }

        if (now.VideoDownscale != next.VideoDownscale)
        {
            yield return "videoDownscale";
        }

        if (now.VideoFramesPerSecond != next.VideoFramesPerSecond)
        {
            yield return "videoFramesPerSecond";
        }

        if (!now.LockScreenChords.SequenceEqual(next.LockScreenChords, StringComparer.Ordinal))
        {
            yield return "lockScreenChords";
        }

        if (now.LockScreenTriggers != next.LockScreenTriggers)
        {
            yield return "lockScreenTriggers";
        }
    }

    private void WriteAtomically(string fileName, string text)
    {
        string path = Path.Combine(_directory, fileName);
        string temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
