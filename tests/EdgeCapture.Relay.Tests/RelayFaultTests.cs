using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Relay.Gadget;
using EdgeCapture.Linux;
using static EdgeCapture.Relay.Tests.Events;
using static EdgeCapture.Relay.Tests.Reports;

namespace EdgeCapture.Relay.Tests;

/// <summary>The relay's fault paths: queue overflow, EIO and short writes, a missing endpoint, a host that never reads, ESHUTDOWN on the mouse and consumer control.</summary>
public sealed class RelayFaultTests
{
    private const byte LeftShift = 0x02;
    private static readonly string Released = Keyboard(0);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_keyboard_queue_overflow_sends_all_released_then_the_true_state_and_nothing_out_of_order_before_it()
    {
        using var rig = new RelayRig(pipeSize: 4096, hostsReading: false, options: new HidRelayOptions { KeyboardQueueCapacity = 8 });
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);

        // Shift held through a storm of 700 taps: 1,401 reports against a 512-report pipe and an 8-report queue.
        ushort[] letters = [KeyCodes.A, KeyCodes.C, KeyCodes.D, KeyCodes.E, KeyCodes.F];
        byte[] usages = [0x04, 0x06, 0x07, 0x08, 0x09];
        var typed = new List<EvdevEvent> { Key(KeyCodes.LeftShift, 1), Report() };
        var expected = new List<string> { Keyboard(LeftShift) };
        for (int tap = 0; tap < 700; tap++)
        {
            typed.AddRange(Tap(letters[tap % letters.Length]));
            expected.AddRange([Keyboard(LeftShift, usages[tap % usages.Length]), Keyboard(LeftShift)]);
        }

        typed.AddRange([Key(KeyCodes.B, 1), Report()]);
        keyboard.Write([.. typed]);
        rig.Sink.WaitFor("frame", 1 + 1400 + 1);
        Assert.True(rig.Relay.Counters.QueueOverflows >= 1, $"overflows {rig.Relay.Counters.QueueOverflows}");

        rig.KeyboardHost.StartReading();
        var received = new List<string>();
        string trueState = Keyboard(LeftShift, 0x05);
        while (received.Count == 0 || received[^1] != trueState)
        {
            received.Add(Hex(rig.KeyboardHost.Next()));
        }

