using EdgeCapture.Fleet.Link;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.View;

/// <summary>
/// Keeps the collector's fleet view: subscribes to every device's birth, death, status, reported configuration and
/// audit, folds them into a <see cref="FleetView"/> and stores them in a <see cref="FleetViewStore"/>. The collector
/// process hosts it on its own connection to the broker.
/// </summary>
public sealed class FleetObserver
{
    private readonly FleetViewStore _store;
    private readonly TimeProvider _time;
    private long _rejectedAudit;

    /// <summary>Creates the observer over a store.</summary>
    /// <param name="store">Where the view is kept.</param>
    /// <param name="time">The clock.</param>
    /// <param name="enrolledKey">The enrolled key of a device (the collector's index), or null (see <see cref="FleetView(TimeProvider, Func{string, Crypto.DevicePublicKey?}?)"/>).</param>
    public FleetObserver(FleetViewStore store, TimeProvider time, Func<string, Crypto.DevicePublicKey?>? enrolledKey = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _time = time;
        View = new FleetView(time, enrolledKey);
        store.LoadInto(View);
    }

    /// <summary>The live view.</summary>
    public FleetView View { get; }

    /// <summary>Audit messages that did not decode or named another device than their topic.</summary>
    public long RejectedAudit => Interlocked.Read(ref _rejectedAudit);

    /// <summary>The filters to subscribe to.</summary>
    public static IReadOnlyList<string> Subscriptions { get; } = [.. FleetView.Subscriptions, FleetTopics.AllDevices("audit")];

    /// <summary>A link session for <see cref="IFleetLink.StartAsync"/> (no Will, nothing published).</summary>
    /// <returns>The session.</returns>
    public FleetLinkSession Session() => new() { Subscriptions = Subscriptions, NextWill = () => null, OnConnected = () => [], OnMessage = Receive };

    /// <summary>Handles one message (what the link calls).</summary>
    /// <param name="message">The message.</param>
    public void Receive(FleetIncomingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (FleetTopics.TryParseDeviceTopic(message.Topic, "audit", out string device))
        {
            try
            {
                FleetAuditEntry entry = FleetJsonMessages.Decode<FleetAuditEntry>(message.Payload.Span);
                if (entry.Device == device)
                {
                    _store.AppendAudit(entry, _time.GetUtcNow());
                    return;
                }
            }
            catch (FleetMessageFormatException)
            {
                // Counted below.
            }

            Interlocked.Increment(ref _rejectedAudit);
            return;
        }

        if (View.Apply(message.Topic, message.Payload.Span))
        {
            string leaf = message.Topic[(message.Topic.LastIndexOf('/') + 1)..];
            string id = message.Topic.Split('/')[2];
            if (FleetView.TryParsePresenceTopic(message.Topic, out _))
            {
                // Birth and death share the presence topic: keep both, so the stored view knows the birth a death ended.
                leaf = Protocol.PresenceCodec.Decode(message.Payload).Message.Online ? FleetViewStore.PresenceBirthLeaf : FleetViewStore.PresenceDeathLeaf;
            }

            _store.Keep(id, leaf, message.Payload.Span, _time.GetUtcNow());
        }
    }
}
