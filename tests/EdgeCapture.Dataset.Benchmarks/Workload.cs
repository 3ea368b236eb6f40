using EdgeCapture.Hid;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Dataset.Benchmarks;

/// <summary>The simulated user's keyboard and mouse as the recorder stores them: key records by HID usage, one mouse record per SYN_REPORT.</summary>
internal static class Workload
{
    /// <summary>Kind 0: key (A usage id, B down); kind 1: mouse (A buttons, B dx, C dy, D wheel).</summary>
    public static List<(long Time, int Kind, int A, int B, int C, int D, int E)> Input(DesktopActivityScript script, long origin)
    {
        var records = new List<(long, int, int, int, int, int, int)>();
        foreach (EvdevEvent key in DesktopActivityEvdev.KeyboardEvents(script, origin))
        {
            if (key.Type == EventTypes.Key && LinuxKeyUsageTable.TryGetUsage(key.Code, out HidUsage usage) && usage.Page == HidUsagePage.KeyboardKeypad)
            {
                records.Add((key.TimestampNanoseconds, 0, usage.Id, key.Value != 0 ? 1 : 0, 0, 0, 0));
            }
        }

        MouseButtons buttons = MouseButtons.None;
        int dx = 0, dy = 0, wheel = 0;
        foreach (EvdevEvent input in DesktopActivityEvdev.MouseEvents(script, origin, highResolutionWheel: false))
        {
            switch (input.Type)
            {
                case EventTypes.Relative when input.Code == RelativeAxes.X:
                    dx += input.Value;
                    break;
                case EventTypes.Relative when input.Code == RelativeAxes.Y:
                    dy += input.Value;
                    break;
                case EventTypes.Relative when input.Code == RelativeAxes.Wheel:
                    wheel += input.Value;
                    break;
                case EventTypes.Key:
                    MouseButtons button = input.Code == ButtonCodes.Right ? MouseButtons.Right : input.Code == ButtonCodes.Middle ? MouseButtons.Middle : MouseButtons.Left;
                    buttons = input.Value != 0 ? buttons | button : buttons & ~button;
                    break;
                case EventTypes.Synchronization:
                    records.Add((input.TimestampNanoseconds, 1, (int)buttons, dx, dy, wheel, 0));
                    (dx, dy, wheel) = (0, 0, 0);
                    break;
                default:
                    break;
            }
        }

        records.Sort((left, right) => left.Item1.CompareTo(right.Item1));
        return records;
    }
}
