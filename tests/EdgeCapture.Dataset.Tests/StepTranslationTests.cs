using EdgeCapture.Dataset.Layouts;
using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Dataset.Tests;

/// <summary>How input becomes AgentNet-style steps and DuckTrack-style events, one behaviour per test.</summary>
public sealed class StepTranslationTests
{
    // HID Keyboard/Keypad usages.
    private const ushort A = 0x04, D = 0x07, E = 0x08, H = 0x0B, I = 0x0C, L = 0x0F, O = 0x12, S = 0x16, T = 0x17, Y = 0x1C, Z = 0x1D;
    private const ushort Digit1 = 0x1E, Digit2 = 0x1F, Enter = 0x28, Backspace = 0x2A, Space = 0x2C, CapsLock = 0x39, Left = 0x50, Minus = 0x2D;
    private const ushort LeftControl = 0xE0, LeftShift = 0xE1, LeftAlt = 0xE2, LeftGui = 0xE3, RightAlt = 0xE6;

    private static List<StepRow> Steps(RecordScript script, KeyboardLayout? layout = null) => MemorySink.Translate(script.Records, layout).Steps;

    [Fact]
    public void Typed_keys_merge_into_one_write_with_shift_and_backspace_applied()
    {
        RecordScript script = new RecordScript().Shifted(H).Tap(E).Tap(L).Tap(L).Tap(O).Shifted(Digit1).Tap(Backspace).Tap(Space).Tap(Y).Tap(O);

        StepRow step = Assert.Single(Steps(script));

        Assert.Equal(("write", "Hello yo"), (step.Action, step.Text));
        Assert.Equal("pyautogui.write(message='Hello yo')", step.Code);
    }

    [Fact]
    public void The_frame_before_a_step_is_before_it_by_time_even_when_a_later_frame_was_written_first()
    {
        // The flake once seen in ExportRoundTripTests (an image_before from after its step began): frame 2 is stamped 5 ms
        // after the key press but was written before it, so "the last frame seen" is the wrong answer.
        RecordScript script = new RecordScript().Frame().Wait(100).Frame(aheadMilliseconds: 5).Tap(H).Tap(Enter).Wait(200).Frame();
        var frames = script.Records.OfType<FrameRecord>().ToList();
        long pressed = script.Records.OfType<KeyRecord>().First().MonotonicNanoseconds;
        Assert.True(frames[1].MonotonicNanoseconds > pressed);

        List<StepRow> steps = Steps(script);

        StepRow write = steps.First(step => step.Action == "write");
        Assert.Equal(frames[0].MonotonicNanoseconds, write.FrameBefore?.TimeNanoseconds);
        Assert.All(steps, step => Assert.True(step.FrameBefore is null || step.FrameBefore.TimeNanoseconds <= step.StartNanoseconds, $"{step.Action}: frame before from after the step began"));
        Assert.True(write.FrameAfter is { } after && after.TimeNanoseconds > write.EndNanoseconds);
    }

    [Fact]
    public void Caps_lock_changes_letters_only_and_enter_ends_the_run_as_a_press()
    {
        RecordScript script = new RecordScript().Tap(CapsLock).Tap(A).Tap(Digit2).Tap(CapsLock).Tap(A).Tap(Enter);

        List<StepRow> steps = Steps(script);

        Assert.Equal(["write", "press"], steps.Select(step => step.Action));
        Assert.Equal("A2a", steps[0].Text);
        Assert.Equal("pyautogui.press(keys='enter')", steps[1].Code);
    }

    [Fact]
    public void Chords_with_control_alt_or_win_become_hotkeys_in_press_order()
    {
        RecordScript script = new RecordScript().Chord(LeftControl, LeftShift, T).Chord(LeftAlt, 0x2B).Tap(A);

        List<StepRow> steps = Steps(script);

        Assert.Equal(["hotkey", "hotkey", "write"], steps.Select(step => step.Action));
        Assert.Equal("pyautogui.hotkey(keys=['ctrl', 'shift', 't'])", steps[0].Code);
        Assert.Equal("ctrl+shift+t", steps[0].Keys);
        Assert.Equal("pyautogui.hotkey(keys=['alt', 'tab'])", steps[1].Code);
        Assert.Equal("a", steps[2].Text);
    }

    [Fact]
    public void The_win_key_alone_is_a_press_and_non_text_keys_are_presses()
    {
        RecordScript script = new RecordScript().Chord(LeftGui).Tap(Left).Tap(Backspace);

        Assert.Equal(["pyautogui.press(keys='win')", "pyautogui.press(keys='left')", "pyautogui.press(keys='backspace')"], Steps(script).Select(step => step.Code));
    }

    [Fact]
    public void The_layout_decides_the_text_german_swaps_y_and_z_and_has_altgr()
    {
        RecordScript script = new RecordScript().Tap(Z).Tap(Y).Tap(Minus).Key(RightAlt, true).Tap(0x14).Key(RightAlt, false);

        Assert.Equal("yzß@", Assert.Single(Steps(script, KeyboardLayout.Get("de"))).Text);
        // On a US layout right Alt is plain Alt: the same keys type "zy-" and then a hotkey.
        Assert.Equal(["pyautogui.write(message='zy-')", "pyautogui.hotkey(keys=['alt', 'q'])"], Steps(script, KeyboardLayout.Get("us")).Select(step => step.Code));
    }

    [Fact]
    public void Quotes_and_backslashes_are_escaped_in_the_python_code()
    {
        RecordScript script = new RecordScript().Tap(0x34).Tap(0x31).Shifted(0x34);

        StepRow step = Assert.Single(Steps(script));

        Assert.Equal("'\\\"", step.Text);
        Assert.Equal("pyautogui.write(message='\\'\\\\\"')", step.Code);
    }

