namespace EdgeCapture.Input;

/// <summary>What a physical input device is relayed as on the gadget side.</summary>
public enum InputDeviceKind : byte
{
    /// <summary>A keyboard (has KEY_LEFTCTRL or KEY_LEFTSHIFT); relayed to the boot keyboard report.</summary>
    Keyboard,

    /// <summary>A relative pointer (BTN_LEFT and REL_X); relayed to the mouse report.</summary>
    Mouse,

    /// <summary>A node that only carries consumer keys (volume, media, brightness); relayed to the consumer-control report.</summary>
    ConsumerControl,
}
