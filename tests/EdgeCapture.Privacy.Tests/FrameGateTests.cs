using EdgeCapture.Privacy.Gates;

namespace EdgeCapture.Privacy.Tests;

public sealed class FrameGateTests
{
    [Fact]
    public void A_frame_newer_than_the_last_read_is_confirmed_by_a_fresh_read_of_the_switch()
    {
        // A starved poll timer: the last periodic read is long before the frame.
        using var rig = new PrivacyRig(new PrivacyOptions { SwitchPollInterval = TimeSpan.FromSeconds(1) });
        rig.OpenGate();
        rig.Advance(10);
        var gate = FrameGate.For(rig.Hardware);

        // Stamped after the last poll: the timeline alone says pending; the gate reads the switch once and confirms it.
        long frame = rig.Now - PrivacyRig.Milliseconds(3);
        rig.Advance(0.5);
        Assert.Equal(GateDecision.Pending, rig.Timeline.Decide(frame));
        Assert.Equal(GateDecision.Recordable, gate.Decide(frame));
    }

    [Fact]
    public void An_instant_too_young_to_confirm_is_pending_and_the_gate_returns_without_waiting()
    {
        using var rig = new PrivacyRig();
        rig.OpenGate();
        var gate = FrameGate.For(rig.Hardware);

        // Within the edge-delivery allowance of now: no read can confirm it yet. The fake clock does not move, so a gate
        // that slept for the allowance would still answer pending; the caller (the capture stage) holds the frame.
        long frame = rig.Now;
        Assert.Equal(GateDecision.Pending, gate.Decide(frame));
        rig.Advance(3);
        Assert.Equal(GateDecision.Recordable, gate.Decide(frame));
    }

    [Fact]
    public void Private_instants_are_not_recordable_and_the_answer_is_final()
    {
        using var rig = new PrivacyRig();
        var gate = FrameGate.For(rig.Hardware);
        long before = rig.Now;
        Assert.Equal(GateDecision.NotRecordable, gate.Decide(before));
        rig.OpenGate();
        rig.Advance(10);
        Assert.Equal(GateDecision.NotRecordable, gate.Decide(before));
    }

    [Fact]
    public void A_restriction_can_only_make_the_gate_stricter()
    {
        using var rig = new PrivacyRig();
        rig.OpenGate();
        rig.Advance(10);
        long frame = rig.Now - PrivacyRig.Milliseconds(5);
        long before = frame - PrivacyRig.Milliseconds(100);

        Assert.Equal(GateDecision.NotRecordable, FrameGate.For(rig.Hardware, alsoRequired: _ => false).Decide(frame));
        Assert.Equal(GateDecision.Recordable, FrameGate.For(rig.Hardware, alsoRequired: _ => true).Decide(frame));
        Assert.Equal(GateDecision.NotRecordable, FrameGate.For(rig.Hardware, alsoRequired: _ => true).Decide(before));
    }

    [Fact]
    public void With_a_latency_allowance_a_frame_is_recordable_only_when_its_whole_window_was_public()
    {
        using var rig = new PrivacyRig();
        long opened = rig.OpenGate();
        rig.Advance(400);
        var dongle = FrameGate.For(rig.Hardware, latencyAllowance: TimeSpan.FromMilliseconds(150));

        // Taken 100 ms after going public, a dongle frame may still show the private screen; 200 ms after, it may not.
        Assert.Equal(GateDecision.NotRecordable, dongle.Decide(opened + PrivacyRig.Milliseconds(100)));
        Assert.Equal(GateDecision.Recordable, dongle.Decide(opened + PrivacyRig.Milliseconds(200)));
        Assert.Equal(GateDecision.Recordable, FrameGate.For(rig.Hardware).Decide(opened + PrivacyRig.Milliseconds(100)));

        // A private interval inside the window makes it not recordable even though both ends are public.
        long beforeFlip = rig.Now;
        rig.SwitchPrivate();
        rig.Advance(20);
        long reopened = rig.OpenGate();
        rig.Advance(400);
        long frame = reopened + PrivacyRig.Milliseconds(10);
        Assert.True(frame - beforeFlip < PrivacyRig.Milliseconds(150));
        Assert.Equal(GateDecision.NotRecordable, dongle.Decide(frame));
    }
}
