using System.Buffers.Binary;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using static EdgeCapture.Relay.Tests.Events;
using static EdgeCapture.Relay.Tests.Reports;

namespace EdgeCapture.Relay.Tests;

public sealed class MouseRelayTests
{
    [Fact]
    public void Motion_and_buttons_become_mouse_reports()
    {
        using var rig = new RelayRig();
        SimulatedDevice mouse = rig.AddDevice("event-mouse", InputDeviceKind.Mouse);
        mouse.Write(Rel(RelativeAxes.X, 12), Rel(RelativeAxes.Y, -3), Report());
        Assert.Equal("000C00FDFF0000", Hex(rig.MouseHost.Next()));
        mouse.Write(Key(ButtonCodes.Left, 1), Report(), Key(ButtonCodes.Right, 1), Rel(RelativeAxes.X, -1), Report());
        Assert.Equal("01000000000000", Hex(rig.MouseHost.Next()));
        Assert.Equal("03FFFF00000000", Hex(rig.MouseHost.Next()));
        mouse.Write(Key(ButtonCodes.Side, 1), Report(), Key(ButtonCodes.Extra, 1), Report(), Key(ButtonCodes.Side, 0), Key(ButtonCodes.Extra, 0), Key(ButtonCodes.Left, 0), Key(ButtonCodes.Right, 0), Report());
        rig.Finish();

        Assert.Equal(["0B000000000000", "1B000000000000", "00000000000000", "00000000000000"], rig.MouseHost.ReadToEnd().Select(Hex));
    }

    [Fact]
    public void Wheel_and_high_resolution_wheel_are_each_counted_once()
    {
        using var rig = new RelayRig();
        SimulatedDevice plain = rig.AddDevice("event-mouse1", InputDeviceKind.Mouse);

        // Frames written together may be coalesced into one report, so each waits for its report.
        plain.Write(Rel(RelativeAxes.Wheel, 1), Report());
        Assert.Equal("00000000000100", Hex(rig.MouseHost.Next()));
        plain.Write(Rel(RelativeAxes.Wheel, -2), Report());
        Assert.Equal("0000000000FE00", Hex(rig.MouseHost.Next()));
        plain.Write(Rel(RelativeAxes.HorizontalWheel, 1), Report());
        Assert.Equal("00000000000001", Hex(rig.MouseHost.Next()));

        // A high-resolution mouse: half a detent, then the other half with the legacy REL_WHEEL the kernel adds.
        SimulatedDevice fine = rig.AddDevice("event-mouse2", InputDeviceKind.Mouse);
        fine.Write(Rel(RelativeAxes.WheelHighResolution, 60), Report(), Rel(RelativeAxes.WheelHighResolution, 60), Rel(RelativeAxes.Wheel, 1), Report());
        Assert.Equal("00000000000100", Hex(rig.MouseHost.Next()));
        fine.Write(Rel(RelativeAxes.WheelHighResolution, -240), Rel(RelativeAxes.Wheel, -2), Report());
        Assert.Equal("0000000000FE00", Hex(rig.MouseHost.Next()));
        fine.Write(Rel(RelativeAxes.HorizontalWheelHighResolution, 30), Report(), Rel(RelativeAxes.HorizontalWheelHighResolution, 90), Rel(RelativeAxes.HorizontalWheel, 1), Report());
        Assert.Equal("00000000000001", Hex(rig.MouseHost.Next()));
        fine.Write(Rel(RelativeAxes.WheelHighResolution, 100), Report(), Rel(RelativeAxes.X, 1), Report());
        rig.Finish();

        // 100 of 120 units is less than a detent: it stays behind, only the motion goes out.
        Assert.Equal(["00010000000000", "00000000000000"], rig.MouseHost.ReadToEnd().Select(Hex));
    }

