using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Video.Tests;

/// <summary>The V4L2 capture loop against a simulated TC358743 (there is no /dev/video on the build machines).</summary>
public sealed class V4l2CaptureSourceTests
{
    private sealed class CollectingSink : IFrameSink
    {
        public List<(long At, int Width, int Height, PixelLayout Layout, byte First, int Length)> Frames { get; } = [];

        public List<CaptureMarker> Markers { get; } = [];

        public int Dropped { get; private set; }

        public void OnFrame(RawFrame frame)
        {
            Frames.Add((frame.MonotonicNanoseconds, frame.Width, frame.Height, frame.Layout, frame.Data[1], frame.Length));
            frame.Release();
        }

        public void OnMarker(CaptureMarker marker) => Markers.Add(marker);

        public void OnFrameDropped() => Dropped++;
    }

    private static (CollectingSink Sink, List<SimulatedV4l2Device> Devices, long Start) Run(
        IReadOnlyList<SimulatedPhase> phases, int failedOpens = 0, Action<SimulatedV4l2Device>? onOpen = null)
    {
        var clock = new FakeTimeProvider();
        long start = MonotonicClock.For(clock).NowNanoseconds;
        DateTimeOffset sessionStart = clock.GetUtcNow();
        using var end = new CancellationTokenSource();
        var devices = new List<SimulatedV4l2Device>();
        var queue = new SimulatedVb2Queue();
        int opens = 0;
        var source = new V4l2CaptureSource(
            new V4l2CaptureOptions { RetryInterval = TimeSpan.FromMilliseconds(250) },
            clock,
            NullLogger.Instance,
            _ =>
            {
                if (clock.GetUtcNow() - sessionStart >= phases.Aggregate(TimeSpan.Zero, (sum, phase) => sum + phase.Duration))
                {
                    // The script is over (a source that never polls again ends here).
                    end.Cancel();
                }

                if (opens++ < failedOpens || SimulatedV4l2Device.IsUnplugged(clock, sessionStart, phases))
                {
                    return (2, null);
                }

                var device = new SimulatedV4l2Device(clock, sessionStart, phases, end, queue);
                devices.Add(device);
                onOpen?.Invoke(device);
                return (0, device);
            },
            (delay, _) => clock.Advance(delay));
        var sink = new CollectingSink();
        using var pool = new RawFramePool(4, 1920 * 1080 * 2);
        source.Run(pool, sink, end.Token);
        return (sink, devices, start);
    }

    private static double Seconds(long at, long start) => Math.Round((at - start) / 1e9, 3);

    [Fact]
    public void Loss_no_sync_and_a_new_resolution_become_markers_and_capture_resumes()
    {
        var (sink, devices, start) = Run(
        [
            new(TimeSpan.FromSeconds(1), SimulatedInput.Signal, 1920, 1080, 50),
            new(TimeSpan.FromSeconds(2), SimulatedInput.NoLink),
            new(TimeSpan.FromSeconds(1), SimulatedInput.NoLock),
            new(TimeSpan.FromSeconds(1), SimulatedInput.Signal, 1280, 720, 60),
        ]);

        Assert.Equal(
            [CaptureMarkerKind.SignalLost, CaptureMarkerKind.NoSync, CaptureMarkerKind.SignalRestored, CaptureMarkerKind.ResolutionChanged],
            sink.Markers.Select(m => m.Kind).ToArray());
        Assert.Equal([1.0, 3.0, 4.0, 4.0], sink.Markers.Select(m => Seconds(m.MonotonicNanoseconds, start)).ToArray());
        Assert.Equal("ENOLINK", sink.Markers[0].Detail);
        Assert.Equal("ENOLCK", sink.Markers[1].Detail);
        Assert.Equal((1280, 720), (sink.Markers[3].Width, sink.Markers[3].Height));

        // 50 frames of 1080p in the first second, 60 of 720p in the last; none in between; kernel timestamps kept.
        Assert.Equal(50, sink.Frames.Count(f => f.Width == 1920));
        Assert.Equal(60, sink.Frames.Count(f => f.Width == 1280));
        Assert.All(sink.Frames, f => Assert.Equal(PixelLayout.Uyvy, f.Layout));
        Assert.All(sink.Frames, f => Assert.Equal(f.Width * f.Height * 2, f.Length));
        Assert.All(sink.Frames, f => Assert.Equal(31, f.First));
        Assert.DoesNotContain(sink.Frames, f => Seconds(f.At, start) is >= 1.0 and < 4.0);
        Assert.Equal(0.0, Seconds(sink.Frames[0].At, start));
        Assert.Equal(0.02, Seconds(sink.Frames[1].At, start));

        // Timings were queried and set before each stream, the format followed them, streams were stopped.
        SimulatedV4l2Device device = Assert.Single(devices);
        Assert.Equal("SUBSCRIBE_EVENT", device.Calls[0]);
        Assert.Equal(["QUERY_DV_TIMINGS", "S_DV_TIMINGS 1920x1080", "S_FMT 1920x1080", "STREAMON"], device.Calls.Skip(1).Take(4).ToArray());
        int secondStream = device.Calls.LastIndexOf("STREAMON");
        Assert.Equal(["S_DV_TIMINGS 1280x720", "S_FMT 1280x720"], device.Calls.Skip(secondStream - 2).Take(2).ToArray());
        Assert.Equal(device.Calls.Count(c => c == "STREAMON"), device.Calls.Count(c => c == "STREAMOFF"));
        Assert.True(device.Disposed);
    }

