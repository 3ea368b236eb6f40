using System.Device.Gpio;
using EdgeCapture.Privacy.Pinout;

namespace EdgeCapture.Privacy.Tests;

public sealed class PrivacySwitchMonitorTests
{
    [Fact]
    public void Before_the_first_read_the_state_is_private_and_nothing_is_recordable()
    {
        using var rig = new PrivacyRig(start: false);
        rig.Start();
        // Started with the switch undriven: the pull-up reads private.
        Assert.Equal(PrivacyState.Private, rig.Timeline.Status.State);

        var timeline = new PrivacyTimeline(rig.Clock);
        Assert.Equal(new PrivacyStatus(PrivacyState.Private, PrivacyReason.Starting, null, 0), timeline.Status);
        Assert.False(timeline.IsRecordable(0));
        Assert.Equal(GateDecision.NotRecordable, timeline.Decide(long.MaxValue));
    }

    [Fact]
    public void A_disconnected_switch_reads_private_through_its_pull()
    {
        using var rig = new PrivacyRig();
        Assert.Equal(PrivacyReason.SwitchPrivate, rig.Timeline.Status.Reason);
        rig.OpenGate();

        rig.Advance(1);
        rig.Driver.Disconnect(PrivacyRig.SwitchLine);

        Assert.Equal(PrivacyState.Private, rig.Timeline.Status.State);
        Assert.Equal(PrivacyReason.SwitchPrivate, rig.Timeline.Status.Reason);
        Assert.Equal(PinValue.Low, rig.Led);
    }

    [Fact]
    public void Public_opens_only_after_the_debounce_period_of_stable_public_reads()
    {
        using var rig = new PrivacyRig();
        long flippedAt = rig.Now;
        rig.SwitchPublic();
        Assert.Equal(PrivacyReason.SwitchSettling, rig.Timeline.Status.Reason);

        rig.Advance(49);
        Assert.Equal(PrivacyState.Private, rig.Timeline.Status.State);
        Assert.Equal(PinValue.Low, rig.Led);

        rig.Advance(1);
        Assert.Equal(PrivacyState.Public, rig.Timeline.Status.State);
        Assert.Equal(flippedAt + PrivacyRig.Milliseconds(50), rig.Timeline.Status.SinceNanoseconds);
        Assert.Equal(PinValue.High, rig.Led);
    }

    [Fact]
    public void Bounces_restart_the_debounce_and_every_private_bounce_is_private_at_once()
    {
        using var rig = new PrivacyRig();
        rig.SwitchPublic();
        for (int bounce = 0; bounce < 5; bounce++)
        {
            rig.Advance(3);
            rig.SwitchPrivate();
            Assert.Equal(PrivacyReason.SwitchPrivate, rig.Timeline.Status.Reason);
            rig.Advance(2);
            rig.SwitchPublic();
        }

        long lastBounce = rig.Now;
        rig.Advance(49);
        Assert.Equal(PrivacyState.Private, rig.Timeline.Status.State);
        rig.Advance(1);
        Assert.Equal(PrivacyState.Public, rig.Timeline.Status.State);
        Assert.Equal(lastBounce + PrivacyRig.Milliseconds(50), rig.Timeline.Status.SinceNanoseconds);
    }

    [Fact]
    public void The_first_edge_towards_private_shuts_the_gate_immediately_even_if_it_bounces_back()
    {
        using var rig = new PrivacyRig();
        long openedAt = rig.OpenGate();
        rig.Advance(100);
        long confirmed = rig.Timeline.ConfirmedPublicUntil;

        rig.Advance(5);
        long flip = rig.Now;
        rig.SwitchPrivate();
        rig.SwitchPublic(); // a bounce back within the same instant

        Assert.Equal(PrivacyState.Private, rig.Timeline.Status.State);
        Assert.True(rig.Timeline.IsRecordable(openedAt));
        Assert.True(rig.Timeline.IsRecordable(confirmed - 1));
        Assert.False(rig.Timeline.IsRecordable(confirmed));
        Assert.False(rig.Timeline.IsRecordable(flip));
        Assert.Equal(GateDecision.NotRecordable, rig.Timeline.Decide(flip + 1));
    }

