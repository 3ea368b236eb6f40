using System.Globalization;
using System.Text.Json;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>
/// Carries out accepted commands. Every path ends in an outcome; none can type (the fleet cannot reach the gadget
/// writer), record while private (the remote hold only restricts) or touch the indicator (the fleet cannot reach it).
/// </summary>
internal sealed class CommandExecutor
{
    private readonly IFleetActions _actions;
    private readonly RemoteRecordingHold _hold;
    private readonly DesiredConfigurationReconciler _reconciler;
    private readonly FleetDatabase _database;
    private readonly Func<FleetStatus> _status;

    public CommandExecutor(IFleetActions actions, RemoteRecordingHold hold, DesiredConfigurationReconciler reconciler, FleetDatabase database, Func<FleetStatus> status)
    {
        _actions = actions;
        _hold = hold;
        _reconciler = reconciler;
        _database = database;
        _status = status;
    }

    /// <summary>The state key of a remote stop in force (kept across restarts: stricter survives).</summary>
    public const string RemoteStopState = "remote-stop";

    public async Task<(string Outcome, string Detail, JsonElement? Result, bool ConfigurationChanged)> ExecuteAsync(FleetCommand command, CancellationToken cancellationToken)
    {
        switch (command.Name)
        {
            case FleetCommandNames.Status:
                return (FleetOutcomes.Done, "status reported", JsonSerializer.SerializeToElement(_status(), FleetJsonMessages.Options), false);
            case FleetCommandNames.StopRecording:
                _database.WriteState(RemoteStopState, "1");
                bool stopped = _hold.Stop();
                return (FleetOutcomes.Done, stopped ? "recording stopped remotely; the relay keeps working" : "a remote stop was already in force", null, false);
            case FleetCommandNames.AllowRecording:
                _database.WriteState(RemoteStopState, "0");
                bool lifted = _hold.Lift();
                string privacy = _status().Privacy;
                return (FleetOutcomes.Done, (lifted ? "remote stop lifted" : "no remote stop was in force") + $"; the privacy switch still decides (now {privacy})", null, false);
            case FleetCommandNames.ApplyConfig:
                FleetSettingsOutcome applied = _reconciler.ApplyCommandSettings(FleetCommandArguments.Settings(command));
                string detail = "in force now: " + (applied.AppliedLive.Count == 0 ? "-" : string.Join(", ", applied.AppliedLive))
                    + "; from the next start: " + (applied.PendingRestart.Count == 0 ? "-" : string.Join(", ", applied.PendingRestart))
                    + (applied.NotApplied.Count == 0 ? string.Empty : "; refused: " + string.Join("; ", applied.NotApplied.Select(r => r.Key + ": " + r.Reason)));
                return (FleetOutcomes.Done, detail, JsonSerializer.SerializeToElement(applied, FleetJsonMessages.Options), true);
            case FleetCommandNames.SetRecipients:
                return Map(await _actions.SetRecipientsAsync(FleetCommandArguments.Recipients(command), cancellationToken).ConfigureAwait(false));
            case FleetCommandNames.PurgeOutbox:
                return Map(await _actions.PurgeOutboxAsync(cancellationToken).ConfigureAwait(false));
            case FleetCommandNames.RestartService:
                return Map(await _actions.RestartServiceAsync(cancellationToken).ConfigureAwait(false));
            case FleetCommandNames.ForgetWindow:
                int minutes = FleetCommandArguments.ForgetMinutes(command);
                (string outcome, string forgetDetail, JsonElement? result, bool changed) = Map(await _actions.ForgetWindowAsync(TimeSpan.FromMinutes(minutes), cancellationToken).ConfigureAwait(false));
                return (outcome, string.Create(CultureInfo.InvariantCulture, $"last {minutes} min: {forgetDetail}"), result, changed);
            default:
                return (FleetOutcomes.Failed, $"no handler for {command.Name}", null, false);
        }
    }

    private static (string, string, JsonElement?, bool) Map(FleetActionOutcome outcome) =>
        (outcome.Succeeded ? FleetOutcomes.Done : FleetOutcomes.Failed, outcome.Detail, null, false);
}
