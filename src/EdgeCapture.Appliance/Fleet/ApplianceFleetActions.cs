using System.Globalization;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Protocol.Fleet;
using EdgeCapture.Recording.Recorder;

namespace EdgeCapture.Appliance.Fleet;

/// <summary>
/// What accepted fleet commands do on the appliance. None of these reaches the relay's writer, the switch or the indicator:
/// they forget recordings, change the readers of segments sealed from now on, apply settings (the recorder's segment length and
/// lock-screen keys at once, the rest from the next start), or ask the process to end so systemd starts it again.
/// </summary>
internal sealed class ApplianceFleetActions : IFleetActions
{
    /// <summary>How far back <c>purge-outbox</c> forgets: everything the box still holds, whatever boot recorded it.</summary>
    private static readonly TimeSpan PurgeWindow = TimeSpan.FromDays(3650);

    private readonly Appliance _appliance;
    private readonly ApplianceFleetState _state;
    private readonly TimeProvider _time;

    public ApplianceFleetActions(Appliance appliance, ApplianceFleetState state, TimeProvider time)
    {
        _appliance = appliance;
        _state = state;
        _time = time;
    }

    /// <summary>
    /// Purge: the recorder forgets everything (the open segment too), the outbox deletes every segment still waiting, and those
    /// that may have reached the collector are retracted (signed, queued), exactly as a forget-button press reaching back to the
    /// box's first recording would.
    /// </summary>
    public ValueTask<FleetActionOutcome> PurgeOutboxAsync(CancellationToken cancellationToken)
    {
        ForgetOutcome outcome = _appliance.Recorder.RequestForget(PurgeWindow);
        return ValueTask.FromResult(new FleetActionOutcome(true, string.Create(CultureInfo.InvariantCulture,
            $"outbox purged: {outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted at the collector{(outcome.IsComplete ? string.Empty : "; old copies still being scrubbed")}")));
    }

    public ValueTask<FleetActionOutcome> ForgetWindowAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        ForgetOutcome outcome = _appliance.Recorder.RequestForget(window);
        return ValueTask.FromResult(new FleetActionOutcome(true, string.Create(CultureInfo.InvariantCulture,
            $"{outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted{(outcome.IsComplete ? string.Empty : "; old copies still being scrubbed")}")));
    }

    /// <summary>Only reached for a custodian-signed command (the authorizer refuses every other signer, and audits it).</summary>
    public ValueTask<FleetActionOutcome> SetRecipientsAsync(IReadOnlyList<AgeRecipient> recipients, CancellationToken cancellationToken)
    {
        if (recipients.Count is 0 or > 16)
        {
            return ValueTask.FromResult(new FleetActionOutcome(false, "1 to 16 recipients are required"));
        }

        // Durable first: after a crash the box seals to the readers the custodian chose, never silently to the old ones.
        _state.SetRecipients(recipients);
        _appliance.ReplaceRecipients(recipients);
        return ValueTask.FromResult(new FleetActionOutcome(true, string.Create(CultureInfo.InvariantCulture,
            $"segments sealed from now on are readable by {recipients.Count} recipient(s): {string.Join(", ", recipients.Select(recipient => FleetFingerprint.Of(recipient.ToString())))}; sealed segments are unchanged")));
    }

    /// <summary>
    /// Restart means: the appliance stops in its documented order (relay released, last segment sealed, gate shut, LED dark,
    /// upload and fleet last) and <c>edgecapture run</c> exits with <see cref="Appliance.RestartExitCode"/>, which systemd's
    /// <c>Restart=on-failure</c> turns into a fresh start. The stop begins a moment after this returns, so the response is sent.
    /// </summary>
    public ValueTask<FleetActionOutcome> RestartServiceAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), _time, CancellationToken.None).ConfigureAwait(false);
            _appliance.RequestRestart("restart-service (fleet)");
        }, CancellationToken.None);
        return ValueTask.FromResult(new FleetActionOutcome(true, string.Create(CultureInfo.InvariantCulture,
            $"the appliance stops in order in 1 s and the process exits with code {Appliance.RestartExitCode} for systemd to start it again")));
    }

    public FleetSettingsOutcome ApplySettings(IReadOnlyDictionary<string, JsonElement> settings) =>
        _state.ApplySettings(settings, live => _appliance.Recorder.ApplyLiveSettings(
            TimeSpan.FromSeconds(live.SegmentSeconds),
            new LockScreenOptions { Chords = live.LockScreenChords, Triggers = live.LockScreenTriggers }));
}
