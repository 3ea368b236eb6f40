using EdgeCapture.Input.Evdev;

namespace EdgeCapture.Input.Simulation;

/// <summary>
/// Turns a <see cref="DesktopActivityScript"/> into the evdev event streams a real keyboard and a real mouse
/// would produce: every change followed by SYN_REPORT, timestamps at <c>start + action time</c>.
/// Encode the result with <see cref="InputEventCodec.EncodeAll"/> to get <c>input_event</c> bytes.
/// </summary>
public static class DesktopActivityEvdev
{
    /// <summary>Default interval between mouse motion reports (125 Hz, a common office mouse).</summary>
    public static readonly TimeSpan DefaultMotionInterval = TimeSpan.FromMilliseconds(8);

    /// <summary>The keyboard's events for the script.</summary>
    /// <param name="script">The script.</param>
    /// <param name="startNanoseconds">Monotonic time of script time zero.</param>
    /// <returns>Events in time order.</returns>
    public static IReadOnlyList<EvdevEvent> KeyboardEvents(DesktopActivityScript script, long startNanoseconds)
    {
        ArgumentNullException.ThrowIfNull(script);
        var events = new List<EvdevEvent>();
        foreach (SimulatedAction action in script.Actions)
        {
            switch (action.Kind)
            {
                case SimulatedActionKind.TypeText when action.Text.Length > 0:
                    TimeSpan slot = action.Duration / action.Text.Length;
                    for (int index = 0; index < action.Text.Length; index++)
                    {
                        if (!UsKeyboardLayout.TryGetKey(action.Text[index], out ushort keyCode, out bool needsShift))
                        {
                            continue;
                        }

                        TimeSpan start = action.At + slot * index;
                        if (needsShift)
                        {
                            AddKey(events, startNanoseconds, start, KeyCodes.LeftShift, KeyValues.Pressed);
                            AddKey(events, startNanoseconds, start + slot * 0.15, keyCode, KeyValues.Pressed);
                            AddKey(events, startNanoseconds, start + slot * 0.55, keyCode, KeyValues.Released);
                            AddKey(events, startNanoseconds, start + slot * 0.7, KeyCodes.LeftShift, KeyValues.Released);
                        }
                        else
                        {
                            AddKey(events, startNanoseconds, start, keyCode, KeyValues.Pressed);
                            AddKey(events, startNanoseconds, start + slot * 0.5, keyCode, KeyValues.Released);
                        }
                    }

                    break;
                case SimulatedActionKind.KeyChord:
                    for (int index = 0; index < action.KeyCodes.Length; index++)
                    {
                        AddKey(events, startNanoseconds, action.At + TimeSpan.FromMilliseconds(15 * index), action.KeyCodes[index], KeyValues.Pressed);
                    }

                    for (int index = action.KeyCodes.Length - 1; index >= 0; index--)
                    {
                        TimeSpan release = action.End - TimeSpan.FromMilliseconds(10 * index);
                        AddKey(events, startNanoseconds, release, action.KeyCodes[index], KeyValues.Released);
                    }

                    break;
                default:
                    break;
            }
        }

        return events;
    }

