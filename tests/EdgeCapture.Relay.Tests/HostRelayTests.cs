using EdgeCapture.Linux;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using static EdgeCapture.Relay.Tests.Events;
using static EdgeCapture.Relay.Tests.Reports;

namespace EdgeCapture.Relay.Tests;

public sealed unsafe class HostRelayTests
{
    [Fact]
    public void Host_led_output_reaches_every_keyboard()
    {
        using var rig = new RelayRig();
        string firstLeds = Fifo.Create(rig.Combine("leds1"));
        string secondLeds = Fifo.Create(rig.Combine("leds2"));
        rig.AddDevice("event-keyboard1", InputDeviceKind.Keyboard, firstLeds);
        rig.AddDevice("event-keyboard2", InputDeviceKind.Keyboard, secondLeds);
        rig.AddDevice("event-mouse", InputDeviceKind.Mouse, rig.Combine("mouse-leds"));
        int firstReader = Interop.Open(firstLeds, Interop.O_RDONLY | Interop.O_NONBLOCK, 0);
        int secondReader = Interop.Open(secondLeds, Interop.O_RDONLY | Interop.O_NONBLOCK, 0);
        int host = Fifo.OpenReadWrite(rig.LedInputPath);
        try
        {
            // The host turns Caps Lock on, then Num Lock too.
            Fifo.WriteAll(host, [0x02]);
            Assert.Equal([(EventTypes.Led, 0, 0), (EventTypes.Led, 1, 1), (EventTypes.Led, 2, 0), (EventTypes.Led, 3, 0), (EventTypes.Led, 4, 0), (EventTypes.Synchronization, 0, 0)], ReadEvents(firstReader, 6));
            Assert.Equal([(EventTypes.Led, 0, 0), (EventTypes.Led, 1, 1), (EventTypes.Led, 2, 0), (EventTypes.Led, 3, 0), (EventTypes.Led, 4, 0), (EventTypes.Synchronization, 0, 0)], ReadEvents(secondReader, 6));
            Fifo.WriteAll(host, [0x03]);
            Assert.Equal((EventTypes.Led, 0, 1), ReadEvents(firstReader, 6)[0]);
            Assert.Equal((EventTypes.Led, 0, 1), ReadEvents(secondReader, 6)[0]);
            Assert.Equal(2, rig.Relay.Counters.LedReports);
            Assert.Equal(0, new FileInfo(rig.Combine("mouse-leds")).Length);
        }
        finally
        {
            Interop.Close(firstReader);
            Interop.Close(secondReader);
            Interop.Close(host);
        }
    }

    [Fact]
    public void After_eshutdown_the_state_is_kept_and_resent_when_the_udc_is_configured_again()
    {
        SwitchableHostEndpoint? endpoint = null;
        using var rig = new RelayRig(wrapKeyboard: inner => endpoint = new SwitchableHostEndpoint(inner));
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        keyboard.Write(Tap(KeyCodes.A));
        Assert.Equal(Keyboard(0, 0x04), Hex(rig.KeyboardHost.Next()));
        Assert.Equal(Keyboard(0), Hex(rig.KeyboardHost.Next()));
        rig.Sink.WaitFor("frame", 2); // the tap's two frames: no stale signal may stand in for a later frame

        // The host goes to sleep; the user keeps typing and is holding Shift and B when it wakes.
        endpoint!.HostAbsent = true;
        File.WriteAllText(rig.UdcStatePath, "suspended\n");
        keyboard.Write([.. Tap(KeyCodes.C), Key(KeyCodes.LeftShift, 1), Report(), Key(KeyCodes.B, 1), Report(), .. Tap(KeyCodes.D), Key(KeyCodes.LeftAlt, 1), Report()]);
        rig.Sink.WaitFor("frame", 7);
        Assert.True(SpinWait.SpinUntil(() => rig.Relay.Counters.Shutdowns >= 1, TimeSpan.FromSeconds(30)), "hang guard");

        // Polls of the UDC state while it is not configured change nothing.
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        endpoint.HostAbsent = false;
        keyboard.Write(Key(KeyCodes.LeftAlt, 0), Report());
        rig.Sink.WaitFor("frame");

        // The host is back: the state of the moment (Shift and B held) is sent, nothing typed meanwhile is replayed.
        File.WriteAllText(rig.UdcStatePath, "configured\n");
        rig.Time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(Keyboard(0x02, 0x05), Hex(rig.KeyboardHost.Next()));
        keyboard.Write(Key(KeyCodes.B, 0), Report(), Key(KeyCodes.LeftShift, 0), Report());
        rig.Finish();

        Assert.Equal([Keyboard(0x02), Keyboard(0), Keyboard(0)], rig.KeyboardHost.ReadToEnd().Select(Hex));
        Assert.Equal(1, rig.Relay.Counters.Resynchronisations);
    }

