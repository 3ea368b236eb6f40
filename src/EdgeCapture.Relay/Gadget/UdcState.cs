namespace EdgeCapture.Relay.Gadget;

/// <summary>
/// The USB device state a UDC reports in <c>/sys/class/udc/&lt;udc&gt;/state</c> (the strings of
/// <c>usb_state_string()</c>, drivers/usb/common/common.c), plus <see cref="Unbound"/> when the gadget names no UDC.
/// </summary>
public enum UdcState
{
    /// <summary>The state file could not be read or held an unknown string.</summary>
    Unknown,

    /// <summary>The gadget's <c>UDC</c> file is empty: no controller, so no host can see it.</summary>
    Unbound,

    /// <summary>"not attached": no cable or no VBUS.</summary>
    NotAttached,

    /// <summary>"attached".</summary>
    Attached,

    /// <summary>"powered".</summary>
    Powered,

    /// <summary>"reconnecting".</summary>
    Reconnecting,

    /// <summary>"unauthenticated".</summary>
    Unauthenticated,

    /// <summary>"default": reset, not addressed yet (the host is enumerating).</summary>
    Default,

    /// <summary>"addressed": enumerating, not configured yet.</summary>
    Addressed,

    /// <summary>"configured": the host has enumerated the gadget and reads its endpoints.</summary>
    Configured,

    /// <summary>"suspended": the host put the bus to sleep (laptop asleep, lid closed, selective suspend).</summary>
    Suspended,
}

/// <summary>Parses the UDC state strings.</summary>
public static class UdcStates
{
    /// <summary>Parses the content of a UDC <c>state</c> file.</summary>
    /// <param name="text">The file's content (white space around it is ignored).</param>
    /// <returns>The state; <see cref="UdcState.Unknown"/> for anything else.</returns>
    public static UdcState Parse(ReadOnlySpan<char> text) => text.Trim() switch
    {
        "not attached" => UdcState.NotAttached,
        "attached" => UdcState.Attached,
        "powered" => UdcState.Powered,
        "reconnecting" => UdcState.Reconnecting,
        "unauthenticated" => UdcState.Unauthenticated,
        "default" => UdcState.Default,
        "addressed" => UdcState.Addressed,
        "configured" => UdcState.Configured,
        "suspended" => UdcState.Suspended,
        _ => UdcState.Unknown,
    };
}

/// <summary>
/// The seam over the UDC the gadget is bound to, mirroring the sysfs files the kernel offers: the state, and the
/// <c>srp</c> attribute, whose write of "1" asks the controller for remote wakeup (<c>usb_gadget_wakeup()</c>).
/// </summary>
public interface IUdcMonitor
{
    /// <summary>Reads the state now (a sysfs read; cheap, but not for every event).</summary>
    /// <returns>The state.</returns>
    UdcState ReadState();

    /// <summary>True when the gadget advertises remote wakeup (bmAttributes bit 5) and the UDC offers the wakeup attribute.</summary>
    bool CanSignalRemoteWakeup { get; }

    /// <summary>Asks the UDC to signal remote wakeup to a suspended host.</summary>
    /// <returns>True when the request was handed to the kernel.</returns>
    bool SignalRemoteWakeup();
}

/// <summary>A UDC state file at a fixed path (stand-ins, tests, or a configured override); no remote wakeup.</summary>
/// <param name="statePath">The state file.</param>
public sealed class UdcStateFile(string statePath) : IUdcMonitor
{
    /// <summary>The state file.</summary>
    public string StatePath { get; } = statePath;

    /// <inheritdoc/>
    public bool CanSignalRemoteWakeup => false;

    /// <inheritdoc/>
    public UdcState ReadState()
    {
        try
        {
            return UdcStates.Parse(File.ReadAllText(StatePath));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return UdcState.Unknown;
        }
    }

    /// <inheritdoc/>
    public bool SignalRemoteWakeup() => false;
}
