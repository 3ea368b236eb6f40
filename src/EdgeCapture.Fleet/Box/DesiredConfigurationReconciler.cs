using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>
/// Device-shadow reconciliation on the box: verifies each signed desired document (device or group), applies the valid
/// settings and refuses the rest with reasons, enforces the version order (optimistic concurrency), and keeps the applied
/// layers durably so a restart reports the same state. Layers apply in order: groups (as configured), the device, then
/// settings from <c>apply-config</c> commands. Every change and every refusal of a new document is audited.
/// </summary>
public sealed class DesiredConfigurationReconciler
{
    private const string CommandScope = "command";
    private readonly string _deviceId;
    private readonly FleetBoxConfiguration _configuration;
    private readonly FleetDatabase _database;
    private readonly AuditLog _audit;
    private readonly IFleetActions _actions;
    private readonly IDeviceFacts _facts;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Layer> _layers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refusedDocuments = new(StringComparer.Ordinal);
    private FleetSettingsOutcome _applied = FleetSettingsOutcome.None;

    /// <summary>Creates the reconciler and restores the applied layers from the database.</summary>
    /// <param name="deviceId">The box.</param>
    /// <param name="configuration">Trusted signers and groups.</param>
    /// <param name="database">Where applied layers are kept.</param>
    /// <param name="audit">The audit log.</param>
    /// <param name="actions">Applies settings on the box.</param>
    /// <param name="facts">The safety state reported.</param>
    /// <param name="time">The clock.</param>
    public DesiredConfigurationReconciler(string deviceId, FleetBoxConfiguration configuration, FleetDatabase database, AuditLog audit, IFleetActions actions, IDeviceFacts facts, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(time);
        _deviceId = deviceId;
        _configuration = configuration;
        _database = database;
        _audit = audit;
        _actions = actions;
        _facts = facts;
        _time = time;
        foreach (string scope in Scopes())
        {
            if (_database.ReadState("layer:" + scope) is { } stored)
            {
                _layers[scope] = JsonSerializer.Deserialize<Layer>(stored, FleetJsonMessages.Options)!;
            }
        }

        _applied = ApplyToBox();
    }

    /// <summary>Keys the agent itself applies while running (never passed on as pending a restart).</summary>
    public static IReadOnlyList<string> AgentLiveKeys { get; } = ["statusIntervalSeconds"];

    /// <summary>The settings in force from the fleet, after all layers.</summary>
    /// <returns>Key to value.</returns>
    public IReadOnlyDictionary<string, JsonElement> Effective()
    {
        lock (_lock)
        {
            var effective = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (string scope in Scopes())
            {
                if (_layers.TryGetValue(scope, out Layer? layer))
                {
                    using JsonDocument document = JsonDocument.Parse(layer.Accepted);
                    foreach (JsonProperty property in document.RootElement.EnumerateObject())
                    {
                        effective[property.Name] = property.Value.Clone();
                    }
                }
            }

            return effective;
        }
    }

