using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Recorder;

/// <summary>One mouse record: a device's evdev frame (up to its SYN_REPORT) folded into buttons and summed motion.</summary>
/// <param name="Time">The instant it is stamped with.</param>
/// <param name="Buttons">Buttons held after the frame.</param>
/// <param name="DeltaX">Summed REL_X.</param>
/// <param name="DeltaY">Summed REL_Y.</param>
/// <param name="Wheel">Summed REL_WHEEL detents.</param>
/// <param name="Pan">Summed REL_HWHEEL detents.</param>
/// <param name="HasMotion">Whether buttons or motion changed in the frame (a mouse record is written).</param>
/// <param name="HasPosition">Whether the frame set the absolute position (a pointer position record is written).</param>
/// <param name="X">The last ABS_X of the frame, in screen pixels.</param>
/// <param name="Y">The last ABS_Y of the frame, in screen pixels.</param>
internal readonly record struct MouseReport(long Time, MouseButtons Buttons, int DeltaX, int DeltaY, int Wheel, int Pan, bool HasMotion = true, bool HasPosition = false, int X = 0, int Y = 0);

/// <summary>Where folded mouse frames go (the segment writer).</summary>
internal interface IMouseReportTarget
{
    /// <summary>False while nothing may be written (storage full): a flush at a boundary then discards instead.</summary>
    bool CanWrite { get; }

    /// <summary>Records one mouse report.</summary>
    void WriteMouse(in MouseReport report);
}

/// <summary>
/// The recorder's mouse stage: per input device, buttons and relative motion are summed until the device's SYN_REPORT and then
/// written as one record; SYN_DROPPED discards the partial frame; high-resolution wheel events are ignored because the detent
/// events carry the same motion. Only items that passed the gate and the horizons reach it.
/// </summary>
internal sealed class MouseAccumulation
{
    private const ushort ButtonLeft = 0x110;
    private const ushort ButtonExtra = 0x114;

    private readonly Action<int, InputDeviceKind> _onNewDevice;
    private Accumulator[] _mice = new Accumulator[4];
    private int _count;

    /// <param name="onNewDevice">Called once for each device first seen here (the segment header lists it).</param>
    public MouseAccumulation(Action<int, InputDeviceKind> onNewDevice) => _onNewDevice = onNewDevice;

    /// <summary>True for the key codes that are mouse buttons (BTN_LEFT to BTN_EXTRA).</summary>
    public static bool IsMouseButton(ushort code) => code is >= ButtonLeft and <= ButtonExtra;

