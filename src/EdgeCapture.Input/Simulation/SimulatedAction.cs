using System.Collections.Immutable;

namespace EdgeCapture.Input.Simulation;

/// <summary>The kinds of simulated user actions.</summary>
public enum SimulatedActionKind : byte
{
    /// <summary>Types <see cref="SimulatedAction.Text"/> (US layout), characters evenly spaced over the duration.</summary>
    TypeText,

    /// <summary>Presses <see cref="SimulatedAction.KeyCodes"/> in order at the start, releases them in reverse at the end.</summary>
    KeyChord,

    /// <summary>Moves the pointer by (<see cref="SimulatedAction.DeltaX"/>, <see cref="SimulatedAction.DeltaY"/>) linearly over the duration.</summary>
    MouseMove,

    /// <summary>Presses or releases <see cref="SimulatedAction.Button"/> at <see cref="SimulatedAction.At"/>.</summary>
    MouseButton,

    /// <summary>Scrolls <see cref="SimulatedAction.WheelDetents"/> (positive: up/away) and <see cref="SimulatedAction.PanDetents"/> (positive: right), spread over the duration.</summary>
    Scroll,

    /// <summary>Nothing happens for the duration.</summary>
    Idle,
}

/// <summary>Mouse buttons the simulator presses.</summary>
public enum SimulatedMouseButton : byte
{
    /// <summary>No button (actions other than <see cref="SimulatedActionKind.MouseButton"/>).</summary>
    None,

    /// <summary>BTN_LEFT.</summary>
    Left,

    /// <summary>BTN_RIGHT.</summary>
    Right,

    /// <summary>BTN_MIDDLE.</summary>
    Middle,
}

/// <summary>
/// One timed action of a simulated user. Positions are relative mouse counts, one count per screen pixel.
/// Use the static factories; fields that do not apply to a kind are zero, empty or <see cref="SimulatedMouseButton.None"/>.
/// </summary>
/// <param name="At">Start time from the beginning of the script.</param>
/// <param name="Kind">What happens.</param>
/// <param name="Duration">How long it takes (zero for a button transition).</param>
/// <param name="Text">Typed text (<see cref="SimulatedActionKind.TypeText"/>), otherwise empty.</param>
/// <param name="KeyCodes">Linux KEY_* codes of a chord, modifiers first (<see cref="SimulatedActionKind.KeyChord"/>).</param>
/// <param name="DeltaX">Horizontal pointer movement in counts (positive: right).</param>
/// <param name="DeltaY">Vertical pointer movement in counts (positive: down, as evdev REL_Y).</param>
/// <param name="Button">Button of a <see cref="SimulatedActionKind.MouseButton"/> action.</param>
/// <param name="IsPress">True for a press, false for a release (<see cref="SimulatedActionKind.MouseButton"/>).</param>
/// <param name="WheelDetents">Vertical wheel detents (positive: up, as evdev REL_WHEEL).</param>
/// <param name="PanDetents">Horizontal wheel detents (positive: right, as evdev REL_HWHEEL).</param>
public readonly record struct SimulatedAction(
    TimeSpan At,
    SimulatedActionKind Kind,
    TimeSpan Duration,
    string Text,
    ImmutableArray<ushort> KeyCodes,
    int DeltaX,
    int DeltaY,
    SimulatedMouseButton Button,
    bool IsPress,
    int WheelDetents,
    int PanDetents)
{
    /// <summary>End time of the action.</summary>
    public TimeSpan End => At + Duration;

    /// <summary>A text typed over <paramref name="duration"/>; character <c>i</c> starts at <c>At + Duration * i / Text.Length</c>.</summary>
    public static SimulatedAction TypeText(TimeSpan at, string text, TimeSpan duration) =>
        new(at, SimulatedActionKind.TypeText, duration, text, ImmutableArray<ushort>.Empty, 0, 0, SimulatedMouseButton.None, false, 0, 0);

    /// <summary>A chord: keys pressed in order at <paramref name="at"/>, released in reverse order at <c>at + duration</c>.</summary>
    public static SimulatedAction KeyChord(TimeSpan at, TimeSpan duration, params ReadOnlySpan<ushort> keyCodes) =>
        new(at, SimulatedActionKind.KeyChord, duration, string.Empty, ImmutableArray.Create(keyCodes), 0, 0, SimulatedMouseButton.None, false, 0, 0);

    /// <summary>A linear pointer move.</summary>
    public static SimulatedAction MouseMove(TimeSpan at, int deltaX, int deltaY, TimeSpan duration) =>
        new(at, SimulatedActionKind.MouseMove, duration, string.Empty, ImmutableArray<ushort>.Empty, deltaX, deltaY, SimulatedMouseButton.None, false, 0, 0);

    /// <summary>A button press or release.</summary>
    public static SimulatedAction MouseButton(TimeSpan at, SimulatedMouseButton button, bool isPress) =>
        new(at, SimulatedActionKind.MouseButton, TimeSpan.Zero, string.Empty, ImmutableArray<ushort>.Empty, 0, 0, button, isPress, 0, 0);

    /// <summary>Wheel and pan detents spread over <paramref name="duration"/>.</summary>
    public static SimulatedAction Scroll(TimeSpan at, int wheelDetents, int panDetents, TimeSpan duration) =>
        new(at, SimulatedActionKind.Scroll, duration, string.Empty, ImmutableArray<ushort>.Empty, 0, 0, SimulatedMouseButton.None, false, wheelDetents, panDetents);

    /// <summary>A pause.</summary>
    public static SimulatedAction Idle(TimeSpan at, TimeSpan duration) =>
        new(at, SimulatedActionKind.Idle, duration, string.Empty, ImmutableArray<ushort>.Empty, 0, 0, SimulatedMouseButton.None, false, 0, 0);
}
