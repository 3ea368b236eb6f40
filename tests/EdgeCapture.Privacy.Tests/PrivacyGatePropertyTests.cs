using FsCheck.Xunit;

namespace EdgeCapture.Privacy.Tests;

/// <summary>
/// Random scripts of switch flips with contact bounces, short glitches, waits and refreshes, run against the real monitor on the
/// simulated chip. Whatever the script: no instant at which the raw switch read private is ever recordable, every
/// instant well inside a stable public stretch is, and the LED is lit whenever the gate is open.
/// </summary>
public sealed class PrivacyGatePropertyTests
{
    private const long QueryStepNanoseconds = 250_000;

    [Property(MaxTest = 150)]
    public void The_gate_never_opens_on_a_raw_private_instant_and_opens_inside_stable_public_stretches(byte[] script)
    {
        using var rig = new PrivacyRig();
        var changes = new List<(long At, bool Private)> { (0, true) }; // undriven at boot: the pull reads private

        void Drive(bool isPrivate)
        {
            if (isPrivate)
            {
                rig.SwitchPrivate();
            }
            else
            {
                rig.SwitchPublic();
            }

            changes.Add((rig.Now, isPrivate));
        }

        foreach (byte step in script ?? [])
        {
            int action = step & 0b11;
            int bounces = (step >> 2) & 0b11;
            double waitMilliseconds = ((step >> 4) + 1) * 7;
            switch (action)
            {
                case 0 or 1:
                    bool target = action == 0;
                    for (int bounce = 0; bounce < bounces; bounce++)
                    {
                        Drive(target);
                        rig.Advance(1 + bounce);
                        Drive(!target);
                        rig.Advance(1);
                    }

                    Drive(target);
                    break;
                case 2:
                    // A glitch: a short pulse to the other level and back (a private blip while public, or vice versa).
                    bool current = changes[^1].Private;
                    Drive(!current);
                    rig.Advance(1 + bounces);
                    Drive(current);
                    break;
                default:
                    rig.Hardware.Refresh();
                    break;
            }

            rig.Advance(waitMilliseconds);
        }

        long end = rig.Now;
        PrivacyTimeline timeline = rig.Timeline;

        // 1. No confirmed public interval touches an instant at which the raw switch read private (bounces included).
        for (int index = 0; index < changes.Count; index++)
        {
            if (!changes[index].Private)
            {
                continue;
            }

            long from = changes[index].At;
            long to = index + 1 < changes.Count ? changes[index + 1].At : end; // inclusive: the change instant itself
            foreach (PublicInterval interval in timeline.GetPublicIntervals())
            {
                Assert.False(
                    interval.StartNanoseconds <= to && from < interval.EndNanoseconds,
                    $"public interval {interval} overlaps raw private [{from}, {to}]");
            }
        }

        // 2. Point queries over the whole run, against the raw switch.
        long debounce = MonotonicClock.ToNanoseconds(rig.Options.SwitchDebounce);
        long trailing = MonotonicClock.ToNanoseconds(rig.Options.SwitchPollInterval + rig.Options.EdgeDeliveryAllowance);
        long margin = PrivacyRig.Milliseconds(1);
        int segment = 0;
        for (long instant = 0; instant <= end; instant += QueryStepNanoseconds)
        {
            while (segment + 1 < changes.Count && changes[segment + 1].At <= instant)
            {
                segment++;
            }

            long segmentStart = changes[segment].At;
            long segmentEnd = segment + 1 < changes.Count ? changes[segment + 1].At : end;
            bool rawPrivate = changes[segment].Private
                || (instant == segmentStart && segment > 0 && changes[segment - 1].Private)
                || (instant == segmentEnd && segment + 1 < changes.Count && changes[segment + 1].Private);
            bool recordable = timeline.IsRecordable(instant);
            if (rawPrivate)
            {
                Assert.False(recordable, $"instant {instant} was raw private but recordable");
            }
            else if (instant >= segmentStart + debounce + margin && instant < segmentEnd - trailing - margin)
            {
                Assert.True(recordable, $"instant {instant} inside stable public [{segmentStart}, {segmentEnd}) was not recordable");
            }
        }

        // 3. The LED was lit before every opening and never darkened while open.
        LedOrdering.AssertLitWheneverGateOpen(rig.Log);
    }
}
