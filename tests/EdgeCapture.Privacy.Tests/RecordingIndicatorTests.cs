using System.Device.Gpio;
using System.Reflection;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Privacy.Simulation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Privacy.Tests;

public sealed class RecordingIndicatorTests
{
    [Fact]
    public void The_led_is_lit_before_the_gate_opens_and_darkened_only_after_it_shuts()
    {
        using var rig = new PrivacyRig();
        rig.ClearLog();

        rig.SwitchPublic();
        rig.Advance(50);
        rig.Advance(45);
        rig.SwitchPrivate();

        IReadOnlyList<string> log = rig.Log;
        int lit = IndexOf(log, "write 26 High");
        int opened = IndexOf(log, "gate Public None");
        int closed = IndexOf(log, "gate Private SwitchPrivate", opened);
        int darkened = IndexOf(log, "write 26 Low", opened);
        Assert.True(lit < opened, string.Join('\n', log));
        Assert.True(closed < darkened, string.Join('\n', log));
        Assert.Equal("edge 5 High", log[closed - 1]);
        LedOrdering.AssertLitWheneverGateOpen(log);
    }

    [Fact]
    public void A_led_that_cannot_be_lit_keeps_the_gate_shut_until_it_can()
    {
        using var rig = new PrivacyRig();
        rig.Driver.FailWrite(PrivacyRig.LedLine);

        rig.SwitchPublic();
        rig.Advance(500);

        Assert.Equal(PrivacyReason.IndicatorFailed, rig.Timeline.Status.Reason);
        Assert.Contains("EIO", rig.Timeline.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(rig.Log, entry => entry.StartsWith("gate Public", StringComparison.Ordinal));
        Assert.Empty(rig.Timeline.GetPublicIntervals());

        rig.Driver.FailWrite(PrivacyRig.LedLine, fail: false);
        rig.Advance(20);
        rig.Advance(50);
        Assert.Equal(PrivacyState.Public, rig.Timeline.Status.State);
        LedOrdering.AssertLitWheneverGateOpen(rig.Log);
    }

    [Fact]
    public void A_led_line_that_cannot_be_opened_keeps_the_gate_shut()
    {
        using var rig = new PrivacyRig(start: false);
        rig.Driver.FailOpen(PrivacyRig.LedLine);
        rig.Start();
        Assert.Equal(IndicatorMode.Unavailable, rig.Hardware.Indicator!.Mode);

        rig.SwitchPublic();
        rig.Advance(200);

        Assert.Equal(PrivacyReason.IndicatorFailed, rig.Timeline.Status.Reason);
        Assert.False(rig.Timeline.IsPublic);

        rig.Driver.FailOpen(PrivacyRig.LedLine, fail: false);
        rig.Advance(20);
        rig.Advance(50);
        Assert.True(rig.Timeline.IsPublic);
        Assert.Equal(PinValue.High, rig.Led);
    }

    [Fact]
    public void A_led_failing_while_public_shuts_the_gate_without_confirming_further()
    {
        using var rig = new PrivacyRig();
        rig.OpenGate();
        rig.Advance(50);
        long confirmedBefore = rig.Timeline.ConfirmedPublicUntil;

        rig.Driver.FailWrite(PrivacyRig.LedLine);
        rig.Advance(20);

        Assert.Equal(PrivacyReason.IndicatorFailed, rig.Timeline.Status.Reason);
        Assert.Equal(confirmedBefore, rig.Timeline.ConfirmedPublicUntil);
        Assert.False(rig.Timeline.IsRecordable(confirmedBefore));
    }

    [Fact]
    public void A_fault_shows_a_double_flash_every_second()
    {
        using var rig = new PrivacyRig(start: false);
        rig.Driver.FailRead(PrivacyRig.SwitchLine);
        rig.Start();

        var samples = new List<PinValue>();
        for (int step = 0; step < 20; step++)
        {
            samples.Add(rig.Led);
            rig.Advance(100);
        }

        PinValue on = PinValue.High;
        PinValue off = PinValue.Low;
        PinValue[] second = [on, off, on, off, off, off, off, off, off, off];
        Assert.Equal([.. second, .. second], samples);
        Assert.Equal(IndicatorMode.FaultBlink, rig.Hardware.Indicator!.Mode);
    }

    [Fact]
    public void The_indicator_has_no_public_way_to_be_darkened()
    {
        string[] publicMethods = typeof(RecordingIndicator)
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Select(method => method.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(["Dispose", "get_Fault", "get_Mode"], publicMethods);
        Assert.Empty(typeof(RecordingIndicator).GetConstructors(BindingFlags.Public | BindingFlags.Instance));
        Assert.DoesNotContain(typeof(PrivacyOptions).GetProperties(), property => property.Name.Contains("Indicator", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Darkening_while_the_gate_is_open_is_refused()
    {
        using var rig = new PrivacyRig();
        rig.OpenGate();

        Assert.Throws<InvalidOperationException>(() => rig.Hardware.Indicator!.ExtinguishAfterGateClosed());
        Assert.Equal(PinValue.High, rig.Led);
        Assert.True(rig.Timeline.IsPublic);
    }

    [Fact]
    public void A_receipt_from_before_the_led_went_dark_cannot_open_the_gate()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time, time.GetTimestamp());
        var driver = new SimulatedGpioDriver();
        using var controller = new GpioController(driver);
        var timeline = new PrivacyTimeline(clock);
        using var indicator = new RecordingIndicator(controller, new RecordingIndicatorPin(PrivacyRig.LedLine, null, PinValue.High), timeline, NullLogger.Instance);

        Assert.True(indicator.TryLight(out RecordingIndicator.LitReceipt receipt, out _));
        indicator.ExtinguishAfterGateClosed();

        Assert.False(timeline.TryOpen(receipt));
        Assert.False(timeline.IsPublic);

        Assert.True(indicator.TryLight(out RecordingIndicator.LitReceipt fresh, out _));
        Assert.True(timeline.TryOpen(fresh));
        Assert.True(timeline.IsPublic);
    }

    [Fact]
    public void Disposing_the_indicator_while_the_gate_is_open_leaves_the_led_lit()
    {
        var time = new FakeTimeProvider();
        var clock = new MonotonicClock(time, time.GetTimestamp());
        var driver = new SimulatedGpioDriver();
        using var controller = new GpioController(driver);
        var timeline = new PrivacyTimeline(clock);
        var indicator = new RecordingIndicator(controller, new RecordingIndicatorPin(PrivacyRig.LedLine, null, PinValue.Low), timeline, NullLogger.Instance);
        Assert.Equal(PinValue.High, driver.LevelOf(PrivacyRig.LedLine)); // active-low LED starts dark
        Assert.True(indicator.TryLight(out RecordingIndicator.LitReceipt receipt, out _));
        Assert.True(timeline.TryOpen(receipt));

        indicator.Dispose();

        Assert.Equal(PinValue.Low, driver.LevelOf(PrivacyRig.LedLine));
    }

    private static int IndexOf(IReadOnlyList<string> log, string entry, int start = 0)
    {
        for (int index = start; index < log.Count; index++)
        {
            if (log[index] == entry)
            {
                return index;
            }
        }

        Assert.Fail($"'{entry}' not found after {start} in\n{string.Join('\n', log)}");
        return -1;
    }
}
