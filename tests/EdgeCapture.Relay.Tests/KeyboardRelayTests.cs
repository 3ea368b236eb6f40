using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using static EdgeCapture.Relay.Tests.Events;
using static EdgeCapture.Relay.Tests.Reports;

namespace EdgeCapture.Relay.Tests;

public sealed class KeyboardRelayTests
{
    private const byte LeftCtrl = 0x01;
    private const byte LeftShift = 0x02;
    private const byte LeftAlt = 0x04;
    private static readonly string Released = Keyboard(0);

    [Fact]
    public void Typing_a_sentence_with_shifted_characters_gives_the_exact_boot_reports()
    {
        const string sentence = "Hi, World! 42?";
        using var rig = new RelayRig();
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        var script = new DesktopActivityScript([SimulatedAction.TypeText(TimeSpan.Zero, sentence, TimeSpan.FromMilliseconds(100 * sentence.Length))], TimeSpan.FromSeconds(5));
        keyboard.Write([.. DesktopActivityEvdev.KeyboardEvents(script, 1_000_000_000)]);
        rig.Finish();

        var expected = new List<string>();
        foreach (char character in sentence)
        {
            (byte usage, bool shift) = UsUsage(character);
            if (shift)
            {
                expected.AddRange([Keyboard(LeftShift), Keyboard(LeftShift, usage), Keyboard(LeftShift), Released]);
            }
            else
            {
                expected.AddRange([Keyboard(0, usage), Released]);
            }
        }

        expected.Add(Released); // all-released on stop
        Assert.Equal(expected, rig.KeyboardHost.ReadToEnd().Select(Hex));
        Assert.Equal(0, rig.Relay.Counters.UnmappedKeys);
    }

    [Fact]
    public void Modifier_chords_keep_modifiers_down_around_the_key()
    {
        using var rig = new RelayRig();
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        keyboard.Write(
            Key(KeyCodes.LeftCtrl, 1), Report(), Key(KeyCodes.LeftShift, 1), Report(), Key(KeyCodes.T, 1), Report(),
            Key(KeyCodes.T, 0), Report(), Key(KeyCodes.LeftShift, 0), Report(), Key(KeyCodes.LeftCtrl, 0), Report(),
            Key(KeyCodes.LeftAlt, 1), Key(KeyCodes.Tab, 1), Report(), Key(KeyCodes.Tab, 0), Key(KeyCodes.LeftAlt, 0), Report(),
            Key(KeyCodes.RightCtrl, 1), Key(KeyCodes.RightAlt, 1), Key(KeyCodes.Delete, 1), Report(),
            Key(KeyCodes.Delete, 0), Key(KeyCodes.RightAlt, 0), Key(KeyCodes.RightCtrl, 0), Report());
        rig.Finish();

        Assert.Equal(
            [
                Keyboard(LeftCtrl), Keyboard(LeftCtrl | LeftShift), Keyboard(LeftCtrl | LeftShift, 0x17),
                Keyboard(LeftCtrl | LeftShift), Keyboard(LeftCtrl), Released,
                Keyboard(LeftAlt), Keyboard(LeftAlt, 0x2B), Keyboard(LeftAlt), Released,
                Keyboard(0x10), Keyboard(0x50), Keyboard(0x50, 0x4C), Keyboard(0x50), Keyboard(0x10), Released,
                Released,
            ],
            rig.KeyboardHost.ReadToEnd().Select(Hex));
    }

    [Fact]
    public void Seven_keys_held_report_rollover_and_the_real_state_returns_on_release()
    {
        using var rig = new RelayRig();
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        ushort[] keys = [KeyCodes.A, KeyCodes.B, KeyCodes.C, KeyCodes.D, KeyCodes.E, KeyCodes.F, KeyCodes.G];
        foreach (ushort key in keys)
        {
            keyboard.Write(Key(key, 1), Report());
        }

        keyboard.Write(Key(KeyCodes.H, 1), Report(), Key(KeyCodes.H, 0), Report());
        foreach (ushort key in keys.Reverse())
        {
            keyboard.Write(Key(key, 0), Report());
        }

        rig.Finish();

        const byte a = 0x04, b = 0x05, c = 0x06, d = 0x07, e = 0x08, f = 0x09;
        string rollover = Keyboard(0, 1, 1, 1, 1, 1, 1);
        Assert.Equal(
            [
                Keyboard(0, a), Keyboard(0, a, b), Keyboard(0, a, b, c), Keyboard(0, a, b, c, d), Keyboard(0, a, b, c, d, e), Keyboard(0, a, b, c, d, e, f),
                rollover,
                Keyboard(0, a, b, c, d, e, f), Keyboard(0, a, b, c, d, e), Keyboard(0, a, b, c, d), Keyboard(0, a, b, c), Keyboard(0, a, b), Keyboard(0, a), Released,
                Released,
            ],
            rig.KeyboardHost.ReadToEnd().Select(Hex));
    }