    /// <summary>The mouse's events for the script.</summary>
    /// <param name="script">The script.</param>
    /// <param name="startNanoseconds">Monotonic time of script time zero.</param>
    /// <param name="motionInterval">Interval between motion reports; <see cref="DefaultMotionInterval"/> when null.</param>
    /// <param name="highResolutionWheel">Also send REL_WHEEL_HI_RES/REL_HWHEEL_HI_RES (120 per detent) as modern mice do.</param>
    /// <returns>Events in time order.</returns>
    public static IReadOnlyList<EvdevEvent> MouseEvents(DesktopActivityScript script, long startNanoseconds, TimeSpan? motionInterval = null, bool highResolutionWheel = true)
    {
        ArgumentNullException.ThrowIfNull(script);
        TimeSpan interval = motionInterval ?? DefaultMotionInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(motionInterval));
        var events = new List<EvdevEvent>();
        foreach (SimulatedAction action in script.Actions)
        {
            switch (action.Kind)
            {
                case SimulatedActionKind.MouseMove:
                    int steps = Math.Max(1, (int)Math.Round(action.Duration / interval));
                    int sentX = 0;
                    int sentY = 0;
                    for (int step = 1; step <= steps; step++)
                    {
                        // Cumulative rounding: the steps always add up to the exact move.
                        int targetX = (int)Math.Round((double)action.DeltaX * step / steps);
                        int targetY = (int)Math.Round((double)action.DeltaY * step / steps);
                        long time = Nanoseconds(startNanoseconds, action.At + action.Duration * step / steps);
                        bool moved = false;
                        if (targetX != sentX)
                        {
                            events.Add(new EvdevEvent(time, EventTypes.Relative, RelativeAxes.X, targetX - sentX));
                            moved = true;
                        }

                        if (targetY != sentY)
                        {
                            events.Add(new EvdevEvent(time, EventTypes.Relative, RelativeAxes.Y, targetY - sentY));
                            moved = true;
                        }

                        if (moved)
                        {
                            events.Add(new EvdevEvent(time, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
                        }

                        (sentX, sentY) = (targetX, targetY);
                    }

                    break;
                case SimulatedActionKind.MouseButton:
                    long buttonTime = Nanoseconds(startNanoseconds, action.At);
                    events.Add(new EvdevEvent(buttonTime, EventTypes.Key, ButtonCode(action.Button), action.IsPress ? KeyValues.Pressed : KeyValues.Released));
                    events.Add(new EvdevEvent(buttonTime, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
                    break;
                case SimulatedActionKind.Scroll:
                    int detents = Math.Abs(action.WheelDetents) + Math.Abs(action.PanDetents);
                    for (int detent = 0; detent < detents; detent++)
                    {
                        long time = Nanoseconds(startNanoseconds, detents == 0 ? action.At : action.At + action.Duration * detent / detents);
                        bool vertical = detent < Math.Abs(action.WheelDetents);
                        int sign = vertical ? Math.Sign(action.WheelDetents) : Math.Sign(action.PanDetents);
                        if (highResolutionWheel)
                        {
                            events.Add(new EvdevEvent(time, EventTypes.Relative, vertical ? RelativeAxes.WheelHighResolution : RelativeAxes.HorizontalWheelHighResolution, sign * RelativeAxes.HighResolutionUnitsPerDetent));
                        }

                        events.Add(new EvdevEvent(time, EventTypes.Relative, vertical ? RelativeAxes.Wheel : RelativeAxes.HorizontalWheel, sign));
                        events.Add(new EvdevEvent(time, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
                    }

                    break;
                default:
                    break;
            }
        }

        return events;
    }

    /// <summary>The BTN_* code of a simulated button.</summary>
    /// <param name="button">The button.</param>
    /// <returns>BTN_LEFT, BTN_RIGHT or BTN_MIDDLE.</returns>
    public static ushort ButtonCode(SimulatedMouseButton button) => button switch
    {
        SimulatedMouseButton.Left => ButtonCodes.Left,
        SimulatedMouseButton.Right => ButtonCodes.Right,
        SimulatedMouseButton.Middle => ButtonCodes.Middle,
        _ => throw new ArgumentOutOfRangeException(nameof(button), button, "Not a mouse button."),
    };

    private static void AddKey(List<EvdevEvent> events, long startNanoseconds, TimeSpan at, ushort keyCode, int value)
    {
        long time = Nanoseconds(startNanoseconds, at);
        events.Add(new EvdevEvent(time, EventTypes.Key, keyCode, value));
        events.Add(new EvdevEvent(time, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
    }

    private static long Nanoseconds(long startNanoseconds, TimeSpan at) => startNanoseconds + at.Ticks * 100;
}
