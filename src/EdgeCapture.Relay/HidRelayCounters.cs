namespace EdgeCapture.Relay;

/// <summary>What the relay did; cumulative, safe to read from any thread.</summary>
public sealed class HidRelayCounters
{
    internal long EventsRelayedField;
    internal long KeyboardReportsField;
    internal long MouseReportsField;
    internal long ConsumerReportsField;
    internal long WouldBlockField;
    internal long ShutdownsField;
    internal long ResynchronisationsField;
    internal long WriteErrorsField;
    internal long UnmappedKeysField;
    internal long QueueOverflowsField;
    internal long LedReportsField;
    internal long ReportsWithoutEndpointField;
    internal long HostAwayField;
    internal long HostReturnsField;
    internal long StallsField;
    internal long TransitionsNotQueuedField;
    internal long MotionFramesDroppedField;
    internal long RemoteWakeupsField;
    internal long EndpointsReopenedField;

    /// <summary>Key, button, motion and frame events taken from the reader.</summary>
    public long EventsRelayed => Volatile.Read(ref EventsRelayedField);

    /// <summary>Keyboard reports written.</summary>
    public long KeyboardReports => Volatile.Read(ref KeyboardReportsField);

    /// <summary>Mouse reports written.</summary>
    public long MouseReports => Volatile.Read(ref MouseReportsField);

    /// <summary>Consumer-control reports written.</summary>
    public long ConsumerReports => Volatile.Read(ref ConsumerReportsField);

    /// <summary>Writes that met EAGAIN (the host had not yet taken the report in flight).</summary>
    public long WouldBlock => Volatile.Read(ref WouldBlockField);

    /// <summary>Times an endpoint met ESHUTDOWN (host absent, asleep or rebooting).</summary>
    public long Shutdowns => Volatile.Read(ref ShutdownsField);

    /// <summary>Times the current state was re-sent after the host came back.</summary>
    public long Resynchronisations => Volatile.Read(ref ResynchronisationsField);

    /// <summary>Writes that failed with another errno or wrote part of a report.</summary>
    public long WriteErrors => Volatile.Read(ref WriteErrorsField);

    /// <summary>Key events with no HID usage in the keyboard or consumer page (not relayed).</summary>
    public long UnmappedKeys => Volatile.Read(ref UnmappedKeysField);

    /// <summary>Queue overflows resolved by all-released + current state.</summary>
    public long QueueOverflows => Volatile.Read(ref QueueOverflowsField);

    /// <summary>Keyboard LED output reports read from the host and written to the keyboards.</summary>
    public long LedReports => Volatile.Read(ref LedReportsField);

    /// <summary>Times the host went away (suspended, shut down, a write error, a stall past the limit).</summary>
    public long HostAway => Volatile.Read(ref HostAwayField);

    /// <summary>Times the host came back (resumed, re-enumerated, or writable again).</summary>
    public long HostReturns => Volatile.Read(ref HostReturnsField);

    /// <summary>Stalls longer than <see cref="HidRelayOptions.StallLimit"/> (EAGAIN past the limit).</summary>
    public long Stalls => Volatile.Read(ref StallsField);

    /// <summary>Key, consumer-key and button transitions made while the host was away, or queued for a host that then turned out to be away: never typed later; the state they left is re-sent on return.</summary>
    public long TransitionsNotQueued => Volatile.Read(ref TransitionsNotQueuedField);

    /// <summary>Mouse frames whose motion was dropped because the host was away.</summary>
    public long MotionFramesDropped => Volatile.Read(ref MotionFramesDroppedField);

    /// <summary>Remote-wakeup requests handed to the UDC (a key pressed while the host was suspended).</summary>
    public long RemoteWakeups => Volatile.Read(ref RemoteWakeupsField);

    /// <summary>Endpoints reopened because the gadget was rebuilt or the device went away.</summary>
    public long EndpointsReopened => Volatile.Read(ref EndpointsReopenedField);

    /// <summary>Reports built for an endpoint that is not configured.</summary>
    public long ReportsWithoutEndpoint => Volatile.Read(ref ReportsWithoutEndpointField);
}
