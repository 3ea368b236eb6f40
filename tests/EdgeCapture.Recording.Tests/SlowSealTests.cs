using EdgeCapture.Input.Evdev;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Tests;

/// <summary>"The switch wins" while the recorder is busy: the switch goes private and public again during a slow seal.</summary>
public sealed class SlowSealTests
{
    /// <summary>A sink whose first seal takes a while, during which <see cref="DuringFirstSeal"/> runs (the switch is flipped there).</summary>
    private sealed class SlowSink(ISegmentSink inner) : ISegmentSink
    {
        public Action? DuringFirstSeal { get; set; }

        public bool IsStorageFull => inner.IsStorageFull;

        public SealedSegment? Seal(in SegmentSealRequest request, ReadOnlySpan<byte> plaintext)
        {
            Action? during = DuringFirstSeal;
            DuringFirstSeal = null;
            during?.Invoke();
            return inner.Seal(request, plaintext);
        }

        public ForgetOutcome Forget(in ForgetWindowRequest window) => inner.Forget(window);

        public bool RetryIncompleteForget() => inner.RetryIncompleteForget();
    }

    [Fact]
    public void Public_records_on_both_sides_of_a_private_interval_during_a_slow_seal_are_kept_and_private_ones_dropped()
    {
        SlowSink? slow = null;
        using var rig = new RecorderRig(
            new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(1) },
            wrapSink: inner => slow = new SlowSink(inner));
        rig.Tap(KeyCodes.A);

        long typedBeforeFlip = 0, typedWhilePrivate = 0, typedAfterPublic = 0;
        slow!.DuringFirstSeal = () =>
        {
            // The recorder's thread is inside the seal: the clock runs, the switch monitor sees the flips, transitions queue up,
            // and the employee keeps typing (the tap holds the events until the recorder reads them).
            Step(rig, 20);
            typedBeforeFlip = rig.Now;
            Step(rig, 20);
            rig.SwitchPrivate();
            Step(rig, 100);
            typedWhilePrivate = rig.Now;
            Step(rig, 100);
            rig.SwitchPublic();
            Step(rig, 120);
            typedAfterPublic = rig.Now;
            Step(rig, 30);
        };

        // The segment's age ends it: the tick seals it, slowly.
        rig.Advance(TimeSpan.FromSeconds(1.2));
        Assert.NotEqual(0, typedAfterPublic);

        // Then the recorder reads the tap's backlog before it applies the queued transitions, as Recorder does.
        rig.Key(KeyCodes.B, down: true, at: typedBeforeFlip);
        rig.Key(KeyCodes.B, down: false, at: typedBeforeFlip + 1);
        rig.ApplyTransitions();
        rig.Key(KeyCodes.C, down: true, at: typedWhilePrivate);
        rig.Key(KeyCodes.C, down: false, at: typedWhilePrivate + 1);
        rig.Key(KeyCodes.D, down: true, at: typedAfterPublic);
        rig.Key(KeyCodes.D, down: false, at: typedAfterPublic + 1);
        rig.Finish();

        IReadOnlyList<PublicInterval> intervals = rig.Hardware.Timeline.GetPublicIntervals();
        Assert.DoesNotContain(intervals, interval => interval.StartNanoseconds <= typedWhilePrivate && typedWhilePrivate < interval.EndNanoseconds);
        List<KeyRecord> keys = rig.DecryptAll().SelectMany(segment => segment.Contents.Records).OfType<KeyRecord>().ToList();

        // A (before the seal), B (during it, before the flip) and D (after public again) are kept; C (private) is not.
        Assert.Equal([0x04, 0x04, 0x05, 0x05, 0x07, 0x07], keys.Select(key => (int)key.Usage.Id));
        Assert.All(keys, key => Assert.Contains(intervals, interval => interval.StartNanoseconds <= key.MonotonicNanoseconds && key.MonotonicNanoseconds < interval.EndNanoseconds));
        Assert.True(rig.Core.GetStatistics().EventsGated >= 2);
    }

    private static void Step(RecorderRig rig, int milliseconds)
    {
        for (int step = 0; step < milliseconds; step++)
        {
            rig.Time.Advance(TimeSpan.FromMilliseconds(1));
        }
    }
}
