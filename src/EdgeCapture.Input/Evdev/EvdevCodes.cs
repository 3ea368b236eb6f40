namespace EdgeCapture.Input.Evdev;

/// <summary>evdev event types (include/uapi/linux/input-event-codes.h, EV_*).</summary>
public static class EventTypes
{
    /// <summary>EV_SYN: frame markers.</summary>
    public const ushort Synchronization = 0x00;

    /// <summary>EV_KEY: keys and buttons.</summary>
    public const ushort Key = 0x01;

    /// <summary>EV_REL: relative axes.</summary>
    public const ushort Relative = 0x02;

    /// <summary>EV_ABS: absolute axes (not relayed).</summary>
    public const ushort Absolute = 0x03;

    /// <summary>EV_MSC: miscellaneous (MSC_SCAN; ignored without counting).</summary>
    public const ushort Miscellaneous = 0x04;

    /// <summary>EV_LED: keyboard LEDs (written to keyboards).</summary>
    public const ushort Led = 0x11;

    /// <summary>EV_REP: autorepeat parameters (ignored).</summary>
    public const ushort Repeat = 0x14;

    /// <summary>EV_MAX.</summary>
    public const ushort Maximum = 0x1f;
}

/// <summary>EV_SYN codes.</summary>
public static class SynchronizationCodes
{
    /// <summary>SYN_REPORT: ends a frame.</summary>
    public const ushort Report = 0;

    /// <summary>SYN_DROPPED: the kernel buffer overran; discard until the next SYN_REPORT and re-read state.</summary>
    public const ushort Dropped = 3;
}

/// <summary>EV_KEY values.</summary>
public static class KeyValues
{
    /// <summary>Key released.</summary>
    public const int Released = 0;

    /// <summary>Key pressed.</summary>
    public const int Pressed = 1;

    /// <summary>Autorepeat (dropped: the host repeats on its own).</summary>
    public const int Repeated = 2;
}

/// <summary>EV_REL codes.</summary>
public static class RelativeAxes
{
    /// <summary>REL_X.</summary>
    public const ushort X = 0x00;

    /// <summary>REL_Y.</summary>
    public const ushort Y = 0x01;

    /// <summary>REL_HWHEEL (horizontal wheel, one per detent).</summary>
    public const ushort HorizontalWheel = 0x06;

    /// <summary>REL_WHEEL (vertical wheel, one per detent).</summary>
    public const ushort Wheel = 0x08;

    /// <summary>REL_WHEEL_HI_RES (120 per detent).</summary>
    public const ushort WheelHighResolution = 0x0b;

    /// <summary>REL_HWHEEL_HI_RES (120 per detent).</summary>
    public const ushort HorizontalWheelHighResolution = 0x0c;

    /// <summary>REL_MAX.</summary>
    public const ushort Maximum = 0x0f;

    /// <summary>High-resolution wheel units per detent.</summary>
    public const int HighResolutionUnitsPerDetent = 120;
}

/// <summary>EV_LED codes.</summary>
public static class LedCodes
{
    /// <summary>LED_NUML.</summary>
    public const ushort NumLock = 0;

    /// <summary>LED_CAPSL.</summary>
    public const ushort CapsLock = 1;

    /// <summary>LED_SCROLLL.</summary>
    public const ushort ScrollLock = 2;
}

/// <summary>Mouse button codes (BTN_*).</summary>
public static class ButtonCodes
{
    /// <summary>BTN_LEFT.</summary>
    public const ushort Left = 0x110;

    /// <summary>BTN_RIGHT.</summary>
    public const ushort Right = 0x111;

    /// <summary>BTN_MIDDLE.</summary>
    public const ushort Middle = 0x112;

    /// <summary>BTN_SIDE (back thumb button).</summary>
    public const ushort Side = 0x113;

    /// <summary>BTN_EXTRA (forward thumb button).</summary>
    public const ushort Extra = 0x114;

    /// <summary>BTN_FORWARD.</summary>
    public const ushort Forward = 0x115;

