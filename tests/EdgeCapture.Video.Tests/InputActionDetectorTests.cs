using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Sampling;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCapture.Video.Tests;

/// <summary>Relayed evdev events to sampler actions: what counts, what does not, how bursts are thinned.</summary>
public sealed class InputActionDetectorTests
{
    private const long Millisecond = 1_000_000;

    private static InputTapEvent Event(long milliseconds, ushort type, ushort code, int value, InputDeviceKind kind = InputDeviceKind.Keyboard) =>
        new(milliseconds * Millisecond, 1, kind, type, code, value);

    [Theory]
    [InlineData(EventTypes.Key, KeyCodes.A, KeyValues.Pressed, InputActionKind.Key)]
    [InlineData(EventTypes.Key, KeyCodes.LeftCtrl, KeyValues.Pressed, InputActionKind.Key)]
    [InlineData(EventTypes.Key, KeyCodes.BrightnessUp, KeyValues.Pressed, InputActionKind.Key)]
    [InlineData(EventTypes.Key, ButtonCodes.Left, KeyValues.Pressed, InputActionKind.Click)]
    [InlineData(EventTypes.Key, ButtonCodes.Right, KeyValues.Pressed, InputActionKind.Click)]
    [InlineData(EventTypes.Key, ButtonCodes.Back, KeyValues.Pressed, InputActionKind.Click)]
    [InlineData(EventTypes.Key, 0x14a, KeyValues.Pressed, InputActionKind.Click)] // BTN_TOUCH
    [InlineData(EventTypes.Relative, RelativeAxes.Wheel, -1, InputActionKind.Scroll)]
    [InlineData(EventTypes.Relative, RelativeAxes.HorizontalWheel, 1, InputActionKind.Scroll)]
    [InlineData(EventTypes.Relative, RelativeAxes.WheelHighResolution, 120, InputActionKind.Scroll)]
    [InlineData(EventTypes.Relative, RelativeAxes.HorizontalWheelHighResolution, -30, InputActionKind.Scroll)]
    public void Presses_and_wheel_steps_are_actions(ushort type, ushort code, int value, InputActionKind expected)
    {
        Assert.Equal(expected, InputActionDetector.Classify(Event(0, type, code, value)));
        var detector = new InputActionDetector();
        Assert.True(detector.TryDetect(Event(7, type, code, value), out InputAction action));
        Assert.Equal(new InputAction(7 * Millisecond, expected), action);
    }

    [Theory]
    [InlineData(EventTypes.Key, KeyCodes.A, KeyValues.Released)]
    [InlineData(EventTypes.Key, KeyCodes.A, KeyValues.Repeated)]
    [InlineData(EventTypes.Key, ButtonCodes.Left, KeyValues.Released)]
    [InlineData(EventTypes.Key, 0x145, KeyValues.Pressed)] // BTN_TOOL_FINGER: presence, not a press
    [InlineData(EventTypes.Key, 0, KeyValues.Pressed)] // KEY_RESERVED
    [InlineData(EventTypes.Key, 0x300, KeyValues.Pressed)] // beyond KEY_MAX
    [InlineData(EventTypes.Relative, RelativeAxes.X, 5)]
    [InlineData(EventTypes.Relative, RelativeAxes.Y, -3)]
    [InlineData(EventTypes.Relative, RelativeAxes.Wheel, 0)]
    [InlineData(EventTypes.Synchronization, SynchronizationCodes.Report, 0)]
    [InlineData(EventTypes.Absolute, 0, 100)]
    [InlineData(EventTypes.Miscellaneous, 4, 0x70004)]
    public void Releases_repeats_motion_and_the_rest_are_not(ushort type, ushort code, int value)
    {
        Assert.Null(InputActionDetector.Classify(Event(0, type, code, value)));
        Assert.False(new InputActionDetector().TryDetect(Event(0, type, code, value), out _));
    }

