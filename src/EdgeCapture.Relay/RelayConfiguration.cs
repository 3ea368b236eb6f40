using EdgeCapture.Input.Evdev;
using EdgeCapture.Relay.Gadget;

namespace EdgeCapture.Relay;

/// <summary>
/// Where the relay reads and writes. On a box: <see cref="InputDirectory"/> = /dev/input (hot-plug, classified by
/// EVIOCGBIT) and the configfs <see cref="Gadget"/>, from which the endpoints and the UDC state are derived. Anywhere else: explicit <see cref="Devices"/> that are FIFOs or files with their kind
/// given, and FIFOs or files for the gadget endpoints.
/// </summary>
public sealed record RelayConfiguration
{
    /// <summary>Input devices opened at start.</summary>
    public IReadOnlyList<EvdevDeviceOptions> Devices { get; init; } = [];

    /// <summary>A directory watched for <c>event*</c> nodes (hot-plug), or null.</summary>
    public string? InputDirectory { get; init; }

    /// <summary>
    /// The configfs gadget (/sys/kernel/config/usb_gadget/edgecapture), or null. Endpoints whose path is not given are
    /// resolved from its functions (hid.usb0 keyboard, hid.usb1 mouse, hid.usb2 consumer control) by major:minor and
    /// reopened when the gadget is rebuilt; the UDC state is read from the UDC it is bound to (unless
    /// <see cref="HidRelayOptions.UdcStatePath"/> overrides it); remote wakeup is used where it advertises it.
    /// </summary>
    public ConfigFsGadget? Gadget { get; init; }

    /// <summary>Keyboard gadget endpoint (/dev/hidg0), or null.</summary>
    public string? KeyboardGadgetPath { get; init; }

    /// <summary>For a stand-in keyboard endpoint only: where the host's LED output reports are read from.</summary>
    public string? KeyboardOutputReportPath { get; init; }

    /// <summary>Mouse gadget endpoint (/dev/hidg1), or null.</summary>
    public string? MouseGadgetPath { get; init; }

    /// <summary>Consumer-control gadget endpoint (/dev/hidg2), or null.</summary>
    public string? ConsumerControlGadgetPath { get; init; }

    /// <summary>Writer options (queues, UDC state path).</summary>
    public HidRelayOptions Relay { get; init; } = new();
}
