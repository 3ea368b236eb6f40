using System.Globalization;
using EdgeCapture.Hid;
using EdgeCapture.Hid.Descriptors;

namespace EdgeCapture.Relay.Gadget;

/// <summary>
/// A gadget as configfs and sysfs describe it, read fresh on every call so that a rebuilt gadget is followed:
/// <list type="bullet">
/// <item>the UDC it is bound to: the gadget's <c>UDC</c> file; its state: <c>/sys/class/udc/&lt;udc&gt;/state</c>;</item>
/// <item>each function's character device: <c>functions/hid.usbN/dev</c> holds <c>major:minor</c>, and
/// <c>/sys/dev/char/major:minor/uevent</c> names it (<c>DEVNAME=hidg0</c>), so the endpoint does not depend on the order
/// in which functions were created;</item>
/// <item>whether remote wakeup is advertised (<c>configs/c.1/bmAttributes</c> bit 5) and offered (the UDC's <c>srp</c>
/// attribute, whose write of "1" calls <c>usb_gadget_wakeup()</c>);</item>
/// <item>whether the mouse function presents the absolute pointer descriptor.</item>
/// </list>
/// </summary>
public sealed class ConfigFsGadget : IUdcMonitor
{
    /// <summary>The function the keyboard is (firmware/gadget/edgecapture-gadget.sh).</summary>
    public const string KeyboardFunction = "hid.usb0";

    /// <summary>The function the mouse or absolute pointer is.</summary>
    public const string MouseFunction = "hid.usb1";

    /// <summary>The function consumer control is.</summary>
    public const string ConsumerControlFunction = "hid.usb2";

    private const int RemoteWakeupAttribute = 0x20;

    /// <summary>Describes a gadget.</summary>
    /// <param name="gadgetDirectory">/sys/kernel/config/usb_gadget/NAME.</param>
    /// <param name="udcClassDirectory">/sys/class/udc.</param>
    /// <param name="characterDeviceDirectory">/sys/dev/char.</param>
    /// <param name="deviceDirectory">/dev.</param>
    public ConfigFsGadget(string gadgetDirectory, string udcClassDirectory = "/sys/class/udc", string characterDeviceDirectory = "/sys/dev/char", string deviceDirectory = "/dev")
    {
        ArgumentException.ThrowIfNullOrEmpty(gadgetDirectory);
        GadgetDirectory = gadgetDirectory;
        UdcClassDirectory = udcClassDirectory;
        CharacterDeviceDirectory = characterDeviceDirectory;
        DeviceDirectory = deviceDirectory;
    }

    /// <summary>The gadget's configfs directory.</summary>
    public string GadgetDirectory { get; }

    /// <summary>Where UDCs are listed.</summary>
    public string UdcClassDirectory { get; }

    /// <summary>Where character devices are listed by major:minor.</summary>
    public string CharacterDeviceDirectory { get; }

    /// <summary>Where device nodes are.</summary>
    public string DeviceDirectory { get; }

    /// <summary>True when the gadget directory exists.</summary>
    public bool Exists => Directory.Exists(GadgetDirectory);

    /// <summary>The UDC the gadget is bound to now, or null (unbound, or no gadget).</summary>
    public string? BoundUdc
    {
        get
        {
            string? name = TryRead(Path.Combine(GadgetDirectory, "UDC"))?.Trim();
            return string.IsNullOrEmpty(name) ? null : name;
        }
    }

    /// <summary>The state file of the UDC the gadget is bound to now, or null when unbound.</summary>
    public string? UdcStatePath => BoundUdc is string udc ? Path.Combine(UdcClassDirectory, udc, "state") : null;

    /// <inheritdoc/>
    public bool CanSignalRemoteWakeup =>
        BoundUdc is string udc
        && File.Exists(Path.Combine(UdcClassDirectory, udc, "srp"))
        && TryParseNumber(TryRead(Path.Combine(GadgetDirectory, "configs", "c.1", "bmAttributes")), out int attributes)
        && (attributes & RemoteWakeupAttribute) != 0;