    [Fact]
    public void Autorepeat_is_ignored()
    {
        using var rig = new RelayRig();
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        keyboard.Write(Key(KeyCodes.J, 1), Report());
        for (int repeat = 0; repeat < 25; repeat++)
        {
            keyboard.Write(Key(KeyCodes.J, 2), Report());
        }

        keyboard.Write(Key(KeyCodes.J, 0), Report());
        rig.Finish();

        Assert.Equal([Keyboard(0, 0x0D), Released, Released], rig.KeyboardHost.ReadToEnd().Select(Hex));
        Assert.Equal(25, rig.Reader.Counters.AutorepeatsDropped);
    }

    [Fact]
    public void Syn_dropped_discards_the_broken_frame_and_resynchronises()
    {
        using var rig = new RelayRig();
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        keyboard.Write(
            Key(KeyCodes.LeftShift, 1), Report(), Key(KeyCodes.A, 1), Report(),
            Key(KeyCodes.B, 1), Dropped(), Key(KeyCodes.A, 0), Key(KeyCodes.C, 1), Report(),
            Tap(KeyCodes.Z)[0], Tap(KeyCodes.Z)[1], Key(KeyCodes.Z, 0), Report());
        rig.Finish();

        // A stand-in has no EVIOCGKEY: the resync releases what was held (A before LeftShift, code order).
        Assert.Equal(
            [Keyboard(LeftShift), Keyboard(LeftShift, 0x04), Keyboard(LeftShift), Released, Keyboard(0, 0x1D), Released, Released],
            rig.KeyboardHost.ReadToEnd().Select(Hex));
        Assert.Equal(1, rig.Reader.Counters.SynDropped);
    }

    [Fact]
    public void An_unplugged_keyboard_has_its_held_keys_released()
    {
        using var rig = new RelayRig();
        SimulatedDevice first = rig.AddDevice("event-keyboard1", InputDeviceKind.Keyboard);
        SimulatedDevice second = rig.AddDevice("event-keyboard2", InputDeviceKind.Keyboard);
        second.Write(Key(KeyCodes.LeftShift, 1), Report());
        Assert.Equal(Keyboard(LeftShift), Hex(rig.KeyboardHost.Next()));
        first.Write(Key(KeyCodes.LeftCtrl, 1), Report(), Key(KeyCodes.C, 1), Report());
        Assert.Equal(Keyboard(LeftShift | LeftCtrl), Hex(rig.KeyboardHost.Next()));
        Assert.Equal(Keyboard(LeftShift | LeftCtrl, 0x06), Hex(rig.KeyboardHost.Next()));

        first.Unplug();
        rig.WaitForRemoval();

        // Only the unplugged keyboard's keys go up; Shift held on the other one stays down.
        Assert.Equal(Keyboard(LeftShift, 0x06), Hex(rig.KeyboardHost.Next()));
        Assert.Equal(Keyboard(LeftShift), Hex(rig.KeyboardHost.Next()));
        second.Write(Key(KeyCodes.LeftShift, 0), Report());
        rig.Finish();
        Assert.Equal([Released, Released], rig.KeyboardHost.ReadToEnd().Select(Hex));
    }

