using EdgeCapture.Appliance.Hardware;
using System.Device.Gpio;
using EdgeCapture.Crypto;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Appliance.Tests;

/// <summary>The appliance on simulated hardware, end to end: the box records, the custodian verifies and decrypts.</summary>
public sealed class SimulatedApplianceTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-appliance-tests-");
    private readonly AgeIdentity _custodian = AgeIdentity.Generate();

    public void Dispose()
    {
        _custodian.Dispose();
        _directory.Delete(recursive: true);
    }

    private ApplianceConfiguration Configuration(VideoSourceKind video = VideoSourceKind.None) => new()
    {
        DeviceId = "test-box",
        DataDirectory = Path.Combine(_directory.FullName, "box"),
        Recipients = [_custodian.Recipient],
        SegmentSeconds = 0.3,
        VideoSource = video,
    };

    [Fact]
    public async Task The_simulated_appliance_records_and_the_custodian_decrypts()
    {
        var sealedSegments = new List<SegmentSealedInfo>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DevicePublicKey devicePublicKey;
        await using (Appliance appliance = Appliance.Start(Configuration(VideoSourceKind.Simulated), new ApplianceSimulation { Seed = 4 }, onSegmentSealed: info =>
        {
            lock (sealedSegments)
            {
                sealedSegments.Add(info);
                if (sealedSegments.Sum(segment => segment.Counts.Keys) > 0 && sealedSegments.Sum(segment => segment.Counts.Frames) > 0)
                {
                    enough.TrySetResult();
                }
            }
        }))
        {
            devicePublicKey = appliance.DevicePublicKey;
            await enough.Task.WaitAsync(TimeSpan.FromMinutes(2));
            await appliance.StopAsync();
            Assert.Equal(0, appliance.TapDroppedEvents);
        }

        SegmentContents? last = null;
        long keys = 0;
        using (var outbox = EdgeCapture.Storage.SegmentOutbox.Open(Path.Combine(_directory.FullName, "box", "outbox.db"), new EdgeCapture.Storage.OutboxOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<EdgeCapture.Storage.SegmentOutbox>.Instance, TimeProvider.System))
        {
            VerificationReport report = SegmentChainVerifier.Verify(outbox, devicePublicKey, [_custodian], (_, contents) =>
            {
                keys += SegmentChainVerifier.Count(contents.Records).Keys;
                last = contents;
            });
            Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
            Assert.Equal(sealedSegments.Count, report.SegmentsDecrypted);
            SessionVerification session = Assert.Single(report.Sessions);
            Assert.Equal(SessionEndReason.Shutdown, session.EndReason);
            Assert.True(session.Counts.Frames > 0);
        }

        Assert.True(keys > 0);
        Assert.Equal("test-box", last!.Header.DeviceId);
    }

    [Fact]
    public async Task With_video_the_relayed_input_drives_the_before_and_after_action_frames()
    {
        // The actions come from the relayed evdev input (the simulated source is given no script observer), so this
        // holds on real devices too: the custodian finds frames kept BeforeAction and AfterAction next to recorded input.
        // The simulated desktop is lossless (it waits for a free buffer instead of dropping a frame, and keeps each
        // frame's scripted time), so every 100 ms has its frame however loaded the machine is, and the bound below is
        // exact: the frame kept before an action is the last one before it, at most one frame interval earlier.
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long sealedFrames = 0;
        Appliance? running = null;
        EdgeCapture.Video.CaptureStatistics capture;
        DevicePublicKey devicePublicKey;
        await using (Appliance appliance = Appliance.Start(Configuration(VideoSourceKind.Simulated), new ApplianceSimulation { Seed = 5, LosslessFrames = true }, onSegmentSealed: info =>
        {
            if (Interlocked.Add(ref sealedFrames, info.Counts.Frames) >= 30 && Volatile.Read(ref running) is { InputActionsDetected: >= 40 })
            {
                enough.TrySetResult();
            }
        }))
        {
            Volatile.Write(ref running, appliance);
            devicePublicKey = appliance.DevicePublicKey;
            await enough.Task.WaitAsync(TimeSpan.FromMinutes(2));
            await appliance.StopAsync();
            Assert.Equal(0, appliance.TapDroppedEvents);
            capture = Assert.IsType<EdgeCapture.Video.CaptureStatistics>(appliance.CaptureStatistics);
            Assert.Equal(0, capture.ActionsDropped);
        }

        var frames = new List<FrameRecord>();
        var actions = new List<long>();
        using (var outbox = EdgeCapture.Storage.SegmentOutbox.Open(Path.Combine(_directory.FullName, "box", "outbox.db"), new EdgeCapture.Storage.OutboxOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<EdgeCapture.Storage.SegmentOutbox>.Instance, TimeProvider.System))
        {
            VerificationReport report = SegmentChainVerifier.Verify(outbox, devicePublicKey, [_custodian], (_, contents) =>
            {
                frames.AddRange(contents.Records.OfType<FrameRecord>());
                actions.AddRange(contents.Records.OfType<KeyRecord>().Where(key => key.IsDown).Select(key => key.MonotonicNanoseconds));
                actions.AddRange(contents.Records.OfType<MouseRecord>().Where(mouse => mouse.Buttons != 0 || mouse.Wheel != 0 || mouse.Pan != 0).Select(mouse => mouse.MonotonicNanoseconds));
            });
            Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        }

        var reasons = frames.Select(frame => (EdgeCapture.Video.FrameKeepReason)frame.KeepReason).ToList();
        Assert.True(reasons.Any(reason => reason.HasFlag(EdgeCapture.Video.FrameKeepReason.BeforeAction)), $"no BeforeAction frame: {string.Join(", ", reasons)}; {capture}");
        Assert.True(reasons.Any(reason => reason.HasFlag(EdgeCapture.Video.FrameKeepReason.AfterAction)), $"no AfterAction frame: {string.Join(", ", reasons)}; {capture}");
        Assert.NotEmpty(actions);

        // Every "before" frame shows the screen just before recorded input: an action follows it within one frame interval.
        const long FrameInterval = 1_000_000_000 / SimulatedHardware.FramesPerSecond;
        var beforeFrames = frames.Where(frame => ((EdgeCapture.Video.FrameKeepReason)frame.KeepReason).HasFlag(EdgeCapture.Video.FrameKeepReason.BeforeAction)).ToList();
        Assert.All(beforeFrames, frame => Assert.True(
            actions.Any(at => at > frame.MonotonicNanoseconds && at - frame.MonotonicNanoseconds <= FrameInterval),
            $"before-action frame at {frame.MonotonicNanoseconds} ns: the nearest later action is {actions.Where(at => at > frame.MonotonicNanoseconds).DefaultIfEmpty(long.MaxValue).Min() - frame.MonotonicNanoseconds} ns later; {capture}"));
        Assert.Equal(0, capture.FramesDroppedAtSource);
        Assert.True(beforeFrames.Count <= actions.Count, $"{beforeFrames.Count} before-action frames for {actions.Count} actions");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_file_source_replays_into_frames_the_custodian_decrypts(bool mjpegStream)
    {
        // A small recording made with the project's encoder: a folder of JPEG images, or the same images as one MJPEG stream.
        const int Width = 320;
        const int Height = 180;
        const int Count = 40;
        var images = new List<byte[]>();
        using (var encoder = new EdgeCapture.Video.Encoding.JpegEncoder(new EdgeCapture.Video.Encoding.JpegEncodingOptions()))
        {
            byte[] uyvy = new byte[Width * Height * 2];
            for (int i = 0; i < Count; i++)
            {
                // Four scenes (a luma ramp at different levels), so change detection has something to keep.
                for (int y = 0; y < Height; y++)
                {
                    for (int x = 0; x < Width; x += 2)
                    {
                        int offset = (y * Width * 2) + (x * 2);
                        byte luma = (byte)Math.Clamp(((i / 10) * 60) + (x / 8), 16, 235);
                        uyvy[offset] = 128;
                        uyvy[offset + 1] = luma;
                        uyvy[offset + 2] = (byte)(100 + (i / 10 * 20));
                        uyvy[offset + 3] = luma;
                    }
                }

                images.Add(encoder.EncodePacked(uyvy, EdgeCapture.Video.Frames.PixelLayout.Uyvy, Width, Height, Width * 2, out _, out _).ToArray());
            }
        }

        string replay = Path.Combine(_directory.FullName, mjpegStream ? "replay.mjpeg" : "replay");
        if (mjpegStream)
        {
            await File.WriteAllBytesAsync(replay, images.SelectMany(image => image).ToArray());
        }
        else
        {
            Directory.CreateDirectory(replay);
            for (int i = 0; i < Count; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(replay, $"frame-{i:D3}.jpg"), images[i]);
            }
        }

        ApplianceConfiguration configuration = Configuration() with { VideoSource = VideoSourceKind.File, VideoFile = replay, VideoFramesPerSecond = 10 };
        DevicePublicKey devicePublicKey;
        await using (Appliance appliance = Appliance.Start(configuration, new ApplianceSimulation { Seed = 6 }))
        {
            devicePublicKey = appliance.DevicePublicKey;

            // Poll until the whole file (4 s in real time) has been played; the stage ends with the file.
            while (appliance.CaptureStatistics is not { FramesCaptured: Count })
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20));
            }

            await appliance.StopAsync();
            EdgeCapture.Video.CaptureStatistics statistics = appliance.CaptureStatistics!;
            Assert.Equal(0, statistics.FramesDroppedAtSource);
            Assert.True(statistics.FramesEmitted > 0, "no frame left the stage: " + statistics);
        }

        var frames = new List<FrameRecord>();
        using (var outbox = EdgeCapture.Storage.SegmentOutbox.Open(Path.Combine(_directory.FullName, "box", "outbox.db"), new EdgeCapture.Storage.OutboxOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<EdgeCapture.Storage.SegmentOutbox>.Instance, TimeProvider.System))
        {
            VerificationReport report = SegmentChainVerifier.Verify(outbox, devicePublicKey, [_custodian], (_, contents) =>
            {
                Assert.Equal(new ScreenDescription(1920, 1080, "jpeg"), contents.Header.Screen);
                frames.AddRange(contents.Records.OfType<FrameRecord>());
            });
            Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        }

        // MJPEG passes through untouched: each decrypted frame is one of the replayed images, byte for byte.
        Assert.NotEmpty(frames);
        Assert.All(frames, frame =>
        {
            Assert.Equal((Width, Height), (frame.Width, frame.Height));
            Assert.Contains(images, image => image.AsSpan().SequenceEqual(frame.Image.Span));
        });
    }

    [Fact]
    public async Task The_recording_indicator_goes_dark_only_after_the_last_segment_is_sealed()
    {
        var timeline = new List<string>();
        var sealedOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Appliance appliance = Appliance.Start(Configuration(), new ApplianceSimulation { Seed = 2 }, onSegmentSealed: info =>
        {
            lock (timeline)
            {
                timeline.Add("sealed " + info.EndReason);
            }

            sealedOnce.TrySetResult();
        });
        await using (appliance)
        {
            SimulatedGpioDriver gpio = Assert.IsType<SimulatedGpioDriver>(appliance.SimulatedGpio);
            gpio.OperationPerformed += operation =>
            {
                if (operation is { Kind: SimulatedGpioOperationKind.Write, Pin: SimulatedHardware.IndicatorLine })
                {
                    lock (timeline)
                    {
                        timeline.Add(operation.Value == PinValue.High ? "lit" : "dark");
                    }
                }
            };
            await sealedOnce.Task.WaitAsync(TimeSpan.FromMinutes(2));
            await appliance.StopAsync();
        }

        string[] events;
        lock (timeline)
        {
            events = [.. timeline];
        }

        int lastSeal = Array.FindLastIndex(events, entry => entry.StartsWith("sealed", StringComparison.Ordinal));
        int firstDark = Array.IndexOf(events, "dark");
        Assert.Equal("sealed Shutdown", events[lastSeal]);
        Assert.True(firstDark > lastSeal, "LED dark before the last seal: " + string.Join(", ", events));
        Assert.Equal("dark", events[^1]);
    }

    [Fact]
    public async Task A_switch_private_from_the_start_records_nothing_but_the_relay_runs()
    {
        int sealedCount = 0;
        await using (Appliance appliance = Appliance.Start(Configuration(), new ApplianceSimulation { Seed = 3, PrivateAt = [0] }, onSegmentSealed: _ => Interlocked.Increment(ref sealedCount)))
        {
            // Poll (no timed assertion) until the relay has demonstrably delivered input to the recorder, which must gate all of it.
            while (appliance.Recorder.GetStatistics().EventsGated == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20));
            }

            await appliance.StopAsync();
            RecorderStatistics statistics = appliance.Recorder.GetStatistics();
            Assert.Equal(0, statistics.EventsAccepted);
            Assert.Equal(0, statistics.SegmentsSealed);
        }

        Assert.Equal(0, sealedCount);
    }

    [Fact]
    public async Task A_bad_data_directory_is_refused_at_start_with_nothing_left_running()
    {
        string file = Path.Combine(_directory.FullName, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        ApplianceStartException error = Assert.Throws<ApplianceStartException>(() => Appliance.Start(Configuration() with { DataDirectory = file }, new ApplianceSimulation()));
        Assert.Equal("device key", error.Component);
    }
}
