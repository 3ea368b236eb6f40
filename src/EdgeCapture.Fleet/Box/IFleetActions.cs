using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>What an accepted action did.</summary>
/// <param name="Succeeded">Whether it was carried out.</param>
/// <param name="Detail">What happened, for the response and the audit.</param>
public sealed record FleetActionOutcome(bool Succeeded, string Detail);

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

    /// <summary>Applies the validated remote settings in force (already checked by <see cref="RemoteSettings"/>).</summary>
    /// <param name="settings">Every remote setting in force, by key.</param>
    /// <returns>Settings the box could not apply, with reasons (empty when all applied).</returns>
    IReadOnlyList<FleetRejectedSetting> ApplySettings(IReadOnlyDictionary<string, JsonElement> settings);
}