        // Before the overflow: exactly what was typed, in order. Then all-released, then only states with Shift held
        // (the true state at the overflow and what followed it), ending in Shift+B.
        int marker = received.IndexOf(Released);
        Assert.True(marker > 0, string.Join(" ", received.Take(8)));
        Assert.Equal(expected.Take(marker), received.Take(marker));
        Assert.All(received.Skip(marker + 1), report => Assert.Equal(LeftShift, Convert.FromHexString(report)[0]));
        rig.Finish();
        Assert.Equal(Released, Hex(rig.KeyboardHost.ReadToEnd()[^1]));
    }

    [Theory]
    [InlineData(-Errno.EIO)]
    [InlineData(3)]   // a short write: 3 of 8 bytes
    public void An_eio_or_short_write_is_counted_and_the_true_state_is_resent_once_the_udc_is_configured(int fault)
    {
        FaultyEndpoint? endpoint = null;
        using var rig = new RelayRig(wrapKeyboard: inner => endpoint = new FaultyEndpoint(inner));
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        keyboard.Write(Tap(KeyCodes.A));
        Assert.Equal(Keyboard(0, 0x04), Hex(rig.KeyboardHost.Next()));
        Assert.Equal(Released, Hex(rig.KeyboardHost.Next()));

        endpoint!.Fault = fault;
        keyboard.Write(Key(KeyCodes.B, 1), Report());
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.Counters.WriteErrors >= 1, HangGuard), "hang guard");
        endpoint.Fault = 0;

        rig.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Keyboard(0, 0x05), Hex(rig.KeyboardHost.Next()));
        keyboard.Write(Key(KeyCodes.B, 0), Report());
        rig.Finish();

        Assert.Equal([Released, Released], rig.KeyboardHost.ReadToEnd().Select(Hex));
        Assert.Equal(1, rig.Relay.Counters.WriteErrors);
        Assert.Equal(1, rig.Relay.Counters.Resynchronisations);
    }

    [Fact]
    public void A_missing_endpoint_counts_its_reports_and_the_others_keep_working()
    {
        using var rig = new RelayRig(withMouse: false);
        SimulatedDevice mouse = rig.AddDevice("event-mouse", InputDeviceKind.Mouse);
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        mouse.Write(Rel(RelativeAxes.X, 5), Report(), Key(ButtonCodes.Left, 1), Report(), Key(ButtonCodes.Left, 0), Report());
        rig.Sink.WaitFor("frame", 3);
        keyboard.Write(Tap(KeyCodes.Z));
        Assert.Equal(Keyboard(0, 0x1D), Hex(rig.KeyboardHost.Next()));
        Assert.Equal(Released, Hex(rig.KeyboardHost.Next()));
        rig.Finish();

        Assert.True(rig.Relay.Counters.ReportsWithoutEndpoint >= 1);
        Assert.Equal(0, rig.Relay.Counters.MouseReports);
        Assert.Equal([Released], rig.KeyboardHost.ReadToEnd().Select(Hex));
    }

    [Fact]
    public void Stop_against_a_host_that_never_reads_returns_after_the_flush_timeout_with_what_was_written_in_order()
    {
        using var rig = new RelayRig(pipeSize: 4096, hostsReading: false, options: new HidRelayOptions { StopFlushTimeout = TimeSpan.FromMilliseconds(100) });
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        var expected = new List<string>();
        var typed = new List<EvdevEvent>();
        for (int tap = 0; tap < 400; tap++)
        {
            typed.AddRange(Tap(KeyCodes.Q));
            expected.AddRange([Keyboard(0, 0x14), Released]);
        }

        keyboard.Write([.. typed]);
        rig.Sink.WaitFor("frame", 800);
        keyboard.Unplug();
        rig.WaitForRemoval();

        var stop = new Thread(rig.Stop) { IsBackground = true };
        stop.Start();
        Assert.True(stop.Join(HangGuard), "Stop waited for a host that never reads");
        rig.KeyboardHost.StartReading();
        List<string> received = [.. rig.KeyboardHost.ReadToEnd().Select(Hex)];

        Assert.InRange(received.Count, 1, expected.Count);
        Assert.Equal(expected.Take(received.Count), received);
        Assert.True(rig.Relay.Counters.KeyboardReports < expected.Count + 1);
    }

    [Fact]
    public void After_eshutdown_the_mouse_buttons_held_are_resent_and_motion_made_while_away_is_not_replayed()
    {
        SwitchableHostEndpoint? endpoint = null;
        using var rig = new RelayRig(wrapMouse: inner => endpoint = new SwitchableHostEndpoint(inner));
        SimulatedDevice mouse = rig.AddDevice("event-mouse", InputDeviceKind.Mouse);
        mouse.Write(Key(ButtonCodes.Left, 1), Report());
        Assert.Equal("01000000000000", Hex(rig.MouseHost.Next()));
        rig.Sink.WaitFor("frame"); // the press's frame: no stale signal may stand in for a later frame

        endpoint!.HostAbsent = true;
        File.WriteAllText(rig.UdcStatePath, "suspended\n");
        mouse.Write(Rel(RelativeAxes.X, 300), Report(), Key(ButtonCodes.Left, 0), Report(), Key(ButtonCodes.Right, 1), Rel(RelativeAxes.Y, -40), Report());
        rig.Sink.WaitFor("frame", 3);
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.Counters.Shutdowns >= 1, HangGuard), "hang guard");

        endpoint.HostAbsent = false;
        File.WriteAllText(rig.UdcStatePath, "configured\n");
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("02000000000000", Hex(rig.MouseHost.Next()));   // right held, no motion replayed
        mouse.Write(Key(ButtonCodes.Right, 0), Report());
        rig.Finish();

        Assert.Equal(["00000000000000", "00000000000000"], rig.MouseHost.ReadToEnd().Select(Hex));
        Assert.True(rig.Relay.Counters.Resynchronisations >= 1);
    }

    [Fact]
    public void After_eshutdown_the_consumer_key_held_is_resent_and_keys_pressed_while_away_are_not_replayed()
    {
        SwitchableHostEndpoint? endpoint = null;
        using var rig = new RelayRig(wrapConsumer: inner => endpoint = new SwitchableHostEndpoint(inner));
        SimulatedDevice media = rig.AddDevice("event-media", InputDeviceKind.ConsumerControl);
        media.Write(Key(KeyCodes.VolumeUp, 1), Report());
        Assert.Equal("E900", Hex(rig.ConsumerHost.Next()));
        rig.Sink.WaitFor("frame"); // the press's frame: no stale signal may stand in for a later frame

        endpoint!.HostAbsent = true;
        File.WriteAllText(rig.UdcStatePath, "suspended\n");
        media.Write([Key(KeyCodes.VolumeUp, 0), Report(), .. Tap(KeyCodes.PlayPause), Key(KeyCodes.Mute, 1), Report()]);
        rig.Sink.WaitFor("frame", 4);
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.Counters.Shutdowns >= 1, HangGuard), "hang guard");

        endpoint.HostAbsent = false;
        File.WriteAllText(rig.UdcStatePath, "configured\n");
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("E200", Hex(rig.ConsumerHost.Next()));   // Mute held; the play/pause tap is not replayed
        media.Write(Key(KeyCodes.Mute, 0), Report());
        rig.Finish();

        Assert.Equal(["0000", "0000"], rig.ConsumerHost.ReadToEnd().Select(Hex));
    }
}
