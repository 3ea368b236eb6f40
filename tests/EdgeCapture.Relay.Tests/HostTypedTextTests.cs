using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Relay.Simulation;

namespace EdgeCapture.Relay.Tests;

/// <summary>The simulated host's text field, read from raw boot-keyboard reports (usages from HUT 1.4, section 10).</summary>
public sealed class HostTypedTextTests
{
    private const byte H = 0x0B, I = 0x0C, C = 0x06, One = 0x1E, Space = 0x2C;
    private const byte LeftShift = 0x02, LeftControl = 0x01;

    private static byte[] Report(byte modifiers, params byte[] keys)
    {
        var report = new byte[8];
        report[0] = modifiers;
        keys.CopyTo(report, 2);
        return report;
    }

    private static string Typed(params byte[][] reports)
    {
        var text = new HostTypedText();
        foreach (byte[] report in reports)
        {
            text.Add(report);
        }

        return text.Text;
    }

    [Fact]
    public void Shift_types_the_shifted_character_and_a_key_types_once_on_its_first_report()
    {
        string text = Typed(
            Report(LeftShift), Report(LeftShift, H), Report(LeftShift, H), Report(0),
            Report(0, I), Report(0, I, Space), Report(0, Space), Report(0),
            Report(LeftShift, One), Report(0));

        Assert.Equal("Hi !", text);
    }

    [Fact]
    public void Shortcuts_type_nothing_and_a_key_held_through_the_release_of_ctrl_is_not_typed()
    {
        string text = Typed(Report(LeftControl), Report(LeftControl, C), Report(0, C), Report(0), Report(0, H), Report(0));

        Assert.Equal("h", text);
    }

    [Fact]
    public void Rollover_reports_keep_the_previous_state()
    {
        string text = Typed(Report(0, H), Report(0, 1, 1, 1, 1, 1, 1), Report(0, H, I), Report(0));

        Assert.Equal("hi", text);
    }

    [Fact]
    public void Sentences_count_only_in_order_and_whole()
    {
        Assert.Equal(2, HostTypedText.CountInOrder("xx Hello there. yy Fine!", ["Hello there.", "Fine!"]));
        Assert.Equal(1, HostTypedText.CountInOrder("Fine! Hello there.", ["Hello there.", "Fine!", "Never"]));
        Assert.Equal(0, HostTypedText.CountInOrder("Hello thre.", ["Hello there."]));
    }
}

/// <summary>The relay simulation's end-to-end typing check: script sentences through the real reader and writer to the host's text field.</summary>
public sealed class RelaySimulationTypingTests
{
    [Fact]
    public async Task Every_typed_sentence_reaches_the_simulated_host_in_order_and_shortcuts_type_nothing()
    {
        var script = new DesktopActivityScript(
            [
                SimulatedAction.TypeText(TimeSpan.FromMilliseconds(100), "Hello, World! Ready?", TimeSpan.FromMilliseconds(1200)),
                SimulatedAction.KeyChord(TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(100), KeyCodes.LeftCtrl, KeyCodes.C),
                SimulatedAction.TypeText(TimeSpan.FromMilliseconds(1800), "~tilde_and (parens) {braces}", TimeSpan.FromMilliseconds(1500)),
            ],
            TimeSpan.FromSeconds(3.6));

        RelaySimulationResult result = await RelaySimulation.RunAsync(script, 4, _ => { }, TimeProvider.System, null, CancellationToken.None);

        Assert.Equal(new RelayTypingCheck(2, 2, "Hello, World! Ready?".Length + "~tilde_and (parens) {braces}".Length, "~tilde_and (parens) {braces}"), result.Typing);
        Assert.True(result.Typing.IsIntact);
    }
}
