using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sampling;
using EdgeCapture.Video.Simulation;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Video.Tests;

/// <summary>The sampling policy against the simulated desktop driven by the input simulator's script.</summary>
public sealed class SimulatedSamplingTests
{
    private const int FramesPerSecond = 15;

    /// <summary>Plays the role of the capture stage, and remembers every frame's thumbnail as ground truth.</summary>
    private sealed class RecordingSink(FrameSampler sampler) : IFrameSink
    {
        private readonly LumaReducer _reducer = new();
        private readonly List<SamplerDecision> _decisions = [];

        public Queue<InputAction> PendingActions { get; } = new();

        public List<(long At, FrameThumbnail Thumbnail)> Frames { get; } = [];

        public List<(long At, FrameKeepReason Reasons, FrameThumbnail Thumbnail)> Kept { get; } = [];

        public List<CaptureMarker> Markers { get; } = [];

        public void OnFrame(RawFrame frame)
        {
            while (PendingActions.TryPeek(out InputAction action) && action.MonotonicNanoseconds <= frame.MonotonicNanoseconds)
            {
                sampler.OnAction(PendingActions.Dequeue(), _decisions);
            }

            var thumbnail = new FrameThumbnail();
            _reducer.Reduce(frame.Data, frame.Width, frame.Height, frame.Stride, lumaInHighByte: true, thumbnail);
            Frames.Add((frame.MonotonicNanoseconds, thumbnail));
            sampler.OnFrame(frame, _decisions);
            foreach (SamplerDecision decision in _decisions)
            {
                var kept = new FrameThumbnail();
                _reducer.Reduce(decision.Frame.Data, decision.Frame.Width, decision.Frame.Height, decision.Frame.Stride, lumaInHighByte: true, kept);
                Kept.Add((decision.Frame.MonotonicNanoseconds, decision.Reasons, kept));
                decision.Frame.Release();
            }

            _decisions.Clear();
        }

        public void OnMarker(CaptureMarker marker)
        {
            Markers.Add(marker);
            sampler.Reset();
        }

        public void OnFrameDropped() => throw new InvalidOperationException("An unpaced simulated source never drops.");
    }

    /// <summary>A scripted session with room after each action: typing, a click, scrolling, a chord, a right click, the start menu.</summary>
    private static DesktopActivityScript SpacedScript() => new(
        [
            SimulatedAction.TypeText(TimeSpan.FromSeconds(1), "Hello world", TimeSpan.FromMilliseconds(1100)),
            SimulatedAction.MouseMove(TimeSpan.FromSeconds(4), 400, -300, TimeSpan.FromMilliseconds(400)),
            SimulatedAction.MouseButton(TimeSpan.FromSeconds(5), SimulatedMouseButton.Left, isPress: true),
            SimulatedAction.MouseButton(TimeSpan.FromSeconds(5.1), SimulatedMouseButton.Left, isPress: false),
            SimulatedAction.Scroll(TimeSpan.FromSeconds(7), -3, 0, TimeSpan.FromMilliseconds(120)),
            SimulatedAction.TypeText(TimeSpan.FromSeconds(9), "intranet", TimeSpan.FromMilliseconds(800)),
            SimulatedAction.KeyChord(TimeSpan.FromSeconds(12), TimeSpan.FromMilliseconds(150), EdgeCapture.Input.Evdev.KeyCodes.LeftAlt, EdgeCapture.Input.Evdev.KeyCodes.Tab),
            SimulatedAction.MouseMove(TimeSpan.FromSeconds(14), -200, 100, TimeSpan.FromMilliseconds(300)),
            SimulatedAction.MouseButton(TimeSpan.FromSeconds(15), SimulatedMouseButton.Right, isPress: true),
            SimulatedAction.MouseButton(TimeSpan.FromSeconds(15.1), SimulatedMouseButton.Right, isPress: false),
            SimulatedAction.KeyChord(TimeSpan.FromSeconds(17), TimeSpan.FromMilliseconds(120), EdgeCapture.Input.Evdev.KeyCodes.LeftCtrl, EdgeCapture.Input.Evdev.KeyCodes.S),
            SimulatedAction.KeyChord(TimeSpan.FromSeconds(19), TimeSpan.FromMilliseconds(120), EdgeCapture.Input.Evdev.KeyCodes.LeftMeta),
            SimulatedAction.Idle(TimeSpan.FromSeconds(21), TimeSpan.FromSeconds(2)),
        ],
        TimeSpan.FromSeconds(24));

