using System.Collections.Concurrent;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Video.Tests;

/// <summary>
/// Real-time pacing on a fake clock, with a consumer slower than the frame rate: the paced source drops frames like a
/// real capture device, the lossless one never does and keeps the scripted times. The clock is moved from inside the
/// first frame's delivery (the source's own thread), so which frames are due is decided by the test, not by the machine.
/// </summary>
public sealed class SimulatedPacingTests
{
    private const int FramesPerSecond = 10;
    private const long FrameInterval = 100_000_000;
    private const int FramesDue = 11; // indices 0..10 are due once the clock stands one second after the start

    [Fact]
    public async Task Real_time_pacing_drops_the_frames_a_slow_consumer_has_no_buffer_for()
    {
        var time = new FakeTimeProvider();
        using var pool = new RawFramePool(2, 64 * 64 * 2);
        var sink = new HoldingSink(time, stopAfter: FramesDue);
        using var source = Source(SimulatedPacing.RealTime, time);
        using var stop = new CancellationTokenSource();

        Task running = Task.Run(() => source.Run(pool, sink, stop.Token), CancellationToken.None);
        await sink.AllDue.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        // The consumer holds both buffers: frames 0 and 1 are delivered, the nine others due in that second are dropped.
        Assert.Equal([0L, 1L], sink.Held.Select(frame => frame.SequenceNumber).ToArray());
        Assert.Equal(FramesDue - 2, sink.Dropped);
        sink.ReleaseAll();
    }

    [Fact]
    public async Task Lossless_pacing_waits_for_a_buffer_and_delivers_every_frame_at_its_scripted_time()
    {
        var time = new FakeTimeProvider();
        using var pool = new RawFramePool(2, 64 * 64 * 2);
        var sink = new HoldingSink(time, stopAfter: FramesDue);
        using var source = Source(SimulatedPacing.RealTimeLossless, time);
        using var stop = new CancellationTokenSource();

        Task running = Task.Run(() => source.Run(pool, sink, stop.Token), CancellationToken.None);
        var delivered = new List<(long Sequence, long Nanoseconds)>();
        using var abandon = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!sink.AllDue.Task.IsCompleted)
        {
            // The consumer takes its time: it frees buffers only when both are held, so the source must wait for them.
            await Task.WhenAny(sink.BothBuffersHeld.WaitAsync(abandon.Token), sink.AllDue.Task).WaitAsync(abandon.Token);
            delivered.AddRange(sink.ReleaseAll());
        }

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        delivered.AddRange(sink.ReleaseAll());

        Assert.Equal(0, sink.Dropped);
        Assert.Equal(Enumerable.Range(0, FramesDue).Select(index => (long)index).ToArray(), delivered.Select(frame => frame.Sequence).ToArray());
        Assert.All(delivered, frame => Assert.Equal(source.StartNanoseconds + (frame.Sequence * FrameInterval), frame.Nanoseconds));
    }

    private static SimulatedDesktopSource Source(SimulatedPacing pacing, FakeTimeProvider time) => new(
        DesktopActivityScript.CreateDefault(3, TimeSpan.FromSeconds(30)),
        new SimulatedSourceOptions { Width = 64, Height = 64, FramesPerSecond = FramesPerSecond, Pacing = pacing, Seed = 3 },
        time);

    /// <summary>
    /// A consumer that keeps every frame until the test frees it. On the first frame it moves the clock one second on,
    /// so frames 0..10 are due at once; after <c>stopAfter</c> frames delivered or dropped it says so.
    /// </summary>
    private sealed class HoldingSink(FakeTimeProvider time, int stopAfter) : IFrameSink
    {
        private readonly ConcurrentQueue<RawFrame> _held = new();
        private int _seen;
        private int _dropped;

        public TaskCompletionSource AllDue { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SemaphoreSlim BothBuffersHeld { get; } = new(0);

        public IReadOnlyList<RawFrame> Held => [.. _held];

        public int Dropped => Volatile.Read(ref _dropped);

        public void OnFrame(RawFrame frame)
        {
            if (frame.SequenceNumber == 0)
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }

            _held.Enqueue(frame);
            if (_held.Count == 2)
            {
                BothBuffersHeld.Release();
            }

            Seen();
        }

        public void OnMarker(CaptureMarker marker)
        {
        }

        public void OnFrameDropped()
        {
            Interlocked.Increment(ref _dropped);
            Seen();
        }

        public List<(long Sequence, long Nanoseconds)> ReleaseAll()
        {
            var released = new List<(long, long)>();
            while (_held.TryDequeue(out RawFrame? frame))
            {
                released.Add((frame.SequenceNumber, frame.MonotonicNanoseconds));
                frame.Release();
            }

            return released;
        }

        private void Seen()
        {
            if (Interlocked.Increment(ref _seen) == stopAfter)
            {
                AllDue.TrySetResult();
            }
        }
    }
}
