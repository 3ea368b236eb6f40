using System.Device.Gpio;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Privacy.Simulation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Privacy.Tests;

public sealed class PrivacyTimelineTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly GpioController _controller = new(new SimulatedGpioDriver());
    private readonly MonotonicClock _clock;

    public PrivacyTimelineTests() => _clock = new MonotonicClock(_time, _time.GetTimestamp());

    public void Dispose() => _controller.Dispose();

    [Fact]
    public void An_open_interval_is_recordable_from_its_start_up_to_the_watermark_and_pending_after()
    {
        (PrivacyTimeline timeline, RecordingIndicator indicator) = Create();
        Advance(10);
        Open(timeline, indicator);
        long start = _clock.NowNanoseconds;
        Advance(30);
        timeline.Confirm(start + Ms(20));

        Assert.Equal(GateDecision.NotRecordable, timeline.Decide(start - 1));
        Assert.Equal(GateDecision.Recordable, timeline.Decide(start));
        Assert.Equal(GateDecision.Recordable, timeline.Decide(start + Ms(20) - 1));
        Assert.Equal(GateDecision.Pending, timeline.Decide(start + Ms(20)));
        Assert.Equal(start + Ms(20), timeline.ConfirmedPublicUntil);

        timeline.Confirm(start + Ms(5)); // a watermark never goes back
        Assert.Equal(start + Ms(20), timeline.ConfirmedPublicUntil);
    }

    [Fact]
    public void Closing_cuts_the_interval_at_the_watermark_and_everything_after_is_final()
    {
        (PrivacyTimeline timeline, RecordingIndicator indicator) = Create();
        var transitions = new List<PrivacyTransition>();
        using IDisposable subscription = timeline.Subscribe(transitions.Add);
        Open(timeline, indicator);
        long start = _clock.NowNanoseconds;
        Advance(40);
        timeline.Confirm(start + Ms(38));

        timeline.EnterPrivate(PrivacyReason.SwitchPrivate, null);
        indicator.ExtinguishAfterGateClosed();

        Assert.Equal([new PublicInterval(start, start + Ms(38))], timeline.GetPublicIntervals());
        Assert.Equal(GateDecision.NotRecordable, timeline.Decide(start + Ms(38)));
        Assert.Equal(GateDecision.NotRecordable, timeline.Decide(start + Ms(39)));
        Assert.Equal(GateDecision.Recordable, timeline.Decide(start + Ms(37)));
        Assert.Equal(start + Ms(38), timeline.ConfirmedPublicUntil);

        Assert.Equal(2, transitions.Count);
        Assert.True(transitions[0].GateOpened);
        Assert.Equal(start, transitions[0].BoundaryNanoseconds);
        Assert.True(transitions[1].GateClosed);
        Assert.Equal(start + Ms(38), transitions[1].BoundaryNanoseconds);
        Assert.Equal(PrivacyReason.SwitchPrivate, transitions[1].Current.Reason);
        Assert.Equal(start + Ms(40), transitions[1].Current.SinceNanoseconds);
    }

    [Fact]
    public void An_interval_closed_before_any_confirmation_leaves_nothing_recordable()
    {
        (PrivacyTimeline timeline, RecordingIndicator indicator) = Create();
        Open(timeline, indicator);
        long start = _clock.NowNanoseconds;
        Advance(1);

        timeline.EnterPrivate(PrivacyReason.SwitchPrivate, null);

        Assert.Empty(timeline.GetPublicIntervals());
        Assert.False(timeline.IsRecordable(start));
    }

    [Fact]
    public void Closed_intervals_are_found_by_search_exactly_as_a_linear_scan_finds_them()
    {
        (PrivacyTimeline timeline, RecordingIndicator indicator) = Create();
        var expected = new List<PublicInterval>();
        var random = new Random(1234);
        for (int interval = 0; interval < 200; interval++)
        {
            Advance(random.Next(1, 20));
            Open(timeline, indicator);
            long start = _clock.NowNanoseconds;
            int length = random.Next(2, 30);
            Advance(length);
            timeline.Confirm(start + Ms(length - 1));
            timeline.EnterPrivate(PrivacyReason.SwitchPrivate, null);
            indicator.ExtinguishAfterGateClosed();
            expected.Add(new PublicInterval(start, start + Ms(length - 1)));
        }

        Assert.Equal(expected, timeline.GetPublicIntervals());
        long end = _clock.NowNanoseconds;
        for (long instant = -Ms(1); instant < end + Ms(1); instant += 250_000)
        {
            bool inside = expected.Any(interval => interval.Contains(instant));
            Assert.Equal(inside, timeline.IsRecordable(instant));
        }
    }

    [Fact]
    public void Old_intervals_are_pruned_by_count_and_by_age_and_then_answer_not_recordable()
    {
        (PrivacyTimeline timeline, RecordingIndicator indicator) = Create(new PrivacyOptions { MaximumRetainedIntervals = 3, TimelineRetention = TimeSpan.FromSeconds(10) });
        var starts = new List<long>();
        for (int interval = 0; interval < 5; interval++)
        {
            Open(timeline, indicator);
            starts.Add(_clock.NowNanoseconds);
            Advance(10);
            timeline.Confirm(_clock.NowNanoseconds);
            timeline.EnterPrivate(PrivacyReason.SwitchPrivate, null);
            indicator.ExtinguishAfterGateClosed();
            Advance(10);
        }

        Assert.Equal(3, timeline.GetPublicIntervals().Count);
        Assert.False(timeline.IsRecordable(starts[0]));
        Assert.False(timeline.IsRecordable(starts[1]));
        Assert.True(timeline.IsRecordable(starts[2]));
        Assert.True(timeline.IsRecordable(starts[4]));

        Advance(11_000);
        Open(timeline, indicator);
        timeline.EnterPrivate(PrivacyReason.SwitchPrivate, null);
        Assert.Empty(timeline.GetPublicIntervals());
        Assert.False(timeline.IsRecordable(starts[4]));
    }

    [Fact]
    public void Observers_run_in_order_a_throwing_one_does_not_stop_the_others_and_unsubscribing_works()
    {
        (PrivacyTimeline timeline, RecordingIndicator indicator) = Create();
        var seen = new List<string>();
        using IDisposable first = timeline.Subscribe(_ => throw new InvalidOperationException("observer bug"));
        IDisposable second = timeline.Subscribe(transition => seen.Add($"second {transition.Current.State}"));
        using IDisposable third = timeline.Subscribe(transition => seen.Add($"third {transition.Current.State}"));

        Open(timeline, indicator);
        second.Dispose();
        second.Dispose();
        timeline.EnterPrivate(PrivacyReason.SwitchPrivate, null);

        Assert.Equal(["second Public", "third Public", "third Private"], seen);
    }

    [Fact]
    public void A_reason_change_while_private_is_published_and_a_repeat_is_not()
    {
        (PrivacyTimeline timeline, _) = Create();
        var transitions = new List<PrivacyTransition>();
        using IDisposable subscription = timeline.Subscribe(transitions.Add);

        timeline.EnterPrivate(PrivacyReason.SwitchReadFailed, "EIO");
        timeline.EnterPrivate(PrivacyReason.SwitchReadFailed, "EIO");
        timeline.EnterPrivate(PrivacyReason.SwitchPrivate, null);

        Assert.Equal(2, transitions.Count);
        Assert.Equal(PrivacyReason.Starting, transitions[0].Previous.Reason);
        Assert.True(transitions[0].Current.IsFault);
        Assert.False(transitions[0].GateClosed);
        Assert.Equal(PrivacyReason.SwitchPrivate, timeline.Status.Reason);
        Assert.Throws<ArgumentOutOfRangeException>(() => timeline.EnterPrivate(PrivacyReason.None, null));
    }

    [Fact]
    public async Task Readers_on_other_threads_never_see_a_recordable_instant_outside_the_public_intervals()
    {
        // Cycle c is public over [4c+1, 4c+2) ms; instants at 4c and 4c+3 ms are never public.
        (PrivacyTimeline timeline, RecordingIndicator indicator) = Create();
        using var stop = new CancellationTokenSource();
        long violations = 0;
        long checks = 0;
        Task[] readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (long cycle = 0; cycle < 100; cycle++)
                {
                    if (timeline.IsRecordable(Ms((4 * cycle) + 3)) || timeline.IsRecordable(Ms(4 * cycle)))
                    {
                        Interlocked.Increment(ref violations);
                    }

                    Interlocked.Increment(ref checks);
                }
            }
        })).ToArray();

        for (int cycle = 0; cycle < 100; cycle++)
        {
            Advance(1);
            Open(timeline, indicator);
            Advance(1);
            timeline.Confirm(_clock.NowNanoseconds);
            Advance(1);
            timeline.EnterPrivate(PrivacyReason.SwitchPrivate, null);
            indicator.ExtinguishAfterGateClosed();
            Advance(1);
        }

        while (Interlocked.Read(ref checks) < 100_000)
        {
            Thread.Yield();
        }

        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Equal(0, violations);
        Assert.Equal(100, timeline.GetPublicIntervals().Count);
        Assert.True(timeline.IsRecordable(Ms(4 * 99) + Ms(1)));
    }

    [Fact]
    public void Deciding_allocates_nothing()
    {
        (PrivacyTimeline timeline, RecordingIndicator indicator) = Create();
        for (int interval = 0; interval < 10; interval++)
        {
            Open(timeline, indicator);
            Advance(5);
            timeline.Confirm(_clock.NowNanoseconds);
            timeline.EnterPrivate(PrivacyReason.SwitchPrivate, null);
            indicator.ExtinguishAfterGateClosed();
        }

        Open(timeline, indicator);
        Advance(5);
        timeline.Confirm(_clock.NowNanoseconds - Ms(1));
        long recordable = 0;
        timeline.Decide(0);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long instant = 0; instant < Ms(60); instant += 10_000)
        {
            if (timeline.Decide(instant) == GateDecision.Recordable)
            {
                recordable++;
            }
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(recordable > 0);
    }

    private (PrivacyTimeline Timeline, RecordingIndicator Indicator) Create(PrivacyOptions? options = null)
    {
        var timeline = new PrivacyTimeline(_clock, options, NullLogger<PrivacyTimeline>.Instance);
        var indicator = new RecordingIndicator(_controller, new RecordingIndicatorPin(PrivacyRig.LedLine, null, PinValue.High), timeline, NullLogger.Instance);
        return (timeline, indicator);
    }

    private static void Open(PrivacyTimeline timeline, RecordingIndicator indicator)
    {
        Assert.True(indicator.TryLight(out RecordingIndicator.LitReceipt receipt, out string? error), error);
        Assert.True(timeline.TryOpen(receipt));
    }

    private void Advance(int milliseconds) => _time.Advance(TimeSpan.FromMilliseconds(milliseconds));

    private static long Ms(long milliseconds) => milliseconds * 1_000_000;
}