    [Fact]
    public void A_1000_hz_mouse_with_large_deltas_loses_no_motion_and_no_key_transition_while_the_host_is_not_reading()
    {
        // One page of pipe per endpoint: a host that stops polling fills it within a few hundred reports.
        using var rig = new RelayRig(pipeSize: 4096, hostsReading: false);
        SimulatedDevice mouse = rig.AddDevice("event-mouse", InputDeviceKind.Mouse);
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        var random = new Random(1234);
        long sumX = 0, sumY = 0, sumWheel = 0;
        var buttonStates = new List<(byte Buttons, long X, long Y)>();
        byte buttons = 0;
        var events = new List<EvdevEvent>();
        for (int millisecond = 0; millisecond < 4000; millisecond++)
        {
            int dx = random.Next(-30_000, 30_001);
            int dy = random.Next(-30_000, 30_001);
            events.Add(Rel(RelativeAxes.X, dx));
            events.Add(Rel(RelativeAxes.Y, dy));
            if (millisecond % 97 == 0)
            {
                events.Add(Rel(RelativeAxes.Wheel, 3));
                sumWheel += 3;
            }

            if (millisecond % 250 == 0)
            {
                // The motion of a frame that changes a button is reported with the new button state.
                buttons ^= 1;
                events.Add(Key(ButtonCodes.Left, buttons & 1));
                buttonStates.Add((buttons, sumX, sumY));
            }

            events.Add(Report());
            sumX += dx;
            sumY += dy;
        }

        mouse.Write([.. events]);
        var typed = new List<string>();
        for (int index = 0; index < 700; index++)
        {
            ushort key = (ushort)(KeyCodes.Q + index % 10);
            keyboard.Write(Tap(key));
            typed.Add(Keyboard(0, (byte)KeyboardUsageOf(key)));
            typed.Add(Keyboard(0));
        }

        // Everything is read and translated while the host takes nothing.
        mouse.Unplug();
        keyboard.Unplug();
        rig.Sink.WaitFor("removed", 2);
        Assert.True(rig.Relay.Counters.WouldBlock > 0);

        rig.MouseHost.StartReading();
        rig.KeyboardHost.StartReading();
        rig.ConsumerHost.StartReading();
        rig.Stop();
        List<byte[]> mouseReports = rig.MouseHost.ReadToEnd();
        List<byte[]> keyboardReports = rig.KeyboardHost.ReadToEnd();

        Assert.Equal([.. typed, Keyboard(0)], keyboardReports.Select(Hex));
        Assert.Equal(sumX, mouseReports.Sum(report => (long)BinaryPrimitives.ReadInt16LittleEndian(report.AsSpan(1))));
        Assert.Equal(sumY, mouseReports.Sum(report => (long)BinaryPrimitives.ReadInt16LittleEndian(report.AsSpan(3))));
        Assert.Equal(sumWheel, mouseReports.Sum(report => (long)(sbyte)report[5]));
        Assert.True(mouseReports.Count < events.Count(e => e.Type == EventTypes.Synchronization), "motion was coalesced");

        // Every button transition is there, in order, with exactly the motion that came before it.
        var transitions = new List<(byte Buttons, long X, long Y)>();
        long x = 0, y = 0;
        byte previous = 0;
        foreach (byte[] report in mouseReports)
        {
            if (report[0] != previous)
            {
                transitions.Add((report[0], x, y));
                previous = report[0];
            }

            x += BinaryPrimitives.ReadInt16LittleEndian(report.AsSpan(1));
            y += BinaryPrimitives.ReadInt16LittleEndian(report.AsSpan(3));
        }

        Assert.Equal(buttonStates, transitions);
        Assert.Equal(0, rig.Relay.Counters.QueueOverflows);
    }

    private static int KeyboardUsageOf(ushort key) => key switch
    {
        KeyCodes.Q => 0x14,
        KeyCodes.W => 0x1A,
        KeyCodes.E => 0x08,
        KeyCodes.R => 0x15,
        KeyCodes.T => 0x17,
        KeyCodes.Y => 0x1C,
        KeyCodes.U => 0x18,
        KeyCodes.I => 0x0C,
        KeyCodes.O => 0x12,
        KeyCodes.P => 0x13,
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };
}
