namespace EdgeCapture.Hid;

/// <summary>A HID usage: a usage page and a usage identifier on that page (HID 1.11, section 5.5).</summary>
/// <param name="Page">The usage page, for example <see cref="HidUsagePage.KeyboardKeypad"/>.</param>
/// <param name="Id">The usage identifier on the page.</param>
public readonly record struct HidUsage(ushort Page, ushort Id)
{
    /// <inheritdoc/>
    public override string ToString() => $"0x{Page:X2}:0x{Id:X2}";
}

/// <summary>The usage pages EdgeCapture emits or reads (USB HID Usage Tables 1.4, section 3).</summary>
public static class HidUsagePage
{
    /// <summary>Generic Desktop (pointer, mouse, keyboard collections, X/Y/Wheel).</summary>
    public const ushort GenericDesktop = 0x01;

    /// <summary>Keyboard/Keypad page: the keys of a boot keyboard.</summary>
    public const ushort KeyboardKeypad = 0x07;

    /// <summary>LED page: Num Lock, Caps Lock, Scroll Lock, Compose, Kana.</summary>
    public const ushort Led = 0x08;

    /// <summary>Button page: mouse buttons, Button 1 is the primary button.</summary>
    public const ushort Button = 0x09;

    /// <summary>Consumer page: media, volume, brightness and application-launch keys.</summary>
    public const ushort Consumer = 0x0C;
}

/// <summary>Well-known usages of the Keyboard/Keypad page (HUT 1.4, section 10).</summary>
public static class KeyboardUsage
{
    /// <summary>No key pressed: an empty key slot.</summary>
    public const byte None = 0x00;

    /// <summary>ErrorRollOver: reported in every slot when more keys are held than the report can carry.</summary>
    public const byte ErrorRollOver = 0x01;

    /// <summary>Keypad Hexadecimal, the last key usage HUT 1.4 defines below the modifiers; the keyboard
    /// descriptor's logical maximum for the key slots.</summary>
    public const byte MaximumKey = 0xDD;

    /// <summary>Left Control, the first modifier usage (bit 0 of the modifier byte).</summary>
    public const byte LeftControl = 0xE0;

    /// <summary>Left Shift (modifier bit 1).</summary>
    public const byte LeftShift = 0xE1;

    /// <summary>Left Alt (modifier bit 2).</summary>
    public const byte LeftAlt = 0xE2;

    /// <summary>Left GUI, the Windows or Command key (modifier bit 3).</summary>
    public const byte LeftGui = 0xE3;

    /// <summary>Right Control (modifier bit 4).</summary>
    public const byte RightControl = 0xE4;

    /// <summary>Right Shift (modifier bit 5).</summary>
    public const byte RightShift = 0xE5;

    /// <summary>Right Alt, AltGr on many layouts (modifier bit 6).</summary>
    public const byte RightAlt = 0xE6;

    /// <summary>Right GUI (modifier bit 7), the last modifier usage.</summary>
    public const byte RightGui = 0xE7;

    /// <summary>True when <paramref name="usage"/> is one of the eight modifier usages 0xE0..0xE7.</summary>
    /// <param name="usage">A Keyboard/Keypad page usage.</param>
    public static bool IsModifier(byte usage) => usage is >= LeftControl and <= RightGui;
}
