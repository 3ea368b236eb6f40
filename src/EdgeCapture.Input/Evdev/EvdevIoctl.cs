namespace EdgeCapture.Input.Evdev;

/// <summary>evdev ioctl request numbers (include/uapi/linux/input.h; asm-generic _IOC layout, as on x86 and ARM).</summary>
internal static class EvdevIoctl
{
    /// <summary>EVIOCGVERSION: _IOR('E', 0x01, int).</summary>
    public static readonly uint GetVersion = Interop.IoctlRequest(Interop.IocRead, 'E', 0x01, 4);

    /// <summary>EVIOCGID: _IOR('E', 0x02, struct input_id): four __u16, bustype first.</summary>
    public static readonly uint GetId = Interop.IoctlRequest(Interop.IocRead, 'E', 0x02, 8);

    /// <summary>EVIOCGRAB: _IOW('E', 0x90, int), argument passed by value.</summary>
    public static readonly uint Grab = Interop.IoctlRequest(Interop.IocWrite, 'E', 0x90, 4);

    /// <summary>EVIOCSCLOCKID: _IOW('E', 0xa0, int), argument is a pointer to the clock id.</summary>
    public static readonly uint SetClockId = Interop.IoctlRequest(Interop.IocWrite, 'E', 0xa0, 4);

    /// <summary>CLOCK_MONOTONIC.</summary>
    public const int ClockMonotonic = 1;

    /// <summary>EVIOCGNAME(len): _IOC(_IOC_READ, 'E', 0x06, len).</summary>
    public static uint GetName(int length) => Interop.IoctlRequest(Interop.IocRead, 'E', 0x06, (uint)length);

    /// <summary>EVIOCGPHYS(len): _IOC(_IOC_READ, 'E', 0x07, len).</summary>
    public static uint GetPhysicalPath(int length) => Interop.IoctlRequest(Interop.IocRead, 'E', 0x07, (uint)length);

    /// <summary>EVIOCGKEY(len): _IOC(_IOC_READ, 'E', 0x18, len).</summary>
    public static uint GetKeyState(int length) => Interop.IoctlRequest(Interop.IocRead, 'E', 0x18, (uint)length);

    /// <summary>EVIOCGBIT(ev, len): _IOC(_IOC_READ, 'E', 0x20 + ev, len).</summary>
    public static uint GetBits(int eventType, int length) => Interop.IoctlRequest(Interop.IocRead, 'E', 0x20 + (uint)eventType, (uint)length);
}
