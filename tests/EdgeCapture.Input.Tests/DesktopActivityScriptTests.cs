using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;

namespace EdgeCapture.Input.Tests;

public sealed class DesktopActivityScriptTests
{
    [Fact]
    public void The_same_seed_gives_the_same_script_and_a_different_seed_a_different_one()
    {
        DesktopActivityScript first = DesktopActivityScript.CreateDefault(42, TimeSpan.FromSeconds(60));
        DesktopActivityScript second = DesktopActivityScript.CreateDefault(42, TimeSpan.FromSeconds(60));
        DesktopActivityScript other = DesktopActivityScript.CreateDefault(43, TimeSpan.FromSeconds(60));

        Assert.Equal(first.Actions.Select(Describe), second.Actions.Select(Describe));
        Assert.NotEqual(first.Actions.Select(Describe), other.Actions.Select(Describe));
    }

    [Fact]
    public void The_default_script_covers_every_kind_of_activity_in_order_and_on_screen()
    {
        DesktopActivityScript script = DesktopActivityScript.CreateDefault(7, TimeSpan.FromSeconds(120));

        foreach (SimulatedActionKind kind in Enum.GetValues<SimulatedActionKind>())
        {
            Assert.Contains(script.Actions, action => action.Kind == kind);
        }

        Assert.Contains(script.Actions, action => action.Kind == SimulatedActionKind.TypeText && action.Text.Any(char.IsUpper));
        for (int index = 1; index < script.Actions.Count; index++)
        {
            Assert.True(script.Actions[index].At >= script.Actions[index - 1].End, $"action {index} overlaps the previous one");
        }

        Assert.All(script.Actions, action => Assert.True(action.End <= script.Length));
        for (TimeSpan at = TimeSpan.Zero; at <= script.Length; at += TimeSpan.FromMilliseconds(50))
        {
            (int x, int y) = script.PointerPositionAt(at);
            Assert.InRange(x, 0, DesktopActivityScript.ScreenWidth - 1);
            Assert.InRange(y, 0, DesktopActivityScript.ScreenHeight - 1);
        }
    }

    [Fact]
    public void A_short_script_still_fills_its_length_with_actions_that_fit()
    {
        DesktopActivityScript script = DesktopActivityScript.CreateDefault(3, TimeSpan.FromSeconds(6));
        Assert.True(script.Actions.Count >= 6);
        Assert.All(script.Actions, action => Assert.True(action.End <= script.Length));
        Assert.True(script.Actions[^1].End > TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Typed_text_becomes_shifted_key_presses_each_followed_by_a_report()
    {
        var script = new DesktopActivityScript([SimulatedAction.TypeText(TimeSpan.FromMilliseconds(10), "Hi!", TimeSpan.FromMilliseconds(300))], TimeSpan.FromSeconds(1));
        IReadOnlyList<EvdevEvent> events = DesktopActivityEvdev.KeyboardEvents(script, 5_000_000_000);

        var keys = events.Where(e => e.Type == EventTypes.Key).Select(e => (e.Code, e.Value)).ToList();
        Assert.Equal(
            [
                (KeyCodes.LeftShift, 1), (KeyCodes.H, 1), (KeyCodes.H, 0), (KeyCodes.LeftShift, 0),
                (KeyCodes.I, 1), (KeyCodes.I, 0),
                (KeyCodes.LeftShift, 1), (KeyCodes.Digit1, 1), (KeyCodes.Digit1, 0), (KeyCodes.LeftShift, 0),
            ],
            keys);
        for (int index = 0; index < events.Count; index += 2)
        {
            Assert.Equal(EventTypes.Synchronization, events[index + 1].Type);
            Assert.Equal(events[index].TimestampNanoseconds, events[index + 1].TimestampNanoseconds);
        }

        Assert.Equal(5_010_000_000, events[0].TimestampNanoseconds);
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.First.TimestampNanoseconds <= pair.Second.TimestampNanoseconds));
    }

    [Fact]
    public void Mouse_moves_add_up_exactly_and_scrolls_carry_high_resolution_units()
    {
        var script = new DesktopActivityScript(
            [
                SimulatedAction.MouseMove(TimeSpan.Zero, 1001, -333, TimeSpan.FromMilliseconds(97)),
                SimulatedAction.MouseButton(TimeSpan.FromMilliseconds(100), SimulatedMouseButton.Left, true),
                SimulatedAction.MouseButton(TimeSpan.FromMilliseconds(150), SimulatedMouseButton.Left, false),
                SimulatedAction.Scroll(TimeSpan.FromMilliseconds(200), -3, 1, TimeSpan.FromMilliseconds(160)),
            ],
            TimeSpan.FromSeconds(1));
        IReadOnlyList<EvdevEvent> events = DesktopActivityEvdev.MouseEvents(script, 0);

        Assert.Equal(1001, events.Where(e => e.Type == EventTypes.Relative && e.Code == RelativeAxes.X).Sum(e => e.Value));
        Assert.Equal(-333, events.Where(e => e.Type == EventTypes.Relative && e.Code == RelativeAxes.Y).Sum(e => e.Value));
        Assert.Equal(-3, events.Where(e => e.Code == RelativeAxes.Wheel && e.Type == EventTypes.Relative).Sum(e => e.Value));
        Assert.Equal(-360, events.Where(e => e.Code == RelativeAxes.WheelHighResolution && e.Type == EventTypes.Relative).Sum(e => e.Value));
        Assert.Equal(120, events.Where(e => e.Code == RelativeAxes.HorizontalWheelHighResolution && e.Type == EventTypes.Relative).Sum(e => e.Value));
        Assert.Equal([1, 0], events.Where(e => e.Type == EventTypes.Key && e.Code == ButtonCodes.Left).Select(e => e.Value));
        Assert.Equal(EventTypes.Synchronization, events[^1].Type);
        Assert.Equal((1001, -333), script.PointerPositionAt(TimeSpan.FromSeconds(1)) is var (x, y) ? (x - 960, y - 540) : default);
    }

    [Fact]
    public void Every_printable_ascii_character_can_be_typed()
    {
        for (char character = ' '; character <= '~'; character++)
        {
            Assert.True(UsKeyboardLayout.TryGetKey(character, out ushort keyCode, out _), $"'{character}'");
            Assert.NotEqual(0, keyCode);
        }

        Assert.False(UsKeyboardLayout.TryGetKey('é', out _, out _));
    }

    private static string Describe(SimulatedAction action) =>
        $"{action.At}|{action.Kind}|{action.Duration}|{action.Text}|{string.Join(',', action.KeyCodes)}|{action.DeltaX}|{action.DeltaY}|{action.Button}|{action.IsPress}|{action.WheelDetents}|{action.PanDetents}";
}
