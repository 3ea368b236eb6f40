using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCapture.Recording.Tests;

/// <summary>
/// The switch wins, end to end: random interleavings of input and switch flips (bounces included) through the real privacy
/// hardware (simulated GPIO chip, fake clock), the recorder, age encryption and the SQLite outbox; then the custodian
/// decrypts everything. Nothing recorded lies outside a confirmed public interval, and everything inside one is there
/// unless the recorder counted it as dropped.
/// </summary>
public sealed class PrivacyGatePropertyTests
{
    private static readonly ushort[] Letters = [KeyCodes.A, KeyCodes.S, KeyCodes.D, KeyCodes.F, KeyCodes.J, KeyCodes.K];

    internal enum StepKind
    {
        Key,
        Mouse,
        Flip,
        LateMouse,
        Tick,
    }

    internal readonly record struct Step(StepKind Kind, int AdvanceMilliseconds, int Value);

    private static Gen<Step[]> Script =>
        Gen.Frequency(
                (6, Gen.Constant(StepKind.Key)),
                (8, Gen.Constant(StepKind.Mouse)),
                (3, Gen.Constant(StepKind.Flip)),
                (2, Gen.Constant(StepKind.LateMouse)),
                (1, Gen.Constant(StepKind.Tick)))
            .Zip(Gen.Frequency((3, Gen.Choose(0, 5)), (2, Gen.Choose(5, 60)), (1, Gen.Choose(60, 700))))
            .Zip(Gen.Choose(0, 40))
            .Select(tuple => new Step(tuple.Item1.Item1, tuple.Item1.Item2, tuple.Item2))
            .ArrayOf()
            .Where(steps => steps.Length >= 10)
            .Select(steps => steps.Take(160).ToArray());

    [Fact]
    public void Nothing_private_is_recorded_and_nothing_public_is_lost()
    {
        Prop.ForAll(Script.ToArbitrary(), steps => Run(steps))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void A_switch_that_bounces_faster_than_the_debounce_never_opens_the_gate()
    {
        using var rig = new RecorderRig(startPublic: false);
        for (int bounce = 0; bounce < 20; bounce++)
        {
            rig.SwitchPublic();
            rig.Advance(TimeSpan.FromMilliseconds(20));
            rig.Move(1, 1);
            rig.Tap(KeyCodes.A);
            rig.SwitchPrivate();
            rig.Advance(TimeSpan.FromMilliseconds(5));
        }

        rig.Finish();
        Assert.Empty(rig.Hardware.Timeline.GetPublicIntervals());
        Assert.Empty(rig.DecryptAll());
        RecorderStatistics statistics = rig.Core.GetStatistics();
        Assert.Equal(0, statistics.SessionsStarted);
        Assert.Equal(statistics.EventsReceived, statistics.EventsGated);
    }

    private static bool Run(Step[] steps)
    {
        var options = new RecorderOptions { DeviceId = "property-box", SegmentMaximumDuration = TimeSpan.FromMilliseconds(500), LockScreen = new LockScreenOptions { Enabled = false } };
        using var rig = new RecorderRig(options, startPublic: false);
        bool switchPublic = false;
        long lastTime = long.MinValue;
        int mouseCounter = 0;
        var offeredKeys = new List<long>();
        var offeredMouse = new List<(long Time, int Id)>();
        foreach (Step step in steps)
        {
            rig.Advance(TimeSpan.FromMilliseconds(step.AdvanceMilliseconds), tick: false);
            switch (step.Kind)
            {
                case StepKind.Flip:
                    switchPublic = !switchPublic;
                    if (switchPublic)
                    {
                        rig.SwitchPublic();
                    }
                    else
                    {
                        rig.SwitchPrivate();
                    }

                    rig.ApplyTransitions();
                    break;
                case StepKind.Key:
                {
                    long time = lastTime = Math.Max(rig.Now, lastTime + 1);
                    ushort code = Letters[step.Value % Letters.Length];
                    rig.Key(code, down: step.Value % 2 == 0, at: time);
                    offeredKeys.Add(time);
                    break;
                }

                case StepKind.Mouse:
                {
                    long time = lastTime = Math.Max(rig.Now, lastTime + 1);
                    int id = ++mouseCounter;
                    rig.Move(id, -id, at: time);
                    offeredMouse.Add((time, id));
                    break;
                }

                case StepKind.LateMouse:
                {
                    // Delivered late, as a slow device or a busy relay would: stamped up to 40 ms in the past.
                    long time = rig.Now - (step.Value * 1_000_000L) - 1;
                    int id = ++mouseCounter;
                    rig.Move(id, -id, at: time);
                    offeredMouse.Add((time, id));
                    break;
                }

                default:
                    rig.Core.Tick();
                    break;
            }
        }

        rig.Finish();
        IReadOnlyList<PublicInterval> publicIntervals = rig.Hardware.Timeline.GetPublicIntervals();
        bool IsPublic(long time) => publicIntervals.Any(interval => interval.Contains(time));

        var recordedKeys = new List<long>();
        var recordedMouse = new List<(long Time, int Id)>();
        foreach ((_, SegmentContents contents) in rig.DecryptAll())
        {
            foreach (SegmentRecord record in contents.Records)
            {
                switch (record)
                {
                    case KeyRecord key:
                        recordedKeys.Add(key.MonotonicNanoseconds);
                        break;
                    case MouseRecord mouse:
                        recordedMouse.Add((mouse.MonotonicNanoseconds, mouse.DeltaX));
                        break;
                    default:
                        break;
                }
            }
        }

        RecorderStatistics statistics = rig.Core.GetStatistics();
        bool nothingPrivate = recordedKeys.All(IsPublic) && recordedMouse.All(item => IsPublic(item.Time));
        bool recordedWereOffered = recordedKeys.All(offeredKeys.Contains) && recordedMouse.All(offeredMouse.Contains);
        int missing = offeredKeys.Count(time => IsPublic(time) && !recordedKeys.Contains(time))
            + offeredMouse.Count(item => IsPublic(item.Time) && !recordedMouse.Contains(item));
        bool nothingLostUncounted = missing <= statistics.EventsDroppedByRecorder;
        bool noOtherLoss = statistics.EventsLostToStorage == 0 && statistics.SegmentsLost == 0;
        if (!(nothingPrivate && recordedWereOffered && nothingLostUncounted && noOtherLoss))
        {
            throw new InvalidOperationException(
                $"private recorded: {!nothingPrivate}, invented: {!recordedWereOffered}, missing {missing} with {statistics.EventsDroppedByRecorder} counted drops, "
                + $"storage losses {statistics.EventsLostToStorage}; intervals: {string.Join(", ", publicIntervals)}");
        }

        return true;
    }
}