    /// <summary>Handles one retained desired document; never throws for any input.</summary>
    /// <param name="envelope">The payload received.</param>
    /// <param name="outcome">What happened, for the log.</param>
    /// <returns>True if the reported state changed and should be published.</returns>
    public bool HandleDesired(ReadOnlyMemory<byte> envelope, out string outcome)
    {
        // A retained document arrives again on every reconnect: the same bytes are handled once.
        string digest = Convert.ToHexStringLower(SHA256.HashData(envelope.Span));
        SignedFleetMessage message;
        FleetDesiredConfiguration document;
        TrustedSigner? signer;
        try
        {
            message = SignedFleetMessage.Decode(envelope);
            if (message.Kind != FleetMessageKind.DesiredConfiguration)
            {
                throw new FleetMessageFormatException($"a '{message.Kind}' message is not a desired configuration");
            }

            document = FleetDesiredConfiguration.Decode(message.Payload);
        }
        catch (FleetMessageFormatException exception)
        {
            return Refuse(digest, "unknown", null, null, null, FleetRejections.Malformed, exception.Message, out outcome);
        }

        string scope = document.Target.IsGroup ? "group:" + document.Target.Name : "device";
        string version = document.Version.ToString(CultureInfo.InvariantCulture);
        string? fingerprint = message.Signer is { } key ? FleetFingerprint.Of(key.ToString()) : null;
        signer = message.Signer is null ? null : _configuration.TrustedSigners.FirstOrDefault(trusted => trusted.PublicKey.Equals(message.Signer));
        if (!message.IsSigned)
        {
            return Refuse(digest, scope, version, null, null, FleetRejections.NotSigned, "the desired configuration is not signed", out outcome);
        }

        if (signer is null)
        {
            return Refuse(digest, scope, version, fingerprint, null, FleetRejections.UnknownSigner, $"signer {fingerprint} is not trusted by this box", out outcome);
        }

        if (!message.HasValidSignature())
        {
            return Refuse(digest, scope, version, fingerprint, signer, FleetRejections.BadSignature, "the signature does not verify: forged or altered", out outcome);
        }

        if (signer.Role != FleetRole.Operator)
        {
            return Refuse(digest, scope, version, fingerprint, signer, FleetRejections.WrongRole, $"desired configuration needs the operator role; {signer.Name} is {FleetRoleNames.Name(signer.Role)}", out outcome);
        }

        if (!document.Target.Addresses(_deviceId, _configuration.Groups))
        {
            return Refuse(digest, scope, version, fingerprint, signer, FleetRejections.WrongDevice, $"addressed to {document.Target}, this is {_deviceId}", out outcome);
        }

        if (document.IssuedAt > _time.GetUtcNow() + _configuration.ClockTolerance)
        {
            return Refuse(digest, scope, version, fingerprint, signer, FleetRejections.NotYetValid, $"issued at {FleetJson.FormatTime(document.IssuedAt)}, in this box's future", out outcome);
        }

        lock (_lock)
        {
            long applied = _layers.TryGetValue(scope, out Layer? current) ? current.Version : 0;
            if (current is not null && current.Digest == digest)
            {
                outcome = $"desired {scope} version {version} already applied";
                return false;
            }

            if (document.Version <= applied)
            {
                return Refuse(digest, scope, version, fingerprint, signer, FleetRejections.VersionConflict, string.Create(CultureInfo.InvariantCulture, $"version {document.Version} is not newer than the applied version {applied}"), out outcome);
            }

            if (document.BaseVersion is { } baseVersion && baseVersion != applied)
            {
                return Refuse(digest, scope, version, fingerprint, signer, FleetRejections.VersionConflict, string.Create(CultureInfo.InvariantCulture, $"edited from version {baseVersion}, but version {applied} is applied: another change came first"), out outcome);
            }

            (string accepted, List<FleetRejectedSetting> rejected) = Validate(document.SettingsJson, scope, document.Version);
            Store(scope, new Layer(document.Version, digest, accepted, rejected));
            string detail = rejected.Count == 0 ? "all settings applied" : $"applied; refused: {string.Join("; ", rejected.Select(r => r.Key + ": " + r.Reason))}";
            _audit.Append(_time.GetUtcNow(), "configuration", scope, version, fingerprint, FleetRoleNames.Name(signer.Role), FleetOutcomes.Done, null, detail);
            outcome = $"desired {scope} version {version}: {detail}";
            return true;
        }
    }

    /// <summary>Applies the settings of an accepted <c>apply-config</c> command (the command layer, above all documents).</summary>
    /// <param name="settingsJson">The settings object.</param>
    /// <returns>The settings refused, with reasons.</returns>
    public FleetSettingsOutcome ApplyCommandSettings(string settingsJson)
    {
        lock (_lock)
        {
            long next = (_layers.TryGetValue(CommandScope, out Layer? current) ? current.Version : 0) + 1;
            (string accepted, List<FleetRejectedSetting> rejected) = Validate(settingsJson, CommandScope, 0);
            if (current is not null)
            {
                // Commands add to the command layer; later keys replace earlier ones.
                using JsonDocument previous = JsonDocument.Parse(current.Accepted);
                using JsonDocument added = JsonDocument.Parse(accepted);
                var merged = previous.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
                foreach (JsonProperty property in added.RootElement.EnumerateObject())
                {
                    merged[property.Name] = property.Value.Clone();
                }

                accepted = JsonSerializer.Serialize(merged);
            }

            Store(CommandScope, new Layer(next, "command-" + next.ToString(CultureInfo.InvariantCulture), accepted, rejected));
            return _applied with { NotApplied = [.. rejected, .. _applied.NotApplied] };
        }
    }