    [Fact]
    public void Every_relayed_event_is_offered_to_the_tap_and_a_full_tap_never_holds_up_the_relay()
    {
        var tap = new InputTap(6);
        using var rig = new RelayRig(tap: tap);
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        SimulatedDevice mouse = rig.AddDevice("event-mouse", InputDeviceKind.Mouse);
        keyboard.Write(Key(KeyCodes.H, 1), Report(), Key(KeyCodes.H, 2), Report(), Key(KeyCodes.H, 0), Report());
        Assert.Equal(Keyboard(0, 0x0B), Hex(rig.KeyboardHost.Next()));
        Assert.Equal(Keyboard(0), Hex(rig.KeyboardHost.Next()));
        mouse.Write(Rel(RelativeAxes.X, 5), Report());
        Assert.Equal("00050000000000", Hex(rig.MouseHost.Next()));
        keyboard.Write([.. Tap(KeyCodes.I), .. Tap(KeyCodes.J)]);
        rig.Finish();

        Assert.Equal([Keyboard(0, 0x0C), Keyboard(0), Keyboard(0, 0x0D), Keyboard(0), Keyboard(0)], rig.KeyboardHost.ReadToEnd().Select(Hex));
        var offered = new List<InputTapEvent>();
        while (tap.Reader.TryRead(out InputTapEvent inputEvent))
        {
            offered.Add(inputEvent);
        }

        Assert.Equal(
            [(InputDeviceKind.Keyboard, EventTypes.Key, KeyCodes.H, 1), (InputDeviceKind.Keyboard, EventTypes.Synchronization, SynchronizationCodes.Report, 0), (InputDeviceKind.Keyboard, EventTypes.Key, KeyCodes.H, 0), (InputDeviceKind.Keyboard, EventTypes.Synchronization, SynchronizationCodes.Report, 0), (InputDeviceKind.Mouse, EventTypes.Relative, RelativeAxes.X, 5), (InputDeviceKind.Mouse, EventTypes.Synchronization, SynchronizationCodes.Report, 0)],
            offered.Select(e => (e.DeviceKind, e.Type, e.Code, e.Value)));
        Assert.Equal(8, tap.DroppedEventCount);
        Assert.Equal(8, rig.Relay.DroppedForRecording);
        Assert.Single(offered.Select(e => e.SourceDeviceId).Where((id, index) => index < 4).Distinct());
        Assert.True(offered.Zip(offered.Skip(1)).All(pair => pair.First.MonotonicNanoseconds <= pair.Second.MonotonicNanoseconds));
    }

    private static List<(ushort Type, int Code, int Value)> ReadEvents(int fileDescriptor, int count)
    {
        int size = InputEventCodec.EventSize;
        byte[] buffer = new byte[count * size];
        int filled = 0;
        int pollsLeft = 300; // hang guard: 300 x 100 ms
        while (filled < buffer.Length)
        {
            var entry = new PollFileDescriptor { fd = fileDescriptor, events = Interop.POLLIN };
            if (Interop.Poll(&entry, 1, 100) == 0)
            {
                Assert.True(--pollsLeft > 0, "no LED events arrived");
                continue;
            }

            fixed (byte* pointer = buffer)
            {
                nint read = Interop.Read(fileDescriptor, pointer + filled, buffer.Length - filled);
                if (read > 0)
                {
                    filled += (int)read;
                }
            }
        }

        return Enumerable.Range(0, count)
            .Select(index => InputEventCodec.TryDecode(buffer.AsSpan(index * size), out EvdevEvent e) ? (e.Type, (int)e.Code, e.Value) : default)
            .ToList();
    }
}
