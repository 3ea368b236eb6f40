using EdgeCapture.Privacy.Gates;
using FsCheck.Xunit;

namespace EdgeCapture.Privacy.Tests;

/// <summary>
/// "The switch wins" for frames, as a property: a generated schedule of switch levels drives the simulated chip, generated
/// frames are asked about through the frame gate with a generated latency allowance, and what was public is read from the
/// generated schedule itself (never from the implementation's timeline). A frame is recordable only when the schedule kept
/// the switch public over its whole window [t - allowance, t]; a frame well inside a long public stretch is recordable.
/// </summary>
public sealed class FrameGatePropertyTests
{
    [Property(MaxTest = 200)]
    public void A_frame_is_recordable_only_when_the_schedule_was_public_over_its_whole_window(byte[] schedule, byte[] frames, byte allowanceStep)
    {
        using var rig = new PrivacyRig();
        long origin = rig.Now;
        TimeSpan allowance = TimeSpan.FromMilliseconds(allowanceStep % 201);
        long allowanceNanoseconds = PrivacyRig.Milliseconds(allowance.TotalMilliseconds);

        // The schedule: each step waits 1..384 ms and then sets the level (high bit: private). Undriven at boot: private.
        var levels = new List<(long At, bool Private)> { (long.MinValue, true) };
        foreach (byte step in schedule ?? [])
        {
            rig.Advance(((step & 0x7F) * 3) + 1);
            bool isPrivate = (step & 0x80) != 0;
            if (isPrivate)
            {
                rig.SwitchPrivate();
            }
            else
            {
                rig.SwitchPublic();
            }

            levels.Add((rig.Now, isPrivate));
        }

        rig.Advance(100);
        long end = rig.Now;
        var gate = FrameGate.For(rig.Hardware, latencyAllowance: allowance);

        foreach (byte position in frames ?? [])
        {
            long frame = origin + ((end - origin) * position / 255);
            GateDecision decision = gate.Decide(frame);
            bool scheduleWasPublic = PublicThroughout(levels, frame - allowanceNanoseconds, frame);
            if (decision == GateDecision.Recordable)
            {
                Assert.True(scheduleWasPublic, $"frame at {(frame - origin) / 1e6:0.###} ms with a {allowance.TotalMilliseconds} ms allowance is recordable, but the schedule was private inside its window");
            }

            // Liveness: public from the debounce (and one poll) before the window began until a read after the frame
            // confirmed it (the timeline only vouches for what a read of the switch saw).
            long poll = PrivacyRig.Milliseconds(rig.Options.SwitchPollInterval.TotalMilliseconds + 2);
            long settled = frame - allowanceNanoseconds - PrivacyRig.Milliseconds(rig.Options.SwitchDebounce.TotalMilliseconds) - poll;
            if (PublicThroughout(levels, settled, frame + poll) && frame < end - PrivacyRig.Milliseconds(50))
            {
                Assert.Equal(GateDecision.Recordable, decision);
            }
        }
    }

    /// <summary>Whether the schedule had the switch public at every instant of [from, to] (a level set at an instant holds from it).</summary>
    private static bool PublicThroughout(List<(long At, bool Private)> levels, long from, long to)
    {
        int index = levels.FindLastIndex(level => level.At <= from);
        if (levels[index].Private)
        {
            return false;
        }

        for (int next = index + 1; next < levels.Count && levels[next].At <= to; next++)
        {
            if (levels[next].Private)
            {
                return false;
            }
        }

        return true;
    }
}