    [Theory]
    [InlineData("spaced", 0)]
    [InlineData("default", 11)]
    public void Every_action_has_its_before_frame_and_its_after_frame(string scriptName, int seed)
    {
        var options = new SamplingOptions();
        DesktopActivityScript script = scriptName == "spaced" ? SpacedScript() : DesktopActivityScript.CreateDefault(seed, TimeSpan.FromSeconds(40));
        using var pool = new RawFramePool(options.RecentFrameCapacity + 4, 1920 * 1080 * 2);
        using var sampler = new FrameSampler(options);
        var sink = new RecordingSink(sampler);
        using var source = new SimulatedDesktopSource(
            script,
            new SimulatedSourceOptions { FramesPerSecond = FramesPerSecond, Pacing = SimulatedPacing.AsFastAsPossible, Seed = 11 },
            new FakeTimeProvider())
        {
            ActionObserver = sink.PendingActions.Enqueue,
        };
        source.Run(pool, sink, CancellationToken.None);

        long start = source.StartNanoseconds;
        var groups = GroupActions(SimulatedDesktop.ActionsOf(script), options.BurstGap);
        Assert.True(groups.Count >= 8, $"the script has {groups.Count} action groups");
        int groupsWithRoom = 0;
        long frameInterval = 1_000_000_000 / FramesPerSecond;
        long afterWindow = Nanoseconds(options.SettleTimeout + options.MinimumKeptFrameInterval) + (2 * frameInterval);
        int checkedAfter = 0;
        for (int index = 0; index < groups.Count; index++)
        {
            long first = start + Nanoseconds(groups[index].First);
            long last = start + Nanoseconds(groups[index].Last);

            // Before: the last frame before the action is what the latest kept frame (at or before it) shows.
            var before = sink.Frames.LastOrDefault(f => f.At < first);
            if (before.Thumbnail is not null)
            {
                var keptBefore = sink.Kept.Last(k => k.At <= before.At);
                int difference = ChangeDetector.CountChangedBlocks(before.Thumbnail, keptBefore.Thumbnail, options.PixelDifferenceThreshold);
                Assert.True(difference == 0, $"action group {index} at {groups[index].First}: the frame before it differs from the kept frame in {difference} blocks");
            }

            // After: when the screen has time to settle before the next group, a frame shows the result.
            long next = index + 1 < groups.Count ? start + Nanoseconds(groups[index + 1].First) : long.MaxValue;
            if (next - last <= afterWindow || last + afterWindow > sink.Frames[^1].At)
            {
                continue;
            }

            groupsWithRoom++;

            bool hasAfterFrame = sink.Kept.Any(k => k.At > last && k.At <= last + afterWindow && k.Reasons.HasFlag(FrameKeepReason.AfterAction));
            var settled = sink.Frames.First(f => f.At >= last + afterWindow);
            var keptAtSettle = sink.Kept.Last(k => k.At <= settled.At);
            int unchanged = ChangeDetector.CountChangedBlocks(settled.Thumbnail, keptAtSettle.Thumbnail, options.PixelDifferenceThreshold);
            Assert.True(
                hasAfterFrame || unchanged == 0,
                $"action group {index} ending {groups[index].Last}: no after-frame although the screen then differs in {unchanged} blocks");
            checkedAfter++;
        }

        Assert.Equal(groupsWithRoom, checkedAfter);
        Assert.True(checkedAfter >= 3, $"only {checkedAfter} groups had room for an after-frame");
        if (scriptName == "spaced")
        {
            // Every spaced action changes the screen, so each has a kept after-frame.
            Assert.Equal(groups.Count, sink.Kept.Count(k => k.Reasons.HasFlag(FrameKeepReason.AfterAction)));
        }
        Assert.Contains(sink.Kept, k => k.Reasons.HasFlag(FrameKeepReason.BeforeAction));
        Assert.Contains(sink.Kept, k => k.Reasons.HasFlag(FrameKeepReason.AfterAction));

        // Far fewer frames kept than captured.
        Assert.True(sink.Kept.Count * 5 < sink.Frames.Count, $"kept {sink.Kept.Count} of {sink.Frames.Count}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_frames_and_the_same_decisions()
    {
        static (long, List<(long, FrameKeepReason)>) Run()
        {
            var script = DesktopActivityScript.CreateDefault(seed: 3, TimeSpan.FromSeconds(8));
            using var pool = new RawFramePool(10, 1920 * 1080 * 2);
            using var sampler = new FrameSampler(new SamplingOptions());
            var sink = new RecordingSink(sampler);
            using var source = new SimulatedDesktopSource(
                script, new SimulatedSourceOptions { FramesPerSecond = 10, Pacing = SimulatedPacing.AsFastAsPossible, Seed = 3 }, new FakeTimeProvider())
            {
                ActionObserver = sink.PendingActions.Enqueue,
            };
            source.Run(pool, sink, CancellationToken.None);
            long checksum = sink.Frames.Aggregate(17L, (sum, f) => (sum * 31) + f.Thumbnail.Pixels.ToArray().Aggregate(0L, (a, b) => (a * 7) + b));
            return (checksum, sink.Kept.Select(k => (k.At - source.StartNanoseconds, k.Reasons)).ToList());
        }

        var first = Run();
        var second = Run();
        Assert.Equal(first.Item1, second.Item1);
        Assert.Equal(first.Item2, second.Item2);
    }

    private static long Nanoseconds(TimeSpan span) => span.Ticks * 100;

    private static List<(TimeSpan First, TimeSpan Last)> GroupActions(IReadOnlyList<(TimeSpan At, InputActionKind Kind)> actions, TimeSpan burstGap)
    {
        var groups = new List<(TimeSpan, TimeSpan)>();
        for (int index = 0; index < actions.Count; index++)
        {
            (TimeSpan at, InputActionKind kind) = actions[index];
            bool continues = groups.Count > 0 && kind is InputActionKind.Key or InputActionKind.Scroll
                && actions[index - 1].Kind == kind && at - actions[index - 1].At <= burstGap;
            if (continues)
            {
                groups[^1] = (groups[^1].Item1, at);
            }
            else
            {
                groups.Add((at, at));
            }
        }

        return groups;
    }
}
