using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

/// <summary><c>struct input_event</c> as laid out for 64-bit userland (include/uapi/linux/input.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LinuxInputEvent64
{
    public long tv_sec;
    public long tv_usec;
    public ushort type;
    public ushort code;
    public int value;
}

/// <summary><c>struct input_event</c> as laid out for 32-bit userland (<c>__kernel_ulong_t</c> timeval fields).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LinuxInputEvent32
{
    public uint tv_sec;
    public uint tv_usec;
    public ushort type;
    public ushort code;
    public int value;
}
