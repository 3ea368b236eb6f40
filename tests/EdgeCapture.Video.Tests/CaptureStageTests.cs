using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Gates;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Video.Tests;

public sealed class CaptureStageTests
{
    private static readonly TimeSpan PrivateFrom = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan PrivateUntil = TimeSpan.FromSeconds(10);

    /// <summary>A privacy timeline with one private interval, in script time relative to the source start.</summary>
    private sealed class IntervalGate(Func<long> start, TimeSpan from, TimeSpan until) : IRecordingGate
    {
        public int Calls;

        public GateDecision Decide(long monotonicNanoseconds)
        {
            Interlocked.Increment(ref Calls);
            long offset = monotonicNanoseconds - start();
            return offset < from.Ticks * 100 || offset >= until.Ticks * 100 ? GateDecision.Recordable : GateDecision.NotRecordable;
        }
    }

    private static async Task<(List<CaptureRecord> Records, CaptureStatistics Statistics, long Start, int PoolAvailable, int PoolSize)> RunAsync(
        SimulatedSourceOptions sourceOptions, Func<Func<long>, IRecordingGate> gateFactory, TimeSpan length)
    {
        var script = DesktopActivityScript.CreateDefault(seed: 5, length);
        CaptureStage? stage = null;
        var source = new SimulatedDesktopSource(script, sourceOptions with { Pacing = SimulatedPacing.AsFastAsPossible }, new FakeTimeProvider())
        {
            ActionObserver = action => stage!.NotifyAction(action),
        };
        var options = new CaptureStageOptions { FramePoolSize = 12, EncodeQueueCapacity = 16, OutputCapacity = 100_000 };
        stage = new CaptureStage(source, gateFactory(() => source.StartNanoseconds), options, new FakeTimeProvider(), NullLogger<CaptureStage>.Instance);
        using (stage)
        {
            var records = new List<CaptureRecord>();
            Task run = stage.RunAsync(CancellationToken.None);
            await foreach (CaptureRecord record in stage.Records.ReadAllAsync())
            {
                records.Add(record);
            }

            await run;
            return (records, stage.GetStatistics(), source.StartNanoseconds, stage.Pool.Available, stage.Pool.FrameCount);
        }
    }

    [Fact]
    public async Task Frames_inside_a_private_interval_never_leave_the_stage()
    {
        IntervalGate? gate = null;
        var (records, statistics, start, available, size) = await RunAsync(
            new SimulatedSourceOptions { FramesPerSecond = 10 },
            startOf => gate = new IntervalGate(startOf, PrivateFrom, PrivateUntil),
            TimeSpan.FromSeconds(16));
        try
        {
            long from = start + (PrivateFrom.Ticks * 100);
            long until = start + (PrivateUntil.Ticks * 100);
            Assert.DoesNotContain(records, r => r.MonotonicNanoseconds >= from && r.MonotonicNanoseconds < until);
            Assert.Equal(40, statistics.FramesPrivate);
            Assert.Contains(records, r => r is CapturedFrame && r.MonotonicNanoseconds < from);

            // Capture resumes after the private interval, with a fresh keyframe.
            var resumed = records.OfType<CapturedFrame>().First(f => f.MonotonicNanoseconds >= until);
            Assert.Equal(until, resumed.MonotonicNanoseconds);
            Assert.True(resumed.Reasons.HasFlag(FrameKeepReason.Resumed));
            Assert.Equal(size, available);
            Assert.True(gate!.Calls > 160);
        }
        finally
        {
            Dispose(records);
        }
    }

