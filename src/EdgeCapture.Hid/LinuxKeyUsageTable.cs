namespace EdgeCapture.Hid;

/// <summary>
/// Translates Linux evdev key codes (KEY_*) to HID usages on the Keyboard/Keypad page (0x07)
/// or the Consumer page (0x0C), and back.
/// </summary>
/// <remarks>
/// <para>The table is data (see LinuxKeyUsageTable.Data.cs), taken from the kernel, not recalled:
/// Keyboard/Keypad page: Linux drivers/hid/hid-input.c <c>hid_keyboard[256]</c> inverted;
/// Consumer page: the <c>HID_UP_CONSUMER</c> case of <c>hidinput_configure_usage()</c> in the same file;
/// KEY_* values: include/uapi/linux/input-event-codes.h; usage names: USB HID Usage Tables 1.4.</para>
/// <para>Linux maps some HID usages onto one key code. Each key code has exactly one canonical usage
/// (<see cref="Mappings"/>), which is what the gadget sends; the other usages Linux accepts for that key are
/// <see cref="Aliases"/>, accepted by <see cref="TryGetLinuxKeyCode"/> only.</para>
/// <para>Lookups index fixed arrays: no allocation, no hashing.</para>
/// </remarks>
public static partial class LinuxKeyUsageTable
{
    /// <summary>KEY_CNT: one more than KEY_MAX (0x2ff) in input-event-codes.h.</summary>
    public const int LinuxKeyCodeCount = 0x300;

    /// <summary>Consumer usages the table covers are below this bound (the consumer report's logical maximum + 1).</summary>
    public const int ConsumerUsageBound = 0x400;

    /// <summary>Every key code with its canonical usage: exactly one row per key code and per usage.</summary>
    public static IReadOnlyList<KeyUsageMapping> Mappings => _canonical;

    /// <summary>Further usages Linux maps onto a key that already has a canonical usage (usage to key only).</summary>
    public static IReadOnlyList<KeyUsageMapping> Aliases => _aliases;

    /// <summary>Finds the usage the gadget must send for a Linux key code.</summary>
    /// <param name="linuxKeyCode">An evdev EV_KEY code. BTN_* codes are buttons, not keys, and are not found.</param>
    /// <param name="usage">The canonical usage (page 0x07 or 0x0C) when found.</param>
    /// <returns>True when the key has a HID usage.</returns>
    public static bool TryGetUsage(ushort linuxKeyCode, out HidUsage usage)
    {
        HidUsage[] byKey = Index.ByLinuxKeyCode;
        if (linuxKeyCode < byKey.Length)
        {
            usage = byKey[linuxKeyCode];
            return usage.Page != 0;
        }

        usage = default;
        return false;
    }

    /// <summary>Finds the Linux key code for a HID usage, as the Linux HID driver would report it.</summary>
    /// <param name="usage">A Keyboard/Keypad or Consumer page usage; canonical or alias.</param>
    /// <param name="linuxKeyCode">The KEY_* code when found.</param>
    /// <returns>True when Linux maps the usage to a key.</returns>
    public static bool TryGetLinuxKeyCode(HidUsage usage, out ushort linuxKeyCode)
    {
        linuxKeyCode = 0;
        if (usage.Page == HidUsagePage.KeyboardKeypad && usage.Id < 256)
        {
            linuxKeyCode = Index.ByKeyboardUsage[usage.Id];
        }
        else if (usage.Page == HidUsagePage.Consumer && usage.Id < ConsumerUsageBound)
        {
            linuxKeyCode = Index.ByConsumerUsage[usage.Id];
        }

        return linuxKeyCode != 0;
    }

    /// <summary>Lookup arrays built once from the data rows; a nested class so the data initialises first.</summary>
    private static class Index
    {
        internal static readonly HidUsage[] ByLinuxKeyCode = BuildByLinuxKeyCode();
        internal static readonly ushort[] ByKeyboardUsage = BuildByUsage(HidUsagePage.KeyboardKeypad, 256);
        internal static readonly ushort[] ByConsumerUsage = BuildByUsage(HidUsagePage.Consumer, ConsumerUsageBound);

        private static HidUsage[] BuildByLinuxKeyCode()
        {
            var table = new HidUsage[LinuxKeyCodeCount];
            foreach (KeyUsageMapping row in _canonical)
            {
                table[row.LinuxKeyCode] = row.Usage;
            }

            return table;
        }

        private static ushort[] BuildByUsage(ushort page, int bound)
        {
            var table = new ushort[bound];
            foreach (KeyUsageMapping row in _canonical.Concat(_aliases))
            {
                if (row.Usage.Page == page)
                {
                    table[row.Usage.Id] = row.LinuxKeyCode;
                }
            }

            return table;
        }
    }
}
