using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;

namespace EdgeCapture.Video.Sampling;

/// <summary>
/// Turns relayed input (the <see cref="InputTap"/>'s evdev triples) into the <see cref="InputAction"/>s the frame sampler
/// aligns frames to: a key press is <see cref="InputActionKind.Key"/>, a mouse/touch/stylus button press
/// <see cref="InputActionKind.Click"/>, a wheel step (REL_WHEEL, REL_HWHEEL and their high-resolution twins)
/// <see cref="InputActionKind.Scroll"/>. Releases, autorepeat, motion, tool-presence bits (BTN_TOOL_*) and SYN are not
/// actions. Works the same on real devices and in simulation because it only reads what the relay relayed.
/// </summary>
/// <remarks>
/// <para>Coalescing: a key press or wheel step less than <see cref="CoalescingInterval"/> after the last reported action
/// of the same kind is not reported again (a chord such as Ctrl+C, a fast typist, a high-resolution wheel sending a step
/// and its 120ths in one report or at 1000 Hz). The sampler groups the rest of a burst itself
/// (<see cref="SamplingOptions.BurstGap"/>); the end of a burst it sees is at most one interval early, well inside
/// its burst gap. Clicks are never coalesced: every press is a point where the screen matters.</para>
/// <para>Not thread-safe (one reader of the tap drives it); no allocation.</para>
/// </remarks>
public sealed class InputActionDetector
{
    /// <summary>The default <see cref="CoalescingInterval"/>: 50 ms (at most 20 key or wheel actions a second).</summary>
    public static readonly TimeSpan DefaultCoalescingInterval = TimeSpan.FromMilliseconds(50);

    // BTN_* ranges of include/uapi/linux/input-event-codes.h that are presses of a button (as opposed to KEY_* keys).
    private const ushort ButtonMiscFirst = 0x100;      // BTN_MISC .. BTN_GAMEPAD block (BTN_MOUSE 0x110..0x117 inside)
    private const ushort ButtonGamepadLast = 0x13f;
    private const ushort ButtonTouch = 0x14a;           // BTN_TOUCH (contact), BTN_STYLUS 0x14b, BTN_STYLUS2 0x14c
    private const ushort ButtonStylus2 = 0x14c;
    private const ushort ButtonDigitizerFirst = 0x140;  // BTN_TOOL_* and multi-finger taps: presence, not presses
    private const ushort ButtonDigitizerLast = 0x14f;
    private const ushort ButtonWheelFirst = 0x150;      // BTN_GEAR_DOWN, BTN_GEAR_UP
    private const ushort ButtonWheelLast = 0x15f;
    private const ushort ButtonDirectionalPadFirst = 0x220;
    private const ushort ButtonDirectionalPadLast = 0x22f;
    private const ushort ButtonTriggerHappyFirst = 0x2c0;
    private const ushort ButtonTriggerHappyLast = 0x2ff;

    private readonly long _coalescingNanoseconds;
    private long _lastKeyNanoseconds = long.MinValue;
    private long _lastScrollNanoseconds = long.MinValue;

    /// <summary>Creates a detector with <see cref="DefaultCoalescingInterval"/>.</summary>
    public InputActionDetector()
        : this(DefaultCoalescingInterval)
    {
    }

    /// <summary>Creates a detector.</summary>
    /// <param name="coalescingInterval">Key presses and wheel steps closer than this to the last reported one of the same kind are not reported; zero reports every one.</param>
    public InputActionDetector(TimeSpan coalescingInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(coalescingInterval, TimeSpan.Zero);
        CoalescingInterval = coalescingInterval;
        _coalescingNanoseconds = MonotonicClock.ToNanoseconds(coalescingInterval);
    }

    /// <summary>Key presses and wheel steps closer than this to the last reported action of the same kind are folded into it.</summary>
    public TimeSpan CoalescingInterval { get; }

    /// <summary>Actions reported.</summary>
    public long ActionsDetected { get; private set; }

    /// <summary>Key presses and wheel steps folded into an earlier action.</summary>
    public long ActionsCoalesced { get; private set; }

    /// <summary>Classifies one relayed event, without state (no coalescing): the action it starts, or null.</summary>
    /// <param name="inputEvent">The event as the relay offered it.</param>
    /// <returns>The kind of action, or null for releases, autorepeat, motion, tool presence, SYN and everything else.</returns>
    public static InputActionKind? Classify(in InputTapEvent inputEvent)
    {
        switch (inputEvent.Type)
        {
            case EventTypes.Key when inputEvent.Value == KeyValues.Pressed:
                return ClassifyKey(inputEvent.Code);
            case EventTypes.Relative when inputEvent.Value != 0 && inputEvent.Code is RelativeAxes.Wheel or RelativeAxes.HorizontalWheel
                or RelativeAxes.WheelHighResolution or RelativeAxes.HorizontalWheelHighResolution:
                return InputActionKind.Scroll;
            default:
                return null;
        }
    }

    /// <summary>Offers one relayed event; returns true with the action to report when it starts one (see the coalescing rule).</summary>
    /// <param name="inputEvent">The event as the relay offered it, in tap order.</param>
    /// <param name="action">The action, stamped with the event's monotonic time.</param>
    /// <returns>True when <paramref name="action"/> should be reported to the capture stage.</returns>
    public bool TryDetect(in InputTapEvent inputEvent, out InputAction action)
    {
        action = default;
        if (Classify(inputEvent) is not { } kind)
        {
            return false;
        }

        long at = inputEvent.MonotonicNanoseconds;
        bool due = kind switch
        {
            InputActionKind.Key => Due(ref _lastKeyNanoseconds, at),
            InputActionKind.Scroll => Due(ref _lastScrollNanoseconds, at),
            _ => true,
        };
        if (!due)
        {
            ActionsCoalesced++;
            return false;
        }

        ActionsDetected++;
        action = new InputAction(at, kind);
        return true;
    }

    /// <summary>Forgets the coalescing state (after a gap in the input, for example a private interval).</summary>
    public void Reset()
    {
        _lastKeyNanoseconds = long.MinValue;
        _lastScrollNanoseconds = long.MinValue;
    }

    private bool Due(ref long last, long at)
    {
        // Overflow-safe: long.MinValue means "never"; time going backwards (another device's clock) counts as due.
        if (last != long.MinValue && at >= last && at - last < _coalescingNanoseconds)
        {
            return false;
        }

        last = at;
        return true;
    }

    private static InputActionKind? ClassifyKey(ushort code) => code switch
    {
        0 => null,
        >= ButtonMiscFirst and <= ButtonGamepadLast => InputActionKind.Click,
        >= ButtonTouch and <= ButtonStylus2 => InputActionKind.Click,
        >= ButtonDigitizerFirst and <= ButtonDigitizerLast => null,
        >= ButtonWheelFirst and <= ButtonWheelLast => InputActionKind.Scroll,
        >= ButtonDirectionalPadFirst and <= ButtonDirectionalPadLast => InputActionKind.Click,
        >= ButtonTriggerHappyFirst and <= ButtonTriggerHappyLast => InputActionKind.Click,
        > KeyCodes.Maximum => null,
        _ => InputActionKind.Key,
    };
}