    [Fact]
    public void Two_keyboards_merge_into_one_and_a_key_held_on_both_stays_down_until_both_release()
    {
        using var rig = new RelayRig();
        SimulatedDevice first = rig.AddDevice("event-keyboard1", InputDeviceKind.Keyboard);
        SimulatedDevice second = rig.AddDevice("event-keyboard2", InputDeviceKind.Keyboard);
        first.Write(Key(KeyCodes.LeftShift, 1), Report());
        Assert.Equal(Keyboard(LeftShift), Hex(rig.KeyboardHost.Next()));
        second.Write(Tap(KeyCodes.A));
        Assert.Equal(Keyboard(LeftShift, 0x04), Hex(rig.KeyboardHost.Next()));
        Assert.Equal(Keyboard(LeftShift), Hex(rig.KeyboardHost.Next()));
        first.Write(Key(KeyCodes.LeftShift, 0), Report());
        Assert.Equal(Released, Hex(rig.KeyboardHost.Next()));

        first.Write(Key(KeyCodes.X, 1), Report());
        Assert.Equal(Keyboard(0, 0x1B), Hex(rig.KeyboardHost.Next()));
        second.Write(Key(KeyCodes.X, 1), Report(), Key(KeyCodes.Y, 1), Report());
        Assert.Equal(Keyboard(0, 0x1B, 0x1C), Hex(rig.KeyboardHost.Next()));

        // X is now held on both keyboards: the first release changes nothing, whichever keyboard it comes from.
        first.Write(Key(KeyCodes.X, 0), Report());
        second.Write(Key(KeyCodes.X, 0), Report());
        Assert.Equal(Keyboard(0, 0x1C), Hex(rig.KeyboardHost.Next()));
        second.Write(Key(KeyCodes.Y, 0), Report());
        rig.Finish();

        Assert.Equal([Released, Released], rig.KeyboardHost.ReadToEnd().Select(Hex));
    }

    [Fact]
    public void Consumer_keys_go_to_the_consumer_control_report()
    {
        using var rig = new RelayRig();
        SimulatedDevice media = rig.AddDevice("event-media", InputDeviceKind.ConsumerControl);
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        media.Write([.. Tap(KeyCodes.VolumeUp), .. Tap(KeyCodes.Mute), .. Tap(KeyCodes.PlayPause)]);
        Assert.Equal(["E900", "0000", "E200", "0000", "CD00", "0000"], Enumerable.Range(0, 6).Select(_ => Hex(rig.ConsumerHost.Next())));

        // Media keys on an ordinary keyboard take the same consumer report.
        keyboard.Write([.. Tap(KeyCodes.VolumeDown), .. Tap(KeyCodes.NextSong)]);
        rig.Finish();

        Assert.Equal(["EA00", "0000", "B500", "0000", "0000"], rig.ConsumerHost.ReadToEnd().Select(Hex));
        Assert.Equal([Released], rig.KeyboardHost.ReadToEnd().Select(Hex));
    }

    [Fact]
    public void Bad_input_is_counted_and_skipped_and_typing_continues()
    {
        using var rig = new RelayRig();
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        byte[] garbage = new byte[5 * InputEventCodec.EventSize];
        garbage.AsSpan().Fill(0xFF);
        keyboard.WriteBytes(garbage);
        keyboard.Write(new EvdevEvent(1, 0x1e, 1, 1), new EvdevEvent(1, EventTypes.Key, 0x2fe, 1), Report());
        keyboard.Write(Tap(KeyCodes.Q));
        keyboard.WriteBytes(new byte[] { 1, 2, 3 });
        rig.Finish();

        Assert.Equal([Keyboard(0, 0x14), Released, Released], rig.KeyboardHost.ReadToEnd().Select(Hex));
        Assert.Equal(5, rig.Reader.Counters.MalformedEvents);
        Assert.Equal(1, rig.Reader.Counters.IgnoredEvents);
        Assert.Equal(2, rig.Relay.Counters.UnmappedKeys); // the press, and its release when the keyboard went away
        Assert.Equal(3, rig.Reader.Counters.TruncatedBytes);
    }

    internal static (byte Usage, bool Shift) UsUsage(char character) => character switch
    {
        >= 'a' and <= 'z' => ((byte)(0x04 + character - 'a'), false),
        >= 'A' and <= 'Z' => ((byte)(0x04 + character - 'A'), true),
        >= '1' and <= '9' => ((byte)(0x1E + character - '1'), false),
        '0' => (0x27, false),
        ' ' => (0x2C, false),
        ',' => (0x36, false),
        '.' => (0x37, false),
        '!' => (0x1E, true),
        '?' => (0x38, true),
        _ => throw new ArgumentOutOfRangeException(nameof(character)),
    };
}