    /// <summary>True while some device has motion or a button change not yet written.</summary>
    public bool HasUnreported
    {
        get
        {
            for (int index = 0; index < _count; index++)
            {
                if (_mice[index].Dirty || _mice[index].HasPosition)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public void Button(int deviceId, InputDeviceKind kind, ushort code, bool isDown, long time)
    {
        ref Accumulator mouse = ref Mouse(deviceId, kind);
        var button = (MouseButtons)(1 << (code - ButtonLeft));
        mouse.Buttons = isDown ? mouse.Buttons | button : mouse.Buttons & ~button;
        mouse.Touch(time);
    }

    /// <summary>Adds relative motion; false for axes that are not recorded (high-resolution wheels).</summary>
    public bool Relative(int deviceId, InputDeviceKind kind, ushort code, int value, long time)
    {
        ref Accumulator mouse = ref Mouse(deviceId, kind);
        if (code is not (RelativeAxes.X or RelativeAxes.Y or RelativeAxes.Wheel or RelativeAxes.HorizontalWheel))
        {
            return false;
        }

        switch (code)
        {
            case RelativeAxes.X:
                mouse.DeltaX += value;
                break;
            case RelativeAxes.Y:
                mouse.DeltaY += value;
                break;
            case RelativeAxes.Wheel:
                mouse.Wheel += value;
                break;
            default:
                mouse.Pan += value;
                break;
        }

        mouse.Touch(time);
        return true;
    }

    /// <summary>
    /// The absolute pointer's position (EV_ABS ABS_X/ABS_Y in screen pixels, offered by the relay in absolute pointer mode in
    /// the frame that moved it); the frame's last value of each axis is recorded. False for other axes.
    /// </summary>
    public bool Absolute(int deviceId, InputDeviceKind kind, ushort code, int value, long time)
    {
        if (code is not (AbsoluteAxes.X or AbsoluteAxes.Y) || value < 0)
        {
            return false;
        }

        ref Accumulator mouse = ref Mouse(deviceId, kind);
        if (code == AbsoluteAxes.X)
        {
            mouse.X = value;
        }
        else
        {
            mouse.Y = value;
        }

        mouse.HasPosition = true;
        mouse.LastTime = time;
        return true;
    }

    /// <summary>The device's SYN_REPORT: its folded frame, if it changed anything, is written stamped <paramref name="time"/>.</summary>
    public void Report(int deviceId, long time, IMouseReportTarget target)
    {
        for (int index = 0; index < _count; index++)
        {
            ref Accumulator mouse = ref _mice[index];
            if (mouse.DeviceId == deviceId && (mouse.Dirty || mouse.HasPosition))
            {
                target.WriteMouse(mouse.ToReport(time));
                mouse.ClearMotion();
            }
        }
    }

    /// <summary>The device's SYN_DROPPED: the partial frame is discarded (buttons are kept).</summary>
    public void Dropped(int deviceId)
    {
        for (int index = 0; index < _count; index++)
        {
            if (_mice[index].DeviceId == deviceId)
            {
                _mice[index].ClearMotion();
            }
        }
    }

    /// <summary>
    /// A privacy boundary: a frame whose SYN_REPORT has not arrived yet but whose events are all before the boundary is written
    /// (while the target can write), stamped with its last event; everything else is discarded.
    /// </summary>
    public void Flush(long boundary, IMouseReportTarget target)
    {
        for (int index = 0; index < _count; index++)
        {
            ref Accumulator mouse = ref _mice[index];
            if ((mouse.Dirty || mouse.HasPosition) && mouse.LastTime < boundary && target.CanWrite)
            {
                target.WriteMouse(mouse.ToReport(mouse.LastTime));
            }

            mouse.ClearMotion();
        }
    }

    /// <summary>Forget: motion not yet written is discarded.</summary>
    public void ClearMotion()
    {
        for (int index = 0; index < _count; index++)
        {
            _mice[index].ClearMotion();
        }
    }

    private ref Accumulator Mouse(int deviceId, InputDeviceKind kind)
    {
        for (int index = 0; index < _count; index++)
        {
            if (_mice[index].DeviceId == deviceId)
            {
                return ref _mice[index];
            }
        }

        _onNewDevice(deviceId, kind);
        if (_count == _mice.Length)
        {
            Array.Resize(ref _mice, _mice.Length * 2);
        }

        _mice[_count] = new Accumulator { DeviceId = deviceId };
        return ref _mice[_count++];
    }

    private struct Accumulator
    {
        public int DeviceId;
        public MouseButtons Buttons;
        public int DeltaX;
        public int DeltaY;
        public int Wheel;
        public int Pan;
        public bool Dirty;
        public bool HasPosition;
        public int X;
        public int Y;
        public long LastTime;

        public void Touch(long time)
        {
            Dirty = true;
            LastTime = time;
        }

        public readonly MouseReport ToReport(long time) => new(time, Buttons, DeltaX, DeltaY, Wheel, Pan, Dirty, HasPosition, X, Y);

        public void ClearMotion()
        {
            DeltaX = DeltaY = Wheel = Pan = 0;
            Dirty = false;

            // The position is the frame's: a later frame without EV_ABS did not move the pointer's reported position.
            HasPosition = false;
        }
    }
}