    /// <summary>The reported configuration now.</summary>
    /// <returns>The report.</returns>
    public FleetReportedConfiguration Report()
    {
        lock (_lock)
        {
            var groupVersions = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (string group in _configuration.Groups)
            {
                groupVersions[group] = _layers.TryGetValue("group:" + group, out Layer? layer) ? layer.Version : 0;
            }

            var rejected = _layers.Values.SelectMany(layer => layer.Rejected).Concat(_applied.NotApplied).ToList();
            return new FleetReportedConfiguration(_deviceId, _time.GetUtcNow(), _layers.TryGetValue("device", out Layer? device) ? device.Version : 0, groupVersions, Effective(), rejected, _facts.Safety)
            {
                AppliedLive = _applied.AppliedLive,
                PendingRestart = _applied.PendingRestart,
            };
        }
    }

    private void Store(string scope, Layer layer)
    {
        _database.WriteState("layer:" + scope, JsonSerializer.Serialize(layer, FleetJsonMessages.Options));
        _layers[scope] = layer;
        _applied = ApplyToBox();
    }

    /// <summary>Hands the settings in force to the box; the agent's own keys (the status interval) are in force at once.</summary>
    private FleetSettingsOutcome ApplyToBox()
    {
        IReadOnlyDictionary<string, JsonElement> effective = Effective();
        FleetSettingsOutcome outcome = _actions.ApplySettings(effective);
        string[] live = [.. outcome.AppliedLive.Concat(AgentLiveKeys.Where(effective.ContainsKey)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        return outcome with { AppliedLive = live, PendingRestart = [.. outcome.PendingRestart.Except(AgentLiveKeys, StringComparer.Ordinal).Order(StringComparer.Ordinal)] };
    }

    private bool Refuse(string digest, string scope, string? version, string? fingerprint, TrustedSigner? signer, string reason, string detail, out string outcome)
    {
        outcome = $"desired {scope} version {version ?? "?"} refused ({reason}): {detail}";
        if (_refusedDocuments.Add(digest))
        {
            _audit.Append(_time.GetUtcNow(), "configuration", scope, version, fingerprint, signer is null ? null : FleetRoleNames.Name(signer.Role), FleetOutcomes.Rejected, reason, detail);
            return true;
        }

        return false;
    }

    private static (string Accepted, List<FleetRejectedSetting> Rejected) Validate(string settingsJson, string scope, long version)
    {
        using JsonDocument settings = JsonDocument.Parse(settingsJson);
        var accepted = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var rejected = new List<FleetRejectedSetting>();
        foreach (JsonProperty property in settings.RootElement.EnumerateObject())
        {
            if (!FleetJson.IsValidText(property))
            {
                rejected.Add(new FleetRejectedSetting(scope, version, "?", "the key is not valid Unicode text"));
                continue;
            }

            string key = FleetJson.Printable(property.Name);
            if (accepted.ContainsKey(property.Name) || rejected.Any(r => r.Key == key))
            {
                rejected.Add(new FleetRejectedSetting(scope, version, key, "given twice"));
            }
            else if (RemoteSettings.TryValidate(property.Name, property.Value, out string reason))
            {
                accepted[property.Name] = property.Value.Clone();
            }
            else
            {
                rejected.Add(new FleetRejectedSetting(scope, version, key, reason));
            }
        }

        return (JsonSerializer.Serialize(accepted), rejected);
    }

    private IEnumerable<string> Scopes()
    {
        foreach (string group in _configuration.Groups)
        {
            yield return "group:" + group;
        }

        yield return "device";
        yield return CommandScope;
    }

    /// <summary>One applied document: its version, the digest of its envelope, the accepted settings and the refused ones.</summary>
    private sealed record Layer(long Version, string Digest, string Accepted, IReadOnlyList<FleetRejectedSetting> Rejected);
}
