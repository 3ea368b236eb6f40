using System.Buffers.Binary;

namespace EdgeCapture.Input.Evdev;

/// <summary>
/// "Nothing remote types", at the input end: only nodes of physical devices are relayed. Refused are nodes whose
/// EVIOCGID bustype is BUS_VIRTUAL or BUS_CEC, nodes whose sysfs device lies under <c>/devices/virtual</c> (uinput and
/// every other software-made device), and the Pi's HDMI CEC remote nodes (<c>vc4-hdmi</c>), which would otherwise
/// classify as consumer control and let whatever is on the HDMI link press keys.
/// </summary>
internal static class PhysicalInputPolicy
{
    /// <summary>BUS_VIRTUAL (include/uapi/linux/input.h): uinput's default and other software devices.</summary>
    public const ushort BusVirtual = 0x06;

    /// <summary>BUS_CEC: remote-control keys forwarded over HDMI CEC (drivers/media/cec/core/cec-core.c).</summary>
    public const ushort BusCec = 0x1E;

    /// <summary>The name prefix of the vc4 HDMI controllers' CEC input devices ("vc4-hdmi-0", "vc4-hdmi-1").</summary>
    public const string Vc4HdmiName = "vc4-hdmi";

    /// <summary>Where the kernel links every event node to its device.</summary>
    public const string SysfsInputClass = "/sys/class/input";

    /// <summary>Why the node must not be relayed, or null when it is a physical device.</summary>
    /// <param name="node">An evdev node that answered EVIOCGBIT.</param>
    /// <param name="sysfsInputClass">The sysfs input class directory (tests point it at a temporary tree).</param>
    /// <returns>The reason, or null.</returns>
    public static string? RefusalReason(IEvdevNode node, string sysfsInputClass)
    {
        Span<byte> id = stackalloc byte[8];
        id.Clear();
        int result = node.IoControl(EvdevIoctl.GetId, id);
        if (result < 0)
        {
            // Every kernel evdev node answers EVIOCGID; one that answers EVIOCGBIT but not this is not a kernel node.
            return $"EVIOCGID failed (errno {-result}), so the node cannot be shown to be physical";
        }

        ushort bus = BinaryPrimitives.ReadUInt16LittleEndian(id);
        if (!BitConverter.IsLittleEndian)
        {
            bus = BinaryPrimitives.ReverseEndianness(bus);
        }

        if (bus == BusVirtual)
        {
            return "bustype BUS_VIRTUAL (a software device such as uinput)";
        }

        if (bus == BusCec)
        {
            return "bustype BUS_CEC (HDMI CEC remote keys)";
        }

        string name = ReadName(node);
        if (name.StartsWith(Vc4HdmiName, StringComparison.Ordinal))
        {
            return $"'{name}' is the Pi's HDMI CEC remote input";
        }

        string? device = SysfsDevicePath(node.Path, sysfsInputClass);
        if (device is not null && device.Contains("/devices/virtual/", StringComparison.Ordinal))
        {
            return $"its sysfs device {device} is virtual (uinput or another software device)";
        }

        return null;
    }

    private static string ReadName(IEvdevNode node)
    {
        Span<byte> name = stackalloc byte[256];
        name.Clear();
        int length = node.IoControl(EvdevIoctl.GetName(name.Length), name);
        if (length <= 0)
        {
            return string.Empty;
        }

        int end = name[..Math.Min(length, name.Length)].IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(name[..(end < 0 ? Math.Min(length, name.Length) : end)]);
    }

    /// <summary>The real path of <c>/sys/class/input/eventN</c> (a symbolic link into <c>/sys/devices</c>), or null.</summary>
    private static string? SysfsDevicePath(string nodePath, string sysfsInputClass)
    {
        string link = Path.Combine(sysfsInputClass, Path.GetFileName(nodePath));
        try
        {
            FileSystemInfo? target = Directory.ResolveLinkTarget(link, returnFinalTarget: true);
            return target is null ? null : Path.GetFullPath(target.FullName).Replace('\\', '/');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
