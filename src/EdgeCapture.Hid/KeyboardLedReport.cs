namespace EdgeCapture.Hid;

/// <summary>
/// The keyboard LED output report the host sends to the gadget (1 byte, no report ID), as
/// firmware/hid/keyboard.hid declares: LED page usages 1..5 in bits 0..4, three padding bits.
/// </summary>
public static class KeyboardLedReport
{
    /// <summary>Bytes in one LED output report.</summary>
    public const int ReportLength = 1;

    /// <summary>Num Lock (LED usage 0x01, Linux LED_NUML 0).</summary>
    public const byte NumLock = 0x01;

    /// <summary>Caps Lock (LED usage 0x02, Linux LED_CAPSL 1).</summary>
    public const byte CapsLock = 0x02;

    /// <summary>Scroll Lock (LED usage 0x03, Linux LED_SCROLLL 2).</summary>
    public const byte ScrollLock = 0x04;

    /// <summary>Compose (LED usage 0x04, Linux LED_COMPOSE 3).</summary>
    public const byte Compose = 0x08;

    /// <summary>Kana (LED usage 0x05, Linux LED_KANA 4).</summary>
    public const byte Kana = 0x10;

    /// <summary>All defined LED bits; the rest is padding.</summary>
    public const byte DefinedBits = NumLock | CapsLock | ScrollLock | Compose | Kana;

    /// <summary>True when the LED with Linux index <paramref name="linuxLed"/> (LED_NUML = 0 ... LED_KANA = 4) is lit.</summary>
    /// <param name="report">The LED output report byte.</param>
    /// <param name="linuxLed">The Linux EV_LED code 0..4; bit n of the report is LED code n.</param>
    public static bool IsLit(byte report, int linuxLed) =>
        linuxLed is >= 0 and <= 4 && (report & (1 << linuxLed)) != 0;
}