    [Fact]
    public void The_watermark_trails_each_public_read_by_the_edge_delivery_allowance()
    {
        using var rig = new PrivacyRig();
        long openedAt = rig.OpenGate();
        Assert.Equal(openedAt, rig.Timeline.ConfirmedPublicUntil);
        Assert.Equal(GateDecision.Pending, rig.Timeline.Decide(openedAt));

        // Polls run every 20 ms from start; the gate opened at 50 ms, the next poll is at 60 ms.
        rig.Advance(10);
        Assert.Equal(rig.Now - PrivacyRig.Milliseconds(2), rig.Timeline.ConfirmedPublicUntil);
        Assert.Equal(GateDecision.Recordable, rig.Timeline.Decide(openedAt));
        Assert.Equal(GateDecision.Pending, rig.Timeline.Decide(rig.Now - PrivacyRig.Milliseconds(2)));
        Assert.Equal(GateDecision.NotRecordable, rig.Timeline.Decide(openedAt - 1));

        rig.Advance(5);
        rig.Hardware.Refresh();
        Assert.Equal(rig.Now - PrivacyRig.Milliseconds(2), rig.Timeline.ConfirmedPublicUntil);
    }

    [Fact]
    public void A_driver_that_throws_on_open_is_private_with_the_reason_and_recovers_after_the_retry_interval()
    {
        using var rig = new PrivacyRig(start: false);
        rig.Driver.FailOpen(PrivacyRig.SwitchLine);
        rig.Driver.SetExternalLevel(PrivacyRig.SwitchLine, PinValue.Low);
        rig.Start();

        PrivacyStatus status = rig.Timeline.Status;
        Assert.Equal(PrivacyState.Private, status.State);
        Assert.Equal(PrivacyReason.SwitchLineUnavailable, status.Reason);
        Assert.True(status.IsFault);
        Assert.Contains("EBUSY", status.Detail, StringComparison.Ordinal);
        Assert.Equal(IndicatorMode.FaultBlink, rig.Hardware.Indicator!.Mode);

        rig.Driver.FailOpen(PrivacyRig.SwitchLine, fail: false);
        rig.Advance(990);
        Assert.Equal(PrivacyReason.SwitchLineUnavailable, rig.Timeline.Status.Reason);
        rig.Advance(10); // the retry at 1 s requests the line and reads public
        Assert.Equal(PrivacyReason.SwitchSettling, rig.Timeline.Status.Reason);
        rig.Advance(50);
        Assert.Equal(PrivacyState.Public, rig.Timeline.Status.State);
        Assert.Equal(IndicatorMode.Lit, rig.Hardware.Indicator.Mode);
    }

    [Fact]
    public void A_switch_that_cannot_be_read_is_private_forever_and_blinks_the_fault()
    {
        using var rig = new PrivacyRig(start: false);
        rig.Driver.SetExternalLevel(PrivacyRig.SwitchLine, PinValue.Low);
        rig.Driver.FailRead(PrivacyRig.SwitchLine);
        rig.Start();

        rig.Advance(10_000);

        Assert.Equal(PrivacyReason.SwitchReadFailed, rig.Timeline.Status.Reason);
        Assert.Equal(0, rig.Hardware.SwitchMonitor!.Reads);
        Assert.Empty(rig.Timeline.GetPublicIntervals());
        Assert.False(rig.Timeline.IsRecordable(rig.Now - 1));
        Assert.Equal(IndicatorMode.FaultBlink, rig.Hardware.Indicator!.Mode);
    }

    [Fact]
    public void A_read_error_while_public_shuts_the_gate_and_reopening_needs_a_new_debounce()
    {
        using var rig = new PrivacyRig();
        rig.OpenGate();
        rig.Advance(40);

        rig.Driver.FailRead(PrivacyRig.SwitchLine);
        rig.Advance(20);
        Assert.Equal(PrivacyReason.SwitchReadFailed, rig.Timeline.Status.Reason);
        Assert.False(rig.Timeline.IsPublic);
        Assert.Equal(IndicatorMode.FaultBlink, rig.Hardware.Indicator!.Mode);

        rig.Driver.FailRead(PrivacyRig.SwitchLine, fail: false);
        rig.Advance(20);
        Assert.Equal(PrivacyReason.SwitchSettling, rig.Timeline.Status.Reason);
        rig.Advance(50);
        Assert.Equal(PrivacyState.Public, rig.Timeline.Status.State);
    }

