using System.Runtime.InteropServices;

namespace EdgeCapture.Linux;

/// <summary>
/// The V4L2 ioctls and structs that Iot.Device.Media.VideoDevice 4.2.0 does not expose: DV timings (the TC358743 needs
/// them queried and set before streaming) and events (V4L2_EVENT_SOURCE_CHANGE). Layouts follow
/// include/uapi/linux/videodev2.h; <see cref="KernelStructSizes"/> checks the sizes, the tests check the request numbers.
/// The calls themselves are <see cref="Interop.IoControl(int, nuint, void*)"/>.
/// </summary>
internal static class V4l2
{
    public const uint EventSourceChange = 5;          // V4L2_EVENT_SOURCE_CHANGE
    public const uint SourceChangeResolution = 1;     // V4L2_EVENT_SRC_CH_RESOLUTION
    public const uint DvBtTimingsType = 0;            // V4L2_DV_BT_656_1120

    // The errno values the capture loop tells apart, named for what they mean on a V4L2 node.
    public const int ErrorNoLink = Errno.ENOLINK;     // no signal
    public const int ErrorNoLock = Errno.ENOLCK;      // signal present, no sync
    public const int ErrorRange = Errno.ERANGE;       // timings out of the receiver's range
    public const int ErrorAgain = Errno.EAGAIN;
    public const int ErrorInterrupted = Errno.EINTR;
    public const int ErrorNoDevice = Errno.ENODEV;    // unplugged
    public const int ErrorNotTty = Errno.ENOTTY;      // the node has no such ioctl (rp1-cfe: DV timings live on a subdevice)
    public const int ErrorBusy = Errno.EBUSY;         // the queue has buffers (ours, the read() emulator's, another process's)
    public const int ErrorInvalid = Errno.EINVAL;

    private const uint Read = Interop.IocRead;
    private const uint Write = Interop.IocWrite;

    /// <summary>_IOC(direction, 'V', number, size) as in include/uapi/asm-generic/ioctl.h.</summary>
    public static uint Request(uint direction, uint number, int size) => Interop.IoctlRequest(direction, 'V', number, (uint)size);

    public static uint QueryDvTimings => Request(Read, 99, Marshal.SizeOf<DvTimings>());

    public static uint SetDvTimings => Request(Read | Write, 87, Marshal.SizeOf<DvTimings>());

    public static uint SubscribeEvent => Request(Write, 90, Marshal.SizeOf<EventSubscription>());

    public static uint DequeueEvent => Request(Read, 89, Marshal.SizeOf<Event>());

    /// <summary>struct v4l2_bt_timings (packed, 124 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public unsafe struct BtTimings
    {
        public uint width;
        public uint height;
        public uint interlaced;
        public uint polarities;
        public ulong pixelclock;
        public uint hfrontporch;
        public uint hsync;
        public uint hbackporch;
        public uint vfrontporch;
        public uint vsync;
        public uint vbackporch;
        public uint il_vfrontporch;
        public uint il_vsync;
        public uint il_vbackporch;
        public uint standards;
        public uint flags;
        public uint picture_aspect_numerator;
        public uint picture_aspect_denominator;
        public byte cea861_vic;
        public byte hdmi_vic;
        public fixed byte reserved[46];

        /// <summary>Frames per second from the pixel clock and the total frame size.</summary>
        public readonly double FramesPerSecond
        {
            get
            {
                ulong total = (ulong)(width + hfrontporch + hsync + hbackporch) * (height + vfrontporch + vsync + vbackporch);
                return total == 0 ? 0 : (double)pixelclock / total;
            }
        }
    }

    /// <summary>struct v4l2_dv_timings (packed, 132 bytes): type + union { bt; reserved[32] }.</summary>
    [StructLayout(LayoutKind.Explicit, Pack = 1, Size = 132)]
    public struct DvTimings
    {
        [FieldOffset(0)]
        public uint type;

        [FieldOffset(4)]
        public BtTimings bt;
    }

    /// <summary>struct v4l2_event_subscription (32 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct EventSubscription
    {
        public uint type;
        public uint id;
        public uint flags;
        public fixed uint reserved[5];
    }

    /// <summary>struct v4l2_event: 136 bytes on 64-bit (the union holds an __s64, so it is 8-aligned), 128 on 32-bit ARM.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Event
    {
        public uint type;
        public EventUnion u;
        public uint pending;
        public uint sequence;
        public nint timestamp_seconds;
        public nint timestamp_nanoseconds;
        public uint id;
        public fixed uint reserved[8];
    }

    /// <summary>The 64-byte union of struct v4l2_event; for SOURCE_CHANGE the first u32 is the change mask.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    public struct EventUnion
    {
        [FieldOffset(0)]
        public uint source_change_changes;

        [FieldOffset(0)]
        public long alignment;
    }
}
