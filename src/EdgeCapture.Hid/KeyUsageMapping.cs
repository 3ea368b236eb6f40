namespace EdgeCapture.Hid;

/// <summary>One row of the Linux key code to HID usage table.</summary>
/// <param name="LinuxKeyCode">The KEY_* value from include/uapi/linux/input-event-codes.h.</param>
/// <param name="LinuxKeyName">The KEY_* name, for diagnostics and for checking the value against the kernel header.</param>
/// <param name="Usage">The HID usage (Keyboard/Keypad page 0x07 or Consumer page 0x0C).</param>
public readonly record struct KeyUsageMapping(ushort LinuxKeyCode, string LinuxKeyName, HidUsage Usage);