    [Fact]
    public void A_missing_device_is_reported_once_and_reopened()
    {
        var (sink, devices, start) = Run(
        [
            new(TimeSpan.FromSeconds(1), SimulatedInput.Unplugged),
            new(TimeSpan.FromSeconds(1), SimulatedInput.Signal, 1920, 1080, 30),
        ],
        failedOpens: 1);
        Assert.Equal([CaptureMarkerKind.DeviceError, CaptureMarkerKind.SignalRestored], sink.Markers.Select(m => m.Kind).ToArray());
        Assert.Contains("ENOENT", sink.Markers[0].Detail, StringComparison.Ordinal);
        Assert.Equal(1.0, Seconds(sink.Markers[1].MonotonicNanoseconds, start));
        Assert.Single(devices);
        Assert.Equal(30, sink.Frames.Count);
    }

    [Fact]
    public void An_unplugged_bridge_is_a_device_error_and_the_node_is_reopened()
    {
        var (sink, devices, _) = Run(
        [
            new(TimeSpan.FromSeconds(1), SimulatedInput.Signal, 1920, 1080, 10),
            new(TimeSpan.FromSeconds(1), SimulatedInput.Unplugged),
            new(TimeSpan.FromSeconds(1), SimulatedInput.Signal, 1920, 1080, 10),
        ]);
        Assert.Equal([CaptureMarkerKind.DeviceError, CaptureMarkerKind.SignalRestored], sink.Markers.Select(m => m.Kind).ToArray());
        Assert.True(devices.Count >= 2, "the node is opened again after ENODEV");
        Assert.All(devices, d => Assert.True(d.Disposed));
        Assert.Equal(20, sink.Frames.Count);
    }

    [Fact]
    public void A_box_that_boots_with_the_laptop_off_captures_once_the_signal_comes()
    {
        // unicam's queue has VB2_READ: a POLLIN while idle would start the read() emulator and every S_DV_TIMINGS after it
        // would be EBUSY until the file is closed, so the box would never capture after the first lost signal.
        var (sink, devices, start) = Run(
        [
            new(TimeSpan.FromSeconds(2), SimulatedInput.NoLink),
            new(TimeSpan.FromSeconds(1), SimulatedInput.Signal, 1920, 1080, 30),
            new(TimeSpan.FromSeconds(1), SimulatedInput.NoLink),
            new(TimeSpan.FromSeconds(1), SimulatedInput.Signal, 1280, 720, 25),
        ]);

        Assert.Equal(
            [CaptureMarkerKind.SignalLost, CaptureMarkerKind.SignalRestored, CaptureMarkerKind.SignalLost, CaptureMarkerKind.SignalRestored, CaptureMarkerKind.ResolutionChanged],
            sink.Markers.Select(m => m.Kind).ToArray());
        Assert.Equal([0.0, 2.0, 3.0, 4.0, 4.0], sink.Markers.Select(m => Seconds(m.MonotonicNanoseconds, start)).ToArray());
        Assert.Equal(30, sink.Frames.Count(f => f.Width == 1920));
        Assert.Equal(25, sink.Frames.Count(f => f.Width == 1280));

        SimulatedV4l2Device device = Assert.Single(devices);
        Assert.Equal(0, device.Queue.FileIoStarts);
        Assert.DoesNotContain("EBUSY", device.Calls);

        // Between streams the source waits for POLLPRI only; POLLIN is asked for only while its own buffers stream.
        bool streaming = false;
        foreach (string call in device.Calls)
        {
            streaming = call == "STREAMON" || (streaming && call != "STREAMOFF");
            Assert.False(!streaming && call == "POLL IN|PRI", "POLLIN while no buffers exist starts the read() emulator");
        }
    }

