using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sampling;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Video.Tests;

public sealed class FrameSamplerTests : IDisposable
{
    private const int Width = 320;
    private const int Height = 240;
    private readonly RawFramePool _pool = new(32, Width * Height * 2);
    private readonly FakeTimeProvider _time = new();
    private readonly List<SamplerDecision> _kept = [];
    private long _sequence;

    private long Now => MonotonicClock.For(_time).NowNanoseconds;

    private void Offer(FrameSampler sampler, byte background, params (int, int, int, int, byte)[] rectangles)
    {
        sampler.OnFrame(TestFrames.Uyvy(_pool, Width, Height, Now, _sequence++, background, rectangles), _kept);
    }

    private void Step(TimeSpan interval) => _time.Advance(interval);

    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(1000.0 / 30);

    [Fact]
    public void Identical_frames_after_the_first_are_skipped()
    {
        using var sampler = new FrameSampler(new SamplingOptions());
        for (int i = 0; i < 300; i++)
        {
            Offer(sampler, 200);
            Step(FrameInterval);
        }

        SamplerDecision only = Assert.Single(_kept);
        Assert.Equal(FrameKeepReason.First, only.Reasons);
        Assert.Equal(0, only.Frame.SequenceNumber);
    }

    [Fact]
    public void A_cursor_sized_change_is_skipped_by_default()
    {
        using var sampler = new FrameSampler(new SamplingOptions());
        for (int i = 0; i < 60; i++)
        {
            // A 12x19 pointer moving across the screen: at most 24 blocks change between any two frames.
            Offer(sampler, 200, (10 + (i * 4), 100, 12, 19, 20));
            Step(FrameInterval);
        }

        Assert.Single(_kept);
    }

