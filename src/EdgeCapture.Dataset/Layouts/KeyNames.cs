namespace EdgeCapture.Dataset.Layouts;

/// <summary>PyAutoGUI's names (its KEYBOARD_KEYS list) for keys that type no character, by HID usage.</summary>
internal static class KeyNames
{
    public static string? Keyboard(ushort usage) => usage switch
    {
        0x28 => "enter",
        0x29 => "esc",
        0x2A => "backspace",
        0x2B => "tab",
        0x2C => "space",
        0x39 => "capslock",
        >= 0x3A and <= 0x45 => "f" + (usage - 0x3A + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        0x46 => "printscreen",
        0x47 => "scrolllock",
        0x48 => "pause",
        0x49 => "insert",
        0x4A => "home",
        0x4B => "pageup",
        0x4C => "delete",
        0x4D => "end",
        0x4E => "pagedown",
        0x4F => "right",
        0x50 => "left",
        0x51 => "down",
        0x52 => "up",
        0x53 => "numlock",
        0x54 => "divide",
        0x55 => "multiply",
        0x56 => "subtract",
        0x57 => "add",
        0x58 => "enter",
        >= 0x59 and <= 0x61 => "num" + (usage - 0x59 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        0x62 => "num0",
        0x63 => "decimal",
        0x65 => "apps",
        0x66 => "sleep",
        >= 0x68 and <= 0x73 => "f" + (usage - 0x68 + 13).ToString(System.Globalization.CultureInfo.InvariantCulture),
        0x7F => "volumemute",
        0x80 => "volumeup",
        0x81 => "volumedown",
        0xE0 => "ctrlleft",
        0xE1 => "shiftleft",
        0xE2 => "altleft",
        0xE3 => "winleft",
        0xE4 => "ctrlright",
        0xE5 => "shiftright",
        0xE6 => "altright",
        0xE7 => "winright",
        _ => null,
    };

    public static string? Consumer(ushort usage) => usage switch
    {
        0xB5 => "nexttrack",
        0xB6 => "prevtrack",
        0xB7 => "stop",
        0xCD => "playpause",
        0xE2 => "volumemute",
        0xE9 => "volumeup",
        0xEA => "volumedown",
        0x223 => "browserhome",
        0x224 => "browserback",
        0x225 => "browserforward",
        0x227 => "browserrefresh",
        0x221 => "browsersearch",
        0x18A => "launchmail",
        0x183 => "launchmediaselect",
        _ => null,
    };

    /// <summary>The name a modifier has inside a PyAutoGUI hotkey (side-less: ctrl, shift, alt, win).</summary>
    public static string? HotkeyModifier(ushort usage) => usage switch
    {
        0xE0 or 0xE4 => "ctrl",
        0xE1 or 0xE5 => "shift",
        0xE2 or 0xE6 => "alt",
        0xE3 or 0xE7 => "win",
        _ => null,
    };
}
