using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>What an accepted action did.</summary>
/// <param name="Succeeded">Whether it was carried out.</param>
/// <param name="Detail">What happened, for the response and the audit.</param>
public sealed record FleetActionOutcome(bool Succeeded, string Detail);

/// <summary>What the box did with the remote settings in force.</summary>
/// <param name="AppliedLive">Keys whose value is in force now (applied while running, or at this start).</param>
/// <param name="PendingRestart">Keys accepted and stored, in force from the next start (<c>restart-service</c>).</param>
/// <param name="NotApplied">Keys the box could not apply, with reasons.</param>
public sealed record FleetSettingsOutcome(IReadOnlyList<string> AppliedLive, IReadOnlyList<string> PendingRestart, IReadOnlyList<FleetRejectedSetting> NotApplied)
{
    /// <summary>Nothing to apply.</summary>
    public static FleetSettingsOutcome None { get; } = new([], [], []);
}

/// <summary>
/// The box operations fleet commands may trigger, implemented by the appliance. None of them can type, record while
/// private or darken the indicator: they delete data, change the readers of future segments, apply the remote settings
/// subset, or restart the service. Remote stop and allow are not here: they go through <see cref="RemoteRecordingHold"/>.
/// </summary>
public interface IFleetActions
{
    /// <summary>Deletes the sealed segments waiting in the outbox.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The outcome.</returns>
    ValueTask<FleetActionOutcome> PurgeOutboxAsync(CancellationToken cancellationToken);

    /// <summary>Forgets the last <paramref name="window"/> of recording, as the forget button does.</summary>
    /// <param name="window">How far back.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The outcome.</returns>
    ValueTask<FleetActionOutcome> ForgetWindowAsync(TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Seals future segments to these recipients only (already sealed segments are unchanged).</summary>
    /// <param name="recipients">The new recipients (1 to 16).</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The outcome.</returns>
    ValueTask<FleetActionOutcome> SetRecipientsAsync(IReadOnlyList<AgeRecipient> recipients, CancellationToken cancellationToken);

    /// <summary>Restarts the service soon (after the response is sent).</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The outcome.</returns>
    ValueTask<FleetActionOutcome> RestartServiceAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies the validated remote settings in force (already checked by <see cref="RemoteSettings"/>): live what can safely
    /// change while running, the rest stored for the next start, and says which is which.
    /// </summary>
    /// <param name="settings">Every remote setting in force, by key.</param>
    /// <returns>Which keys are in force now, which from the next start, and which could not be applied (with reasons).</returns>
    FleetSettingsOutcome ApplySettings(IReadOnlyDictionary<string, JsonElement> settings);
}
