namespace EdgeCapture.Input.Evdev;

/// <summary>What the reader skipped and why; all counts are cumulative and safe to read from any thread.</summary>
public sealed class EvdevReaderCounters
{
    internal long EventsDecodedField;
    internal long MalformedEventsField;
    internal long TruncatedBytesField;
    internal long UnknownTypesField;
    internal long UnknownCodesField;
    internal long IgnoredEventsField;
    internal long AutorepeatsDroppedField;
    internal long SynDroppedField;
    internal long EventsDiscardedAfterDropField;
    internal long FrameOverflowsField;
    internal long ReadErrorsField;
    internal long DevicesAddedField;
    internal long DevicesRemovedField;
    internal long LedWriteFailuresField;
    internal long NodesRefusedField;

    /// <summary>Whole <c>input_event</c> structs read.</summary>
    public long EventsDecoded => Volatile.Read(ref EventsDecodedField);

    /// <summary>Events skipped as malformed (impossible timeval, EV_KEY value other than 0/1/2).</summary>
    public long MalformedEvents => Volatile.Read(ref MalformedEventsField);

    /// <summary>Bytes of a partial event left when a device ended.</summary>
    public long TruncatedBytes => Volatile.Read(ref TruncatedBytesField);

    /// <summary>Events skipped because their type is above EV_MAX.</summary>
    public long UnknownTypes => Volatile.Read(ref UnknownTypesField);

    /// <summary>Events skipped because their code is above KEY_MAX, REL_MAX or a known SYN_* code.</summary>
    public long UnknownCodes => Volatile.Read(ref UnknownCodesField);

    /// <summary>Valid events of types the relay does not use (EV_MSC, EV_ABS, EV_LED echoes, EV_REP ...).</summary>
    public long IgnoredEvents => Volatile.Read(ref IgnoredEventsField);

    /// <summary>EV_KEY value 2 events dropped (the host repeats on its own).</summary>
    public long AutorepeatsDropped => Volatile.Read(ref AutorepeatsDroppedField);

    /// <summary>SYN_DROPPED events seen.</summary>
    public long SynDropped => Volatile.Read(ref SynDroppedField);

    /// <summary>
    /// Events discarded after SYN_DROPPED: up to the next SYN_REPORT, and key events already read beyond it (older
    /// than the EVIOCGKEY snapshot taken there).
    /// </summary>
    public long EventsDiscardedAfterDrop => Volatile.Read(ref EventsDiscardedAfterDropField);

    /// <summary>Frames longer than the frame buffer, delivered in parts.</summary>
    public long FrameOverflows => Volatile.Read(ref FrameOverflowsField);

    /// <summary>read(2) errors other than EAGAIN/EINTR/ENODEV (the device is then treated as unplugged).</summary>
    public long ReadErrors => Volatile.Read(ref ReadErrorsField);

    /// <summary>Devices opened and relayed.</summary>
    public long DevicesAdded => Volatile.Read(ref DevicesAddedField);

    /// <summary>Devices that went away.</summary>
    public long DevicesRemoved => Volatile.Read(ref DevicesRemovedField);

    /// <summary>Nodes refused as not physical: BUS_VIRTUAL or BUS_CEC, a /devices/virtual sysfs device, the vc4-hdmi CEC remote.</summary>
    public long NodesRefused => Volatile.Read(ref NodesRefusedField);

    /// <summary>EV_LED writes to a keyboard that failed.</summary>
    public long LedWriteFailures => Volatile.Read(ref LedWriteFailuresField);

    /// <summary>Everything skipped as bad input: malformed events, truncated bytes, unknown types and codes.</summary>
    public long BadInput => MalformedEvents + TruncatedBytes + UnknownTypes + UnknownCodes;
}