    [Fact]
    public void A_press_and_release_in_place_is_a_click_two_close_ones_a_double_click_right_is_right_click()
    {
        RecordScript script = new RecordScript()
            .Mouse(MouseButtons.None, dx: 192, dy: -108)
            .Mouse(MouseButtons.Left).Mouse(MouseButtons.None).Wait(100).Mouse(MouseButtons.Left).Mouse(MouseButtons.None)
            .Wait(900)
            .Mouse(MouseButtons.Right).Mouse(MouseButtons.None)
            .Wait(900)
            .Mouse(MouseButtons.Left).Mouse(MouseButtons.None);

        List<StepRow> steps = Steps(script);

        Assert.Equal(["doubleClick", "rightClick", "click"], steps.Select(step => step.Action));
        Assert.Equal("pyautogui.doubleClick(x=0.6, y=0.4)", steps[0].Code);
        Assert.Equal("pyautogui.rightClick(x=0.6, y=0.4)", steps[1].Code);
        Assert.Equal((0.6, 0.4), (steps[2].X!.Value, steps[2].Y!.Value));
    }

    [Fact]
    public void Motion_with_the_button_held_is_a_drag_from_start_to_end()
    {
        RecordScript script = new RecordScript().Mouse(MouseButtons.Left).Mouse(MouseButtons.Left, dx: 96).Mouse(MouseButtons.Left, dx: 96, dy: 54).Mouse(MouseButtons.None);

        StepRow step = Assert.Single(Steps(script));

        Assert.Equal("drag", step.Action);
        Assert.Equal("pyautogui.moveTo(x=0.5, y=0.5)\npyautogui.dragTo(x=0.6, y=0.55, button='left')", step.Code);
    }

    [Fact]
    public void Wheel_runs_become_one_scroll_and_pan_an_hscroll()
    {
        RecordScript script = new RecordScript().Mouse(MouseButtons.None, wheel: -1).Mouse(MouseButtons.None, wheel: -2).Wait(100).Mouse(MouseButtons.None, pan: 2).Wait(1000).Mouse(MouseButtons.None, wheel: 1);

        Assert.Equal(["pyautogui.scroll(-3)", "pyautogui.hscroll(2)", "pyautogui.scroll(1)"], Steps(script).Select(step => step.Code));
    }

    [Fact]
    public void Motion_no_click_follows_is_a_move_to_and_motion_before_a_click_is_part_of_it()
    {
        RecordScript script = new RecordScript()
            .Mouse(MouseButtons.None, dx: -480).Wait(1500)
            .Mouse(MouseButtons.None, dx: 96).Wait(200).Mouse(MouseButtons.Left).Mouse(MouseButtons.None);

        List<StepRow> steps = Steps(script);

        Assert.Equal(["pyautogui.moveTo(x=0.25, y=0.5)", "pyautogui.click(x=0.3, y=0.5)"], steps.Select(step => step.Code));
    }

    [Fact]
    public void Estimated_coordinates_are_clamped_to_the_screen()
    {
        RecordScript script = new RecordScript().Mouse(MouseButtons.None, dx: 5000, dy: -5000).Mouse(MouseButtons.None, dx: -10, dy: 10);

        List<EventRow> moves = MemorySink.Translate(script.Records).Events;

        Assert.Equal([(1919, 0), (1909, 10)], moves.Select(row => (row.X!.Value, row.Y!.Value)));
        Assert.All(moves, row => Assert.Equal(CoordinateSource.Estimated, row.CoordinateSource));
    }

    [Fact]
    public void Privacy_and_lock_screen_markers_become_content_free_events_and_forget_none()
    {
        RecordScript script = new RecordScript()
            .Marker(MarkerKind.PrivacyReleased)
            .Tap(A)
            .Marker(MarkerKind.LockScreenSuppressionStarted, value: 1)
            .Marker(MarkerKind.LockScreenSuppressionEnded, value: 1, detail: 7)
            .Marker(MarkerKind.Forget, value: 123, detail: 2)
            .Marker(MarkerKind.PrivacyEngaged);

        MemorySink sink = MemorySink.Translate(script.Records);

        Assert.Equal(["resume", "press", "release", "suppressed", "suppressed", "pause"], sink.Events.Select(row => row.Action));
        Assert.All(sink.Events.Where(row => row.Action == "suppressed"), row =>
        {
            Assert.Null(row.Key);
            Assert.Null(row.UsageId);
            Assert.Null(row.DeltaX);
        });
        Assert.Equal(["lock_screen_begin", "lock_screen_end"], sink.Events.Where(row => row.Action == "suppressed").Select(row => row.Marker));
    }

    [Fact]
    public void Typing_does_not_continue_across_a_pause()
    {
        RecordScript script = new RecordScript().Tap(A).Marker(MarkerKind.PrivacyEngaged).Marker(MarkerKind.PrivacyReleased).Tap(S);

        Assert.Equal(["a", "s"], Steps(script).Select(step => step.Text));
    }

    [Fact]
    public void Wall_clock_times_come_from_the_segment_anchor()
    {
        RecordScript script = new RecordScript().Tap(D);

        EventRow press = MemorySink.Translate(script.Records).Events[0];

        Assert.Equal(1_750_000_000_000_000_000 + press.TimeNanoseconds, press.WallClockNanoseconds);
        Assert.Equal(("d", 7, D), (press.Key, press.UsagePage, press.UsageId));
    }
}