    /// <inheritdoc/>
    public UdcState ReadState()
    {
        string? udc = BoundUdc;
        if (udc is null)
        {
            return UdcState.Unbound;
        }

        string? state = TryRead(Path.Combine(UdcClassDirectory, udc, "state"));
        return state is null ? UdcState.Unknown : UdcStates.Parse(state);
    }

    /// <inheritdoc/>
    public bool SignalRemoteWakeup()
    {
        if (!CanSignalRemoteWakeup)
        {
            return false;
        }

        try
        {
            File.WriteAllText(Path.Combine(UdcClassDirectory, BoundUdc!, "srp"), "1");
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The device node of a function: <c>functions/NAME/dev</c> (major:minor), then its uevent's DEVNAME.</summary>
    /// <param name="function">For example <see cref="KeyboardFunction"/>.</param>
    /// <returns>For example /dev/hidg0.</returns>
    /// <exception cref="GadgetResolutionException">The function, its dev file or the device is missing or malformed; the message says which.</exception>
    public string ResolveEndpoint(string function)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        string devFile = Path.Combine(GadgetDirectory, "functions", function, "dev");
        string number = TryRead(devFile)?.Trim()
            ?? throw new GadgetResolutionException($"{devFile} cannot be read: is the gadget built (edgecapture-gadget.sh up)?");
        int colon = number.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !int.TryParse(number.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            || !int.TryParse(number.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new GadgetResolutionException($"{devFile} holds '{number}', not major:minor");
        }

        string uevent = Path.Combine(CharacterDeviceDirectory, number, "uevent");
        string? devName = null;
        foreach (string line in (TryRead(uevent) ?? throw new GadgetResolutionException($"no character device {number} ({uevent} cannot be read)")).Split('\n'))
        {
            if (line.StartsWith("DEVNAME=", StringComparison.Ordinal))
            {
                devName = line["DEVNAME=".Length..].Trim();
            }
        }

        if (string.IsNullOrEmpty(devName) || devName.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(devName))
        {
            throw new GadgetResolutionException($"{uevent} names no usable DEVNAME");
        }

        return Path.Combine(DeviceDirectory, devName);
    }

    /// <summary>Whether the mouse function presents the absolute pointer (its X axis is absolute) or the relative mouse.</summary>
    /// <returns>The pointer mode the gadget offers the host.</returns>
    /// <exception cref="GadgetResolutionException">The descriptor is missing or matches neither layout.</exception>
    public PointerMode ReadPointerMode()
    {
        string path = Path.Combine(GadgetDirectory, "functions", MouseFunction, "report_desc");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new GadgetResolutionException($"{path} cannot be read: {exception.Message}");
        }

        try
        {
            HidReportDescriptor descriptor = HidReportDescriptor.Parse(bytes);
            if (GadgetDescriptorCheck.CheckAbsolutePointer(descriptor).Count == 0)
            {
                return PointerMode.Absolute;
            }

            if (GadgetDescriptorCheck.CheckRelativeMouse(descriptor).Count == 0)
            {
                return PointerMode.Relative;
            }
        }
        catch (HidDescriptorFormatException exception)
        {
            throw new GadgetResolutionException($"{path}: {exception.Message}");
        }

        throw new GadgetResolutionException($"{path} is neither the relative mouse nor the absolute pointer the relay writes (edgecapture hid check)");
    }

    private static bool TryParseNumber(string? text, out int value)
    {
        value = 0;
        if (text is null)
        {
            return false;
        }

        string trimmed = text.Trim();
        return trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(trimmed.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value)
            : int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>The gadget in configfs is not what the relay needs; the message names the file.</summary>
public sealed class GadgetResolutionException : IOException
{
    /// <summary>Creates the exception.</summary>
    public GadgetResolutionException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and where.</param>
    public GadgetResolutionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and where.</param>
    /// <param name="innerException">The cause.</param>
    public GadgetResolutionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