    [Fact]
    public void A_file_whose_queue_the_read_emulator_holds_is_closed_and_reopened()
    {
        // A file handed over with the read() emulator already running on it (as a POLLIN while idle leaves it): its
        // S_DV_TIMINGS is EBUSY, and only closing it frees the queue; the source closes it, waits and reopens.
        var (sink, devices, start) = Run(
            [new(TimeSpan.FromSeconds(2), SimulatedInput.Signal, 1920, 1080, 20)],
            onOpen: device =>
            {
                if (device.Queue.FileIoStarts == 0)
                {
                    _ = device.Wait(Devices.V4l2PollEvents.Frames, 0);
                }
            });

        Assert.Equal(2, devices.Count);
        Assert.Equal(1, devices[0].Queue.FileIoStarts);
        Assert.Contains("EBUSY", devices[0].Calls);
        Assert.True(devices[0].Disposed, "the busy file was closed");
        Assert.DoesNotContain("EBUSY", devices[1].Calls);
        Assert.Equal([CaptureMarkerKind.DeviceError, CaptureMarkerKind.SignalRestored], sink.Markers.Select(m => m.Kind).ToArray());
        Assert.Contains("EBUSY", sink.Markers[0].Detail, StringComparison.Ordinal);

        // Reopened after one retry interval (250 ms): 1.75 s of 20 fps from the second file.
        Assert.Equal(0.25, Seconds(sink.Markers[1].MonotonicNanoseconds, start));
        Assert.Equal(35, sink.Frames.Count);
    }

    [Fact]
    public void A_bridge_behind_the_pi5_camera_front_end_is_refused_clearly_once()
    {
        // rp1-cfe answers VIDIOC_QUERY_DV_TIMINGS on the video node with ENOTTY: one clear DeviceError, no NoSync loop, no stream.
        var (sink, devices, _) = Run(
            [new(TimeSpan.FromSeconds(2), SimulatedInput.Signal, 1920, 1080, 30)],
            onOpen: device => device.TimingsOnSubdevice = true);

        CaptureMarker marker = Assert.Single(sink.Markers);
        Assert.Equal(CaptureMarkerKind.DeviceError, marker.Kind);
        Assert.Contains("v4l-subdev", marker.Detail, StringComparison.Ordinal);
        Assert.Contains("USB HDMI dongle", marker.Detail, StringComparison.Ordinal);
        Assert.Empty(sink.Frames);
        Assert.All(devices, d => Assert.DoesNotContain("STREAMON", d.Calls));
        Assert.All(devices, d => Assert.True(d.Disposed));
    }

    [Fact]
    public void The_simulated_queue_reproduces_vb2_busy_rules()
    {
        // The simulation itself, against what videobuf2 does: the test above is only worth something if this holds.
        var clock = new FakeTimeProvider();
        using var end = new CancellationTokenSource();
        var queue = new SimulatedVb2Queue();
        SimulatedPhase[] phases = [new(TimeSpan.FromSeconds(10), SimulatedInput.Signal, 640, 480, 30)];
        var first = new SimulatedV4l2Device(clock, clock.GetUtcNow(), phases, end, queue);
        Assert.Equal(Devices.V4l2WaitResult.Timeout, first.Wait(Devices.V4l2PollEvents.Events, 10));
        Assert.Equal(0, queue.FileIoStarts);
        Assert.Equal(0, first.QueryDvTimings(out Devices.DetectedTimings timings));
        Assert.Equal(0, first.SetDvTimings(timings));

        Assert.Equal(Devices.V4l2WaitResult.FrameReady, first.Wait(Devices.V4l2PollEvents.Frames | Devices.V4l2PollEvents.Events, 100));
        Assert.Equal(1, queue.FileIoStarts);
        Assert.Equal(16, first.SetDvTimings(timings));
        Assert.Equal(16, first.SetFormat(0, 640, 480, out _, out _, out _));
        Assert.Equal(16, first.StartStreaming(4));
        first.StopStreaming();
        Assert.Equal(16, first.SetDvTimings(timings));

        // Another file on the same node is refused too, until the owner closes.
        var second = new SimulatedV4l2Device(clock, clock.GetUtcNow(), phases, end, queue);
        Assert.Equal(16, second.StartStreaming(4));
        first.Dispose();
        Assert.Equal(0, second.SetDvTimings(timings));
        Assert.Equal(0, second.StartStreaming(4));
        second.Dispose();
    }

    [Fact]
    public void Error_names_are_readable()
    {
        Assert.Equal("ENOLINK", V4l2CaptureSource.ErrorName(67));
        Assert.Equal("ENOLCK", V4l2CaptureSource.ErrorName(37));
        Assert.Equal("errno 999", V4l2CaptureSource.ErrorName(999));
    }
}