    [Fact]
    public async Task A_gate_that_is_never_recordable_lets_nothing_out()
    {
        var (records, statistics, _, available, size) = await RunAsync(
            new SimulatedSourceOptions { FramesPerSecond = 10, SignalEvents = [new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), SimulatedSignalKind.Loss)] },
            _ => new DelegateRecordingGate(_ => false),
            TimeSpan.FromSeconds(5));
        Assert.Empty(records);
        Assert.Equal(statistics.FramesCaptured, statistics.FramesPrivate);
        Assert.Equal(2, statistics.MarkersPrivate);
        Assert.Equal(size, available);
    }

    [Fact]
    public async Task Signal_loss_and_a_resolution_change_become_markers_and_capture_continues()
    {
        SimulatedSignalEvent[] events =
        [
            new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2), SimulatedSignalKind.Loss),
            new(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(1), SimulatedSignalKind.NoSync),
            new(TimeSpan.FromSeconds(10), TimeSpan.Zero, SimulatedSignalKind.ResolutionChange, 1280, 720),
        ];
        var (records, statistics, start, available, size) = await RunAsync(
            new SimulatedSourceOptions { FramesPerSecond = 10, SignalEvents = events },
            _ => new DelegateRecordingGate(_ => true),
            TimeSpan.FromSeconds(14));
        try
        {
            CaptureMarker[] markers = records.OfType<CaptureMarker>().ToArray();
            Assert.Equal(
                [CaptureMarkerKind.SignalLost, CaptureMarkerKind.SignalRestored, CaptureMarkerKind.NoSync, CaptureMarkerKind.SignalRestored, CaptureMarkerKind.ResolutionChanged],
                markers.Select(m => m.Kind).ToArray());
            Assert.Equal([3.0, 5.0, 7.0, 8.0, 10.0], markers.Select(m => (m.MonotonicNanoseconds - start) / 1e9).ToArray());
            Assert.Equal((1280, 720), (markers[^1].Width, markers[^1].Height));

            CapturedFrame[] frames = records.OfType<CapturedFrame>().ToArray();
            Assert.DoesNotContain(frames, f => Between(f, start, 3, 5) || Between(f, start, 7, 8));

            // After each gap the first frame is a resumed keyframe at the first instant the signal is back.
            foreach (double back in new[] { 5.0, 8.0, 10.0 })
            {
                CapturedFrame first = frames.First(f => f.MonotonicNanoseconds >= start + (long)(back * 1e9));
                Assert.Equal(start + (long)(back * 1e9), first.MonotonicNanoseconds);
                Assert.True(first.Reasons.HasFlag(FrameKeepReason.Resumed), $"{first}");
            }

            Assert.All(frames.Where(f => f.MonotonicNanoseconds >= start + 10_000_000_000), f => Assert.Equal((1280, 720, 1280, 720), (f.SourceWidth, f.SourceHeight, f.Width, f.Height)));
            Assert.All(frames.Where(f => f.MonotonicNanoseconds < start + 10_000_000_000), f => Assert.Equal((1920, 1080), (f.SourceWidth, f.SourceHeight)));
            Assert.All(frames, f => Assert.Equal(CapturedFrameFormat.Jpeg, f.Format));
            Assert.All(frames, f => Assert.True(f.EncodedBytes.Span[0] == 0xFF && f.EncodedBytes.Span[1] == 0xD8));
            Assert.Equal(0, statistics.RecordsDroppedInQueues);
            Assert.Equal(size, available);
        }
        finally
        {
            Dispose(records);
        }
    }

    [Fact]
    public async Task Mjpeg_frames_pass_through_untouched()
    {
        var (records, statistics, _, _, _) = await RunAsync(
            new SimulatedSourceOptions { FramesPerSecond = 5, Layout = PixelLayout.Mjpeg, Width = 640, Height = 360 },
            _ => new DelegateRecordingGate(_ => true),
            TimeSpan.FromSeconds(4));
        try
        {
            CapturedFrame[] frames = records.OfType<CapturedFrame>().ToArray();
            Assert.NotEmpty(frames);
            Assert.All(frames, f => Assert.Equal(CapturedFrameFormat.Mjpeg, f.Format));
            Assert.Equal(0, statistics.CorruptFrames);

            // The simulated dongle encodes at quality 80 with libjpeg-turbo: the bytes are that encoder's, not re-encoded.
            Assert.All(frames, f => Assert.Equal((640, 360), (f.Width, f.Height)));
        }
        finally
        {
            Dispose(records);
        }
    }

    /// <summary>Confirms an instant only when asked about it a third time, as a watermark that trails the newest frame does.</summary>
    private sealed class TrailingGate : IRecordingGate
    {
        private readonly Dictionary<long, int> _asked = [];
        public int PendingAnswers;

        public GateDecision Decide(long monotonicNanoseconds)
        {
            lock (_asked)
            {
                int asked = _asked[monotonicNanoseconds] = _asked.GetValueOrDefault(monotonicNanoseconds) + 1;
                if (asked >= 3)
                {
                    return GateDecision.Recordable;
                }

                PendingAnswers++;
                return GateDecision.Pending;
            }
        }
    }

    [Fact]
    public async Task A_pending_frame_is_held_and_asked_again_with_the_next_one_instead_of_being_dropped()
    {
        var options = new SimulatedSourceOptions { FramesPerSecond = 10 };
        var trailing = new TrailingGate();
        var (held, heldStatistics, _, available, size) = await RunAsync(options, _ => trailing, TimeSpan.FromSeconds(6));
        var (open, openStatistics, _, _, _) = await RunAsync(options, _ => new DelegateRecordingGate(_ => true), TimeSpan.FromSeconds(6));
        try
        {
            // Every frame was pending at first; only the last one, which no later frame followed, stays unconfirmed.
            Assert.True(trailing.PendingAnswers >= heldStatistics.FramesCaptured);
            Assert.Equal(1, heldStatistics.FramesPrivate);
            long last = open.OfType<CapturedFrame>().Max(f => f.MonotonicNanoseconds);
            Assert.Equal(
                open.OfType<CapturedFrame>().Select(f => f.MonotonicNanoseconds).Where(t => t < last).ToArray(),
                held.OfType<CapturedFrame>().Select(f => f.MonotonicNanoseconds).Where(t => t < last).ToArray());
            Assert.Equal(openStatistics.FramesCaptured, heldStatistics.FramesCaptured);
            Assert.Equal(size, available);
        }
        finally
        {
            Dispose(held);
            Dispose(open);
        }
    }

    [Fact]
    public void Disposed_frames_refuse_access()
    {
        CapturedFrame frame = CapturedFrame.Create(1, 2, 3, 4, CapturedFrameFormat.Jpeg, FrameKeepReason.First, [0xFF, 0xD8, 0xFF, 0xD9]);
        Assert.Equal(4, frame.EncodedBytes.Length);
        frame.Dispose();
        frame.Dispose();
        Assert.Throws<ObjectDisposedException>(() => frame.EncodedBytes);
    }

    private static bool Between(CapturedFrame frame, long start, double from, double until) =>
        frame.MonotonicNanoseconds >= start + (long)(from * 1e9) && frame.MonotonicNanoseconds < start + (long)(until * 1e9);

    private static void Dispose(List<CaptureRecord> records)
    {
        foreach (CapturedFrame frame in records.OfType<CapturedFrame>())
        {
            frame.Dispose();
        }
    }
}