    [Fact]
    public void A_switch_line_missing_from_the_chip_is_private_with_the_reason()
    {
        PinoutDocument pinout = PrivacyRig.DefaultPinout with
        {
            Board = "Test board",
            PrivacySwitch = PrivacyRig.DefaultPinout.PrivacySwitch with { Line = 70, HeaderPin = null },
        };
        using var rig = new PrivacyRig(pinout: pinout);

        Assert.Equal(PrivacyReason.SwitchLineUnavailable, rig.Timeline.Status.Reason);
        Assert.Contains("70", rig.Timeline.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_driver_without_the_pull_bias_is_private_with_the_reason()
    {
        using var rig = new PrivacyRig(start: false);
        rig.Driver.MarkUnsupported(PrivacyRig.SwitchLine, PinMode.InputPullUp);
        rig.Start();

        Assert.Equal(PrivacyReason.SwitchLineUnavailable, rig.Timeline.Status.Reason);
        Assert.Contains("InputPullUp", rig.Timeline.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_driver_factory_that_throws_is_private_with_gpio_unavailable()
    {
        using var rig = new PrivacyRig(start: false);
        using PrivacyHardware hardware = PrivacyHardware.Start(
            PrivacyRig.DefaultPinout, rig.Options, rig.Clock, driverFactory: _ => throw new IOException("Unable to find a chip, error: 2"));

        Assert.Equal(PrivacyReason.GpioUnavailable, hardware.Status.Reason);
        Assert.Contains("Unable to find a chip", hardware.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(IndicatorMode.Unavailable, hardware.Indicator!.Mode);
        Assert.False(hardware.ForgetButton!.IsAvailable);
        rig.Advance(5_000);
        Assert.Equal(PrivacyReason.GpioUnavailable, hardware.Status.Reason);
    }

    [Theory]
    [InlineData(GpioDriverChoice.Libgpiod1)]
    [InlineData(GpioDriverChoice.Libgpiod2)]
    public void The_real_libgpiod_drivers_on_a_chip_that_does_not_exist_are_private_with_gpio_unavailable(GpioDriverChoice driver)
    {
        // gpiochip63 exists on no machine we build on; with or without libgpiod installed the open fails.
        PinoutDocument pinout = PrivacyRig.DefaultPinout with { Chip = 63, Driver = driver };
        using var rig = new PrivacyRig(start: false);
        using PrivacyHardware hardware = PrivacyHardware.Start(pinout, rig.Options, rig.Clock);

        Assert.Equal(PrivacyState.Private, hardware.Status.State);
        Assert.Equal(PrivacyReason.GpioUnavailable, hardware.Status.Reason);
        Assert.Contains("chip 63", hardware.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_pinout_file_is_private_with_the_loader_message()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pinout-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "formatVersion": 1, "board": "x" """);
        try
        {
            using var rig = new PrivacyRig(start: false);
            using PrivacyHardware hardware = PrivacyHardware.Start(path, rig.Options, rig.Clock, driverFactory: _ => rig.Driver);

            Assert.Equal(PrivacyReason.PinoutInvalid, hardware.Status.Reason);
            Assert.Contains(path, hardware.Status.Detail, StringComparison.Ordinal);
            Assert.Null(hardware.SwitchMonitor);
            Assert.False(hardware.Timeline.IsRecordable(0));
            hardware.Refresh();
            Assert.Equal(PrivacyReason.PinoutInvalid, hardware.Status.Reason);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Dispose_shuts_the_gate_then_darkens_the_led_and_releases_the_lines()
    {
        var rig = new PrivacyRig();
        rig.OpenGate();
        rig.ClearLog();

        rig.Dispose();

        Assert.Equal(PrivacyReason.Stopped, rig.Timeline.Status.Reason);
        Assert.Equal("gate Private Stopped", rig.Log[0]);
        Assert.NotEmpty(rig.Log.Skip(1));
        Assert.All(rig.Log.Skip(1), entry => Assert.Equal("write 26 Low", entry));
        Assert.False(rig.Driver.IsOpen(PrivacyRig.SwitchLine));
        Assert.False(rig.Driver.IsOpen(PrivacyRig.LedLine));
        Assert.False(rig.Driver.IsOpen(PrivacyRig.ButtonLine));
        Assert.True(rig.Hardware.ForgetRequests.Completion.IsCompleted);
    }
}