    /// <summary>BTN_BACK.</summary>
    public const ushort Back = 0x116;
}

/// <summary>The KEY_* codes the relay and the simulator refer to by name (the complete mapping lives in EdgeCapture.Hid).</summary>
public static class KeyCodes
{
#pragma warning disable CS1591 // The names are the kernel's KEY_* names; each is self-describing.
    public const ushort Escape = 1;
    public const ushort Digit1 = 2;
    public const ushort Digit2 = 3;
    public const ushort Digit3 = 4;
    public const ushort Digit4 = 5;
    public const ushort Digit5 = 6;
    public const ushort Digit6 = 7;
    public const ushort Digit7 = 8;
    public const ushort Digit8 = 9;
    public const ushort Digit9 = 10;
    public const ushort Digit0 = 11;
    public const ushort Minus = 12;
    public const ushort Equal = 13;
    public const ushort Backspace = 14;
    public const ushort Tab = 15;
    public const ushort Q = 16;
    public const ushort W = 17;
    public const ushort E = 18;
    public const ushort R = 19;
    public const ushort T = 20;
    public const ushort Y = 21;
    public const ushort U = 22;
    public const ushort I = 23;
    public const ushort O = 24;
    public const ushort P = 25;
    public const ushort LeftBrace = 26;
    public const ushort RightBrace = 27;
    public const ushort Enter = 28;
    public const ushort LeftCtrl = 29;
    public const ushort A = 30;
    public const ushort S = 31;
    public const ushort D = 32;
    public const ushort F = 33;
    public const ushort G = 34;
    public const ushort H = 35;
    public const ushort J = 36;
    public const ushort K = 37;
    public const ushort L = 38;
    public const ushort Semicolon = 39;
    public const ushort Apostrophe = 40;
    public const ushort Grave = 41;
    public const ushort LeftShift = 42;
    public const ushort Backslash = 43;
    public const ushort Z = 44;
    public const ushort X = 45;
    public const ushort C = 46;
    public const ushort V = 47;
    public const ushort B = 48;
    public const ushort N = 49;
    public const ushort M = 50;
    public const ushort Comma = 51;
    public const ushort Dot = 52;
    public const ushort Slash = 53;
    public const ushort RightShift = 54;
    public const ushort LeftAlt = 56;
    public const ushort Space = 57;
    public const ushort CapsLock = 58;
    public const ushort F1 = 59;
    public const ushort F2 = 60;
    public const ushort F3 = 61;
    public const ushort F4 = 62;
    public const ushort F5 = 63;
    public const ushort NumLock = 69;
    public const ushort ScrollLock = 70;
    public const ushort RightCtrl = 97;
    public const ushort RightAlt = 100;
    public const ushort Home = 102;
    public const ushort Up = 103;
    public const ushort PageUp = 104;
    public const ushort Left = 105;
    public const ushort Right = 106;
    public const ushort End = 107;
    public const ushort Down = 108;
    public const ushort PageDown = 109;
    public const ushort Insert = 110;
    public const ushort Delete = 111;
    public const ushort Mute = 113;
    public const ushort VolumeDown = 114;
    public const ushort VolumeUp = 115;
    public const ushort LeftMeta = 125;
    public const ushort RightMeta = 126;
    public const ushort NextSong = 163;
    public const ushort PlayPause = 164;
    public const ushort PreviousSong = 165;
    public const ushort BrightnessDown = 224;
    public const ushort BrightnessUp = 225;
#pragma warning restore CS1591

    /// <summary>KEY_MAX: highest key/button code.</summary>
    public const ushort Maximum = 0x2ff;

    /// <summary>Number of key codes (KEY_CNT).</summary>
    public const int Count = Maximum + 1;
}

/// <summary>EV_ABS codes. Not read from devices; the relay's absolute pointer offers its position to the recording tap as these.</summary>
public static class AbsoluteAxes
{
    /// <summary>ABS_X.</summary>
    public const ushort X = 0x00;

    /// <summary>ABS_Y.</summary>
    public const ushort Y = 0x01;
}
