using System.Device.Gpio;

namespace EdgeCapture.Privacy.Tests;

public sealed class ForgetButtonTests
{
    [Fact]
    public void A_bouncing_press_gives_one_request_stamped_at_the_first_edge()
    {
        using var rig = new PrivacyRig();
        rig.Advance(7);
        long pressedAt = rig.Now;
        Press(rig);
        rig.Advance(1);
        Release(rig);
        rig.Advance(2);
        Press(rig);
        rig.Advance(29);
        Assert.False(rig.Hardware.ForgetRequests.TryRead(out _));

        rig.Advance(1);
        Assert.True(rig.Hardware.ForgetRequests.TryRead(out ForgetRequest request));
        Assert.Equal(pressedAt, request.PressedAtNanoseconds);
        Assert.Equal(TimeSpan.FromMinutes(2), request.Window);
        Assert.Equal(pressedAt - PrivacyRig.Milliseconds(120_000), request.ForgetFromNanoseconds);
        Assert.False(rig.Hardware.ForgetRequests.TryRead(out _));
    }

    [Fact]
    public void A_glitch_shorter_than_the_debounce_is_not_a_press()
    {
        using var rig = new PrivacyRig();
        Press(rig);
        rig.Advance(10);
        Release(rig);
        rig.Advance(100);

        Assert.False(rig.Hardware.ForgetRequests.TryRead(out _));
        Assert.Equal(0, rig.Hardware.ForgetButton!.AcceptedPresses);
    }

    [Fact]
    public void Holding_is_one_press_and_a_new_press_needs_a_release_first()
    {
        using var rig = new PrivacyRig(new PrivacyOptions { ForgetWindow = TimeSpan.FromMinutes(5) });
        Press(rig);
        rig.Advance(3_000);
        Release(rig);
        rig.Advance(5);
        Press(rig); // a bounce during release: still held
        rig.Advance(100);
        Release(rig);
        rig.Advance(40);
        long secondPress = rig.Now;
        Press(rig);
        rig.Advance(40);

        var requests = new List<ForgetRequest>();
        while (rig.Hardware.ForgetRequests.TryRead(out ForgetRequest request))
        {
            requests.Add(request);
        }

        Assert.Equal(2, requests.Count);
        Assert.Equal(secondPress, requests[1].PressedAtNanoseconds);
        Assert.Equal(TimeSpan.FromMinutes(5), requests[1].Window);
    }

    [Fact]
    public void A_press_still_held_inside_the_debounce_when_the_box_shuts_down_is_honoured()
    {
        using var rig = new PrivacyRig();
        long pressedAt = rig.Now;
        Press(rig);
        rig.Advance(10);
        rig.Dispose();

        Assert.True(rig.Hardware.ForgetRequests.TryRead(out ForgetRequest request));
        Assert.Equal(pressedAt, request.PressedAtNanoseconds);
        Assert.Equal(1, rig.Hardware.ForgetButton!.AcceptedPresses);
        Assert.True(rig.Hardware.ForgetRequests.Completion.IsCompleted);
    }

    [Fact]
    public void A_glitch_already_released_when_the_box_shuts_down_is_still_not_a_press()
    {
        using var rig = new PrivacyRig();
        Press(rig);
        rig.Advance(5);
        Release(rig);
        rig.Advance(5);
        rig.Dispose();

        Assert.False(rig.Hardware.ForgetRequests.TryRead(out _));
        Assert.Equal(0, rig.Hardware.ForgetButton!.AcceptedPresses);
    }

    [Fact]
    public void Presses_nobody_reads_beyond_the_channel_capacity_are_counted_as_dropped()
    {
        using var rig = new PrivacyRig();
        for (int press = 0; press < PrivacyHardware.ForgetRequestCapacity + 3; press++)
        {
            Press(rig);
            rig.Advance(40);
            Release(rig);
            rig.Advance(40);
        }

        Assert.Equal(PrivacyHardware.ForgetRequestCapacity + 3, rig.Hardware.ForgetButton!.AcceptedPresses);
        Assert.Equal(3, rig.Hardware.ForgetButton.DroppedRequests);
    }

    [Fact]
    public void A_button_line_that_cannot_be_requested_is_reported_and_privacy_still_works()
    {
        using var rig = new PrivacyRig(start: false);
        rig.Driver.FailOpen(PrivacyRig.ButtonLine);
        rig.Start();

        Assert.False(rig.Hardware.ForgetButton!.IsAvailable);
        Assert.Contains("line 6", rig.Hardware.ForgetButton.Fault, StringComparison.Ordinal);
        rig.OpenGate();
        Assert.True(rig.Timeline.IsPublic);
    }

    private static void Press(PrivacyRig rig) => rig.Driver.SetExternalLevel(PrivacyRig.ButtonLine, PinValue.Low);

    private static void Release(PrivacyRig rig) => rig.Driver.SetExternalLevel(PrivacyRig.ButtonLine, PinValue.High);
}