    [Fact]
    public void A_fast_burst_of_keys_and_wheel_steps_is_thinned_but_clicks_never_are()
    {
        var detector = new InputActionDetector(TimeSpan.FromMilliseconds(50));
        var reported = new List<InputAction>();
        void Offer(InputTapEvent inputEvent)
        {
            if (detector.TryDetect(inputEvent, out InputAction action))
            {
                reported.Add(action);
            }
        }

        // Ctrl+C: two presses 20 ms apart are one action (the chord); releases are ignored.
        Offer(Event(0, EventTypes.Key, KeyCodes.LeftCtrl, 1));
        Offer(Event(20, EventTypes.Key, KeyCodes.C, 1));
        Offer(Event(60, EventTypes.Key, KeyCodes.C, 0));
        Offer(Event(70, EventTypes.Key, KeyCodes.LeftCtrl, 0));

        // Typing at 25 keys/s: every other key reported.
        for (int i = 0; i < 5; i++)
        {
            Offer(Event(1000 + (i * 40), EventTypes.Key, KeyCodes.A, 1));
        }

        // A wheel notch: REL_WHEEL and REL_WHEEL_HI_RES in one report are one step.
        Offer(Event(2000, EventTypes.Relative, RelativeAxes.Wheel, -1, InputDeviceKind.Mouse));
        Offer(Event(2000, EventTypes.Relative, RelativeAxes.WheelHighResolution, -120, InputDeviceKind.Mouse));

        // A double click: both presses.
        Offer(Event(3000, EventTypes.Key, ButtonCodes.Left, 1, InputDeviceKind.Mouse));
        Offer(Event(3040, EventTypes.Key, ButtonCodes.Left, 0, InputDeviceKind.Mouse));
        Offer(Event(3080, EventTypes.Key, ButtonCodes.Left, 1, InputDeviceKind.Mouse));

        Assert.Equal(
            [
                new InputAction(0, InputActionKind.Key),
                new InputAction(1000 * Millisecond, InputActionKind.Key),
                new InputAction(1080 * Millisecond, InputActionKind.Key),
                new InputAction(1160 * Millisecond, InputActionKind.Key),
                new InputAction(2000 * Millisecond, InputActionKind.Scroll),
                new InputAction(3000 * Millisecond, InputActionKind.Click),
                new InputAction(3080 * Millisecond, InputActionKind.Click),
            ],
            reported);
        Assert.Equal(reported.Count, detector.ActionsDetected);
        Assert.Equal(4, detector.ActionsCoalesced);
    }

    [Fact]
    public void With_no_coalescing_every_press_and_step_is_reported()
    {
        var detector = new InputActionDetector(TimeSpan.Zero);
        Assert.True(detector.TryDetect(Event(0, EventTypes.Key, KeyCodes.A, 1), out _));
        Assert.True(detector.TryDetect(Event(0, EventTypes.Key, KeyCodes.B, 1), out _));
        Assert.True(detector.TryDetect(Event(1, EventTypes.Relative, RelativeAxes.Wheel, 1), out _));
        Assert.True(detector.TryDetect(Event(1, EventTypes.Relative, RelativeAxes.WheelHighResolution, 120), out _));
    }

