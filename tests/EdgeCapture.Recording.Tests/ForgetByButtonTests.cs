using System.Device.Gpio;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Tests;

/// <summary>Forget as the employee meant it: measured back from the button edge, in monotonic time, whatever the wall clock did.</summary>
public sealed class ForgetByButtonTests
{
    [Fact]
    public void A_button_edge_forgets_its_window_in_monotonic_time_after_a_wall_clock_step_and_a_late_request()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(1) });
        rig.Tap(KeyCodes.Z);
        rig.Advance(TimeSpan.FromSeconds(2));
        rig.Advance(TimeSpan.FromMinutes(3));

        // Inside the window measured from the press (100 s before it), sealed and stored.
        rig.Tap(KeyCodes.A);
        rig.Advance(TimeSpan.FromSeconds(100));
        int sealedBeforePress = rig.Sealed.Count;
        Assert.True(sealedBeforePress >= 2);

        // NTP steps the wall clock forward by three hours between the seal and the press.
        rig.WallClock.Step = TimeSpan.FromHours(3);
        rig.Driver.SetExternalLevel(RecorderRig.ButtonLine, PinValue.Low);
        rig.Advance(TimeSpan.FromMilliseconds(200));
        rig.Driver.SetExternalLevel(RecorderRig.ButtonLine, PinValue.High);
        rig.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(rig.Hardware.ForgetRequests.TryRead(out ForgetRequest request));

        // The request is carried out 90 s after the press: measured from then, A would be outside the 2-minute window.
        rig.Advance(TimeSpan.FromSeconds(90));
        ForgetOutcome outcome = rig.Core.Forget(request.PressedAtNanoseconds, request.Window);
        rig.Tap(KeyCodes.B);
        rig.Finish();

        Assert.True(outcome.Deleted >= 1);
        List<SegmentRecord> records = rig.DecryptAll().SelectMany(segment => segment.Contents.Records).ToList();
        Assert.Equal([0x1D, 0x1D, 0x05, 0x05], records.OfType<KeyRecord>().Select(key => key.Usage.Id));
    }
}
