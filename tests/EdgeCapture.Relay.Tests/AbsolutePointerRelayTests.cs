using EdgeCapture.Hid;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using static EdgeCapture.Relay.Tests.Events;
using static EdgeCapture.Relay.Tests.Reports;

namespace EdgeCapture.Relay.Tests;

public sealed class AbsolutePointerRelayTests
{
    private static string Absolute(byte buttons, int pixelX, int pixelY, int width = 1000, int height = 500)
    {
        byte[] report = new byte[AbsolutePointerReport.ReportLength];
        AbsolutePointerReport.Write(report, buttons, AbsolutePointerReport.ToLogical(pixelX, width), AbsolutePointerReport.ToLogical(pixelY, height), 0, 0);
        return Hex(report);
    }

    [Fact]
    public void In_absolute_mode_the_box_sends_the_integrated_position_and_the_recorder_sees_it_as_ev_abs_pixels()
    {
        var tap = new InputTap(64);
        using var rig = new RelayRig(
            tap: tap,
            options: new HidRelayOptions { PointerMode = PointerMode.Absolute, ScreenWidth = 1000, ScreenHeight = 500, Acceleration = PointerAccelerationProfile.Flat });
        SimulatedDevice mouse = rig.AddDevice("event-mouse", InputDeviceKind.Mouse);

        // From the centre (500, 250): right 10, down 20, then a click there, then far past the top-left corner.
        mouse.Write(Rel(RelativeAxes.X, 10), Rel(RelativeAxes.Y, 20), Report());
        Assert.Equal(Absolute(0, 510, 270), Hex(rig.MouseHost.Next()));
        mouse.Write(Key(ButtonCodes.Left, 1), Report(), Key(ButtonCodes.Left, 0), Report());
        Assert.Equal(Absolute(1, 510, 270), Hex(rig.MouseHost.Next()));
        Assert.Equal(Absolute(0, 510, 270), Hex(rig.MouseHost.Next()));
        mouse.Write(Rel(RelativeAxes.X, -5000), Rel(RelativeAxes.Y, -5000), Report());
        Assert.Equal(Absolute(0, 0, 0), Hex(rig.MouseHost.Next()));
        rig.Finish();

        // Stop releases the buttons where the pointer is, never at a jump to (0, 0) by accident of a zeroed report.
        Assert.Equal([Absolute(0, 0, 0)], rig.MouseHost.ReadToEnd().Select(Hex));

        var offered = new List<InputTapEvent>();
        while (tap.Reader.TryRead(out InputTapEvent inputEvent))
        {
            offered.Add(inputEvent);
        }

        Assert.Equal(
            [
                (EventTypes.Relative, RelativeAxes.X, 10), (EventTypes.Relative, RelativeAxes.Y, 20),
                (EventTypes.Absolute, AbsoluteAxes.X, 510), (EventTypes.Absolute, AbsoluteAxes.Y, 270), (EventTypes.Synchronization, SynchronizationCodes.Report, 0),
                (EventTypes.Key, ButtonCodes.Left, 1), (EventTypes.Synchronization, SynchronizationCodes.Report, 0),
                (EventTypes.Key, ButtonCodes.Left, 0), (EventTypes.Synchronization, SynchronizationCodes.Report, 0),
                (EventTypes.Relative, RelativeAxes.X, -5000), (EventTypes.Relative, RelativeAxes.Y, -5000),
                (EventTypes.Absolute, AbsoluteAxes.X, 0), (EventTypes.Absolute, AbsoluteAxes.Y, 0), (EventTypes.Synchronization, SynchronizationCodes.Report, 0),
            ],
            offered.Select(e => (e.Type, e.Code, e.Value)));
    }

    [Fact]
    public void Relative_stays_the_default_and_offers_no_absolute_events()
    {
        var tap = new InputTap(16);
        using var rig = new RelayRig(tap: tap);
        SimulatedDevice mouse = rig.AddDevice("event-mouse", InputDeviceKind.Mouse);
        mouse.Write(Rel(RelativeAxes.X, 10), Report());
        Assert.Equal("000A0000000000", Hex(rig.MouseHost.Next()));
        rig.Finish();
        Assert.Equal(PointerMode.Relative, new HidRelayOptions().PointerMode);
        var types = new List<ushort>();
        while (tap.Reader.TryRead(out InputTapEvent inputEvent))
        {
            types.Add(inputEvent.Type);
        }

        Assert.DoesNotContain(EventTypes.Absolute, types);
    }
}
