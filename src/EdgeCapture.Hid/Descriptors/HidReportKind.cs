namespace EdgeCapture.Hid.Descriptors;

/// <summary>The three kinds of HID report (HID 1.11, 6.2.2.4 main items).</summary>
public enum HidReportKind
{
    /// <summary>Device to host (interrupt IN): keys, motion.</summary>
    Input,

    /// <summary>Host to device: keyboard LEDs.</summary>
    Output,

    /// <summary>Configuration, by control transfer.</summary>
    Feature,
}