    [Fact]
    public void A_cursor_sized_change_is_kept_when_configured_and_rate_capped()
    {
        using var sampler = new FrameSampler(new SamplingOptions { KeepCursorOnlyChanges = true, ChangeMinimumInterval = TimeSpan.FromMilliseconds(500) });
        for (int i = 0; i < 60; i++)
        {
            Offer(sampler, 200, (10 + (i * 4), 100, 12, 19, 20));
            Step(FrameInterval);
        }

        // 2 s of motion at 30 fps; change keeps at most every 500 ms: the first frame plus 3 or 4 changes.
        Assert.InRange(_kept.Count, 4, 5);
        Assert.All(_kept.Skip(1), decision => Assert.Equal(FrameKeepReason.Changed, decision.Reasons));
        AssertSpacing(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void A_large_change_is_kept_with_the_changed_reason()
    {
        using var sampler = new FrameSampler(new SamplingOptions());
        Offer(sampler, 200);
        Step(TimeSpan.FromSeconds(1));
        Offer(sampler, 200, (0, 0, 160, 120, 30));
        Assert.Single(_kept); // within the change interval (2 s) of the last kept frame
        Step(TimeSpan.FromSeconds(1));
        Offer(sampler, 200, (0, 0, 160, 120, 30));
        Assert.Equal(2, _kept.Count);
        Assert.Equal(FrameKeepReason.Changed, _kept[1].Reasons);
    }

    [Fact]
    public void Idle_keyframes_come_exactly_on_time()
    {
        using var sampler = new FrameSampler(new SamplingOptions { IdleKeyframeInterval = TimeSpan.FromSeconds(10) });
        long start = Now;
        for (int i = 0; i < 35 * 4; i++)
        {
            Offer(sampler, 120);
            Step(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal([0L, 10L, 20L, 30L], _kept.Select(d => (d.Frame.MonotonicNanoseconds - start) / 1_000_000_000).ToArray());
        Assert.Equal([FrameKeepReason.First, FrameKeepReason.IdleKeyframe, FrameKeepReason.IdleKeyframe, FrameKeepReason.IdleKeyframe], _kept.Select(d => d.Reasons).ToArray());
    }

    [Fact]
    public void A_click_gets_the_frame_before_it_and_the_first_settled_frame_after_it()
    {
        using var sampler = new FrameSampler(new SamplingOptions());
        Offer(sampler, 200);
        Step(TimeSpan.FromSeconds(1));

        // The pointer moves to a button (a cursor-sized change: not kept by itself).
        long lastBefore = 0;
        for (int i = 0; i < 10; i++)
        {
            lastBefore = Now;
            Offer(sampler, 200, (100 + i, 100, 12, 19, 20));
            Step(FrameInterval);
        }

        sampler.OnAction(new InputAction(Now - 1, InputActionKind.Click), _kept);
        Assert.Equal(2, _kept.Count);
        Assert.Equal(FrameKeepReason.BeforeAction, _kept[1].Reasons);
        Assert.Equal(lastBefore, _kept[1].Frame.MonotonicNanoseconds);

        // A dialog opens over three frames, then stays.
        long clickTime = Now - 1;
        for (int i = 0; i < 30; i++)
        {
            int size = Math.Min(3, i + 1) * 40;
            Offer(sampler, 200, (109, 100, 12, 19, 20), (150, 50, size, size, 60));
            Step(FrameInterval);
        }

        Assert.Equal(3, _kept.Count);
        Assert.Equal(FrameKeepReason.AfterAction, _kept[2].Reasons);
        long after = _kept[2].Frame.MonotonicNanoseconds;
        Assert.InRange(after - clickTime, 100_000_000, 200_000_000);
    }

    [Fact]
    public void A_key_burst_gets_one_before_and_one_after_frame()
    {
        using var sampler = new FrameSampler(new SamplingOptions());
        Offer(sampler, 200);
        Step(TimeSpan.FromSeconds(1));
        Offer(sampler, 200);
        Step(FrameInterval);

        // 20 characters at 100 ms each; each becomes visible one frame after its key press.
        for (int character = 0; character < 20; character++)
        {
            sampler.OnAction(new InputAction(Now, InputActionKind.Key), _kept);
            for (int frame = 0; frame < 3; frame++)
            {
                Step(FrameInterval);
                Offer(sampler, 200, (10, 10, (character + 1) * 12, 14, 20));
            }
        }

        for (int frame = 0; frame < 60; frame++)
        {
            Step(FrameInterval);
            Offer(sampler, 200, (10, 10, 20 * 12, 14, 20));
        }

        // First, then change-driven frames while the line grows (at most 2 per second), then exactly one after-frame.
        Assert.Equal(FrameKeepReason.First, _kept[0].Reasons);
        Assert.DoesNotContain(_kept, d => d.Reasons.HasFlag(FrameKeepReason.BeforeAction));
        SamplerDecision after = Assert.Single(_kept, d => d.Reasons.HasFlag(FrameKeepReason.AfterAction));
        Assert.Equal(after, _kept[^1]);
        Assert.All(_kept.Skip(1).SkipLast(1), d => Assert.Equal(FrameKeepReason.Changed, d.Reasons));
    }

    [Fact]
    public void An_action_that_changes_nothing_keeps_no_extra_frame()
    {
        using var sampler = new FrameSampler(new SamplingOptions());
        for (int i = 0; i < 10; i++)
        {
            Offer(sampler, 90);
            Step(FrameInterval);
        }

        sampler.OnAction(new InputAction(Now, InputActionKind.Click), _kept);
        for (int i = 0; i < 60; i++)
        {
            Step(FrameInterval);
            Offer(sampler, 90);
        }

        Assert.Single(_kept);
    }

    [Fact]
    public void The_rate_cap_spaces_forward_keeps()
    {
        var options = new SamplingOptions
        {
            KeepCursorOnlyChanges = true,
            ChangeMinimumInterval = TimeSpan.Zero,
            MinimumKeptFrameInterval = TimeSpan.FromMilliseconds(250),
        };
        using var sampler = new FrameSampler(options);
        for (int i = 0; i < 120; i++)
        {
            Offer(sampler, (byte)(i % 2 == 0 ? 40 : 200));
            Step(FrameInterval);
        }

        AssertSpacing(TimeSpan.FromMilliseconds(250));
        Assert.InRange(_kept.Count, 14, 17);
    }

    [Fact]
    public void Reset_makes_the_next_frame_a_resumed_keyframe()
    {
        using var sampler = new FrameSampler(new SamplingOptions());
        Offer(sampler, 50);
        Step(FrameInterval);
        sampler.Reset();
        Offer(sampler, 50);
        Assert.Equal([FrameKeepReason.First, FrameKeepReason.Resumed], _kept.Select(d => d.Reasons).ToArray());
    }

    [Fact]
    public void A_resolution_change_is_kept_as_resumed()
    {
        using var sampler = new FrameSampler(new SamplingOptions());
        Offer(sampler, 50);
        Step(FrameInterval);
        sampler.OnFrame(TestFrames.Uyvy(_pool, 160, 120, Now, _sequence++, 50), _kept);
        Assert.Equal(FrameKeepReason.Resumed, _kept[^1].Reasons);
    }

    [Fact]
    public void Every_frame_goes_back_to_the_pool()
    {
        var sampler = new FrameSampler(new SamplingOptions { ChangeMinimumInterval = TimeSpan.FromMilliseconds(500) });
        int kept = 0;
        for (int i = 0; i < 100; i++)
        {
            Offer(sampler, (byte)(i * 7));
            Step(TimeSpan.FromMilliseconds(300));
            foreach (SamplerDecision decision in _kept)
            {
                decision.Frame.Release();
                kept++;
            }

            _kept.Clear();
        }

        sampler.Dispose();
        Assert.Equal(50, kept); // a change every 300 ms, kept at most every 500 ms
        Assert.Equal(_pool.FrameCount, _pool.Available);
    }

    [Fact]
    public void Recent_frames_are_held_only_within_the_recent_window()
    {
        // 10 fps, the simulator's rate: a ring of six by count alone would hold 600 ms of raw frames (25 MB at 1080p).
        using var sampler = new FrameSampler(new SamplingOptions());
        for (int i = 0; i < 20; i++)
        {
            Offer(sampler, 200);
            Step(TimeSpan.FromMilliseconds(100));
        }

        foreach (SamplerDecision decision in _kept)
        {
            decision.Frame.Release();
        }

        _kept.Clear();

        // Held: only the newest frame; the one 100 ms before it is past the 50 ms window.
        Assert.Equal(_pool.FrameCount - 1, _pool.Available);
    }

    [Fact]
    public void An_action_reported_within_the_window_still_gets_its_frame_before_and_one_reported_later_none()
    {
        // 30 fps. A click just after a new screen appeared, reported once the next frame was offered (one frame late).
        using var sampler = new FrameSampler(new SamplingOptions());
        Offer(sampler, 200);
        Step(FrameInterval);
        long lateClick = Now + 1;
        Offer(sampler, 90, (0, 0, 160, 120, 30));
        Step(FrameInterval);
        Offer(sampler, 90, (0, 0, 160, 120, 30));
        sampler.OnAction(new InputAction(lateClick, InputActionKind.Click), _kept);
        SamplerDecision before = _kept[^1];
        Assert.Equal(FrameKeepReason.BeforeAction, before.Reasons);
        Assert.Equal(lateClick - 1, before.Frame.MonotonicNanoseconds);

        // A click just after the next new screen, reported three frames (100 ms) later, is past the window: its frame
        // before is no longer held, and none is picked from another moment.
        for (int i = 0; i < 30; i++)
        {
            Step(FrameInterval);
            Offer(sampler, 90, (0, 0, 160, 120, 30));
        }

        Step(FrameInterval);
        long tooLateClick = Now + 1;
        Offer(sampler, 40, (0, 0, 320, 240, 10));
        for (int i = 0; i < 3; i++)
        {
            Step(FrameInterval);
            Offer(sampler, 40, (0, 0, 320, 240, 10));
        }

        int keptBefore = _kept.Count;
        sampler.OnAction(new InputAction(tooLateClick, InputActionKind.Click), _kept);
        Assert.Equal(keptBefore, _kept.Count);
    }

    private void AssertSpacing(TimeSpan minimum)
    {
        for (int i = 2; i < _kept.Count; i++)
        {
            Assert.True(_kept[i].Frame.MonotonicNanoseconds - _kept[i - 1].Frame.MonotonicNanoseconds >= minimum.Ticks * 100, $"keeps {i - 1} and {i} closer than {minimum}");
        }
    }

    public void Dispose()
    {
        foreach (SamplerDecision decision in _kept)
        {
            decision.Frame.Release();
        }

        _pool.Dispose();
    }
}
