using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using EdgeCapture.Hid;

namespace EdgeCapture.Relay.Simulation;

/// <summary>Human-readable descriptions of gadget reports, for the simulator and for support.</summary>
public static class HidReportDescriber
{
    private static readonly string[] ModifierNames = ["LeftCtrl", "LeftShift", "LeftAlt", "LeftMeta", "RightCtrl", "RightShift", "RightAlt", "RightMeta"];
    private static readonly string[] ButtonNames = ["Left", "Right", "Middle", "Back", "Forward", "Button6", "Button7", "Button8"];
    private static readonly Dictionary<ushort, string> KeyboardNames = BuildNames(HidUsagePage.KeyboardKeypad);
    private static readonly Dictionary<ushort, string> ConsumerNames = BuildNames(HidUsagePage.Consumer);

    /// <summary>"LeftShift+H", "(all released)", or "rollover (more than 6 keys held)".</summary>
    /// <param name="report">An 8-byte boot keyboard report.</param>
    /// <returns>The description.</returns>
    public static string DescribeKeyboard(ReadOnlySpan<byte> report)
    {
        if (report.Length < KeyboardReportBuilder.ReportLength)
        {
            return $"malformed keyboard report ({report.Length} bytes)";
        }

        var parts = new List<string>();
        for (int bit = 0; bit < 8; bit++)
        {
            if ((report[0] & (1 << bit)) != 0)
            {
                parts.Add(ModifierNames[bit]);
            }
        }

        ReadOnlySpan<byte> slots = report.Slice(2, KeyboardReportBuilder.KeySlots);
        if (slots.IndexOfAnyExcept(KeyboardUsage.ErrorRollOver) < 0)
        {
            parts.Add("rollover (more than 6 keys held)");
        }
        else
        {
            foreach (byte usage in slots)
            {
                if (usage != 0)
                {
                    parts.Add(KeyboardNames.TryGetValue(usage, out string? name) ? name : $"0x{usage:X2}");
                }
            }
        }

        return parts.Count == 0 ? "(all released)" : string.Join('+', parts);
    }

    /// <summary>"dx=+12 dy=-3 [Left] wheel=+1".</summary>
    /// <param name="buttons">Button bits.</param>
    /// <param name="deltaX">Horizontal motion.</param>
    /// <param name="deltaY">Vertical motion.</param>
    /// <param name="wheel">Wheel detents.</param>
    /// <param name="pan">Pan detents.</param>
    /// <returns>The description.</returns>
    public static string DescribeMouse(byte buttons, long deltaX, long deltaY, long wheel, long pan)
    {
        var text = new StringBuilder();
        if (deltaX != 0 || deltaY != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"dx={deltaX:+0;-0} dy={deltaY:+0;-0} ");
        }

        if (wheel != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"wheel={wheel:+0;-0} ");
        }

        if (pan != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"pan={pan:+0;-0} ");
        }

        text.Append('[');
        bool first = true;
        for (int bit = 0; bit < 8; bit++)
        {
            if ((buttons & (1 << bit)) != 0)
            {
                text.Append(first ? string.Empty : "+").Append(ButtonNames[bit]);
                first = false;
            }
        }

        text.Append(first ? "no buttons]" : "]");
        return text.ToString();
    }

    /// <summary>Describes one 7-byte mouse report.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The description.</returns>
    public static string DescribeMouse(ReadOnlySpan<byte> report) => report.Length < MouseReport.ReportLength
        ? $"malformed mouse report ({report.Length} bytes)"
        : DescribeMouse(report[0], BinaryPrimitives.ReadInt16LittleEndian(report[1..]), BinaryPrimitives.ReadInt16LittleEndian(report[3..]), (sbyte)report[5], (sbyte)report[6]);

    /// <summary>"VolumeUp (0x00E9)" or "(released)".</summary>
    /// <param name="report">A 2-byte consumer-control report.</param>
    /// <returns>The description.</returns>
    public static string DescribeConsumer(ReadOnlySpan<byte> report)
    {
        if (report.Length < ConsumerControlReportBuilder.ReportLength)
        {
            return $"malformed consumer report ({report.Length} bytes)";
        }

        ushort usage = BinaryPrimitives.ReadUInt16LittleEndian(report);
        return usage == 0 ? "(released)" : $"{(ConsumerNames.TryGetValue(usage, out string? name) ? name : "usage")} (0x{usage:X4})";
    }

    private static Dictionary<ushort, string> BuildNames(ushort page)
    {
        var names = new Dictionary<ushort, string>();
        foreach (KeyUsageMapping mapping in LinuxKeyUsageTable.Mappings)
        {
            if (mapping.Usage.Page == page)
            {
                names.TryAdd(mapping.Usage.Id, Pretty(mapping.LinuxKeyName));
            }
        }

        return names;
    }

    private static string Pretty(string linuxKeyName)
    {
        string name = linuxKeyName.StartsWith("KEY_", StringComparison.Ordinal) ? linuxKeyName[4..] : linuxKeyName;
        return name switch
        {
            "VOLUMEUP" => "VolumeUp",
            "VOLUMEDOWN" => "VolumeDown",
            "PLAYPAUSE" => "PlayPause",
            "NEXTSONG" => "NextSong",
            "PREVIOUSSONG" => "PreviousSong",
            "LEFTBRACE" => "LeftBrace",
            "RIGHTBRACE" => "RightBrace",
            "CAPSLOCK" => "CapsLock",
            "PAGEUP" => "PageUp",
            "PAGEDOWN" => "PageDown",
            "BRIGHTNESSUP" => "BrightnessUp",
            "BRIGHTNESSDOWN" => "BrightnessDown",
            _ when name.Length <= 1 => name,
            _ => string.Concat(name[..1], name[1..].ToLowerInvariant()),
        };
    }
}