    [Fact]
    public void Every_scripted_action_of_the_simulated_user_is_found_in_its_evdev_stream()
    {
        // The simulated user's keyboard and mouse bytes, as the relay would read them: each scripted click, key and wheel
        // step shows up as an action at its time (within coalescing), detected from evdev alone.
        DesktopActivityScript script = DesktopActivityScript.CreateDefault(3, TimeSpan.FromMinutes(2));
        IReadOnlyList<EvdevEvent> keyboard = DesktopActivityEvdev.KeyboardEvents(script, 0);
        IReadOnlyList<EvdevEvent> mouse = DesktopActivityEvdev.MouseEvents(script, 0);
        var detector = new InputActionDetector();
        var detected = new List<InputAction>();
        foreach ((EvdevEvent evdev, InputDeviceKind kind) in keyboard.Select(e => (e, InputDeviceKind.Keyboard)).Concat(mouse.Select(e => (e, InputDeviceKind.Mouse))).OrderBy(pair => pair.e.TimestampNanoseconds))
        {
            var tapEvent = new InputTapEvent(evdev.TimestampNanoseconds, 1, kind, evdev.Type, evdev.Code, evdev.Value);
            if (detector.TryDetect(tapEvent, out InputAction action))
            {
                detected.Add(action);
            }
        }

        IReadOnlyList<(TimeSpan At, InputActionKind Kind)> scripted = EdgeCapture.Video.Simulation.SimulatedDesktop.ActionsOf(script);
        Assert.NotEmpty(scripted);
        long tolerance = InputActionDetector.DefaultCoalescingInterval.Ticks * 100;
        Assert.All(scripted, expected =>
        {
            long at = expected.At.Ticks * 100;
            Assert.Contains(detected, action => action.Kind == expected.Kind && action.MonotonicNanoseconds <= at + tolerance && at - action.MonotonicNanoseconds <= tolerance);
        });
        Assert.Contains(detected, action => action.Kind == InputActionKind.Click);
        Assert.Contains(detected, action => action.Kind == InputActionKind.Key);
        Assert.Contains(detected, action => action.Kind == InputActionKind.Scroll);
    }

    [Fact]
    public void Detecting_allocates_nothing()
    {
        var detector = new InputActionDetector();
        InputTapEvent[] events =
        [
            Event(0, EventTypes.Key, KeyCodes.A, 1), Event(1, EventTypes.Key, KeyCodes.A, 0),
            Event(2, EventTypes.Relative, RelativeAxes.X, 3), Event(3, EventTypes.Relative, RelativeAxes.Wheel, 1),
            Event(4, EventTypes.Key, ButtonCodes.Left, 1), Event(5, EventTypes.Synchronization, 0, 0),
        ];
        detector.TryDetect(events[0], out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long found = 0;
        for (int i = 0; i < 10_000; i++)
        {
            InputTapEvent inputEvent = events[i % events.Length] with { MonotonicNanoseconds = i * Millisecond };
            if (detector.TryDetect(inputEvent, out InputAction action))
            {
                found += (long)action.Kind;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(found > 0);
    }

    [Fact]
    public void Any_event_sequence_reports_only_presses_and_steps_in_time_order_with_gaps_per_kind()
    {
        Gen<InputTapEvent> events =
            from type in Gen.Elements(EventTypes.Synchronization, EventTypes.Key, EventTypes.Relative, EventTypes.Absolute)
            from code in Gen.Choose(0, 0x310)
            from value in Gen.Choose(-3, 3)
            from step in Gen.Choose(0, 80)
            select new InputTapEvent(step, 1, InputDeviceKind.Mouse, type, (ushort)code, value);
        Prop.ForAll(events.ArrayOf().ToArbitrary(), steps =>
        {
            var detector = new InputActionDetector(TimeSpan.FromMilliseconds(50));
            long now = 0;
            var last = new Dictionary<InputActionKind, long>();
            foreach (InputTapEvent step in steps)
            {
                now += step.MonotonicNanoseconds * Millisecond;
                InputTapEvent inputEvent = step with { MonotonicNanoseconds = now };
                bool reported = detector.TryDetect(inputEvent, out InputAction action);
                InputActionKind? kind = InputActionDetector.Classify(inputEvent);
                if (kind is null)
                {
                    Assert.False(reported);
                    continue;
                }

                if (kind == InputActionKind.Click)
                {
                    Assert.True(reported);
                }

                if (reported)
                {
                    Assert.Equal(new InputAction(now, kind.Value), action);
                    Assert.True(!last.TryGetValue(kind.Value, out long previous) || kind == InputActionKind.Click || now - previous >= 50 * Millisecond);
                    last[kind.Value] = now;
                }
                else
                {
                    Assert.True(last.TryGetValue(kind.Value, out long previous) && now - previous < 50 * Millisecond);
                }
            }
        }).QuickCheckThrowOnFailure();
    }
}
