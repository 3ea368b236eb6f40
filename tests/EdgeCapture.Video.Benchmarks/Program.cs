using EdgeCapture.Privacy.Gates;
using System.Diagnostics;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sampling;
using EdgeCapture.Video.Simulation;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Video.Benchmarks;

/// <summary>
/// Stopwatch harness (one thread, one core): every figure is reported next to a peer measured in the same run.
/// 1. 1080p change detection per frame vs a plain memcmp of the same two buffers (the memory-bandwidth floor).
/// 2. UYVY -> JPEG encodes per second at 1080p (full size and half size).
/// 3. Bytes per hour of a scripted 10-minute desktop session vs the ~300 MB per 8 h of event-driven recorders.
/// Usage: dotnet run -c Release [--minutes N] [--fps N]
/// </summary>
internal static class Program
{
    private const int Width = 1920;
    private const int Height = 1080;
    private const int Stride = Width * 2;

    private static async Task<int> Main(string[] args)
    {
        int minutes = ArgumentValue(args, "--minutes", 10);
        int framesPerSecond = ArgumentValue(args, "--fps", 30);
        Console.WriteLine($"EdgeCapture.Video benchmark, {Environment.ProcessorCount} cores visible, .NET {Environment.Version}, {(Vector256Accelerated() ? "AVX2" : "no AVX2")}");
        Console.WriteLine();

        var script = DesktopActivityScript.CreateDefault(seed: 42, TimeSpan.FromMinutes(1));
        var desktop = new SimulatedDesktop(script, 42);
        byte[] first = new byte[Stride * Height];
        byte[] second = new byte[Stride * Height];
        desktop.Render(TimeSpan.FromSeconds(30), first, Width, Height, Stride);
        first.CopyTo(second, 0);

        ChangeDetection(first, second);
        Encoding(first);
        await StoragePerHour(minutes, framesPerSecond).ConfigureAwait(false);
        return 0;
    }

    private static void ChangeDetection(byte[] current, byte[] previous)
    {
        var reducer = new LumaReducer();
        var thumbnail = new FrameThumbnail();
        var reference = new FrameThumbnail();
        reducer.Reduce(previous, Width, Height, Stride, true, reference);

        // Identical buffers: SequenceEqual must read both to the end, which is the worst case and the floor.
        double memcmp = NanosecondsPerCall(() => current.AsSpan().SequenceEqual(previous));
        int changed = 0;
        double detect = NanosecondsPerCall(() =>
        {
            reducer.Reduce(current, Width, Height, Stride, true, thumbnail);
            changed = ChangeDetector.CountChangedBlocks(thumbnail, reference, 6);
        });
        double compareOnly = NanosecondsPerCall(() => changed = ChangeDetector.CountChangedBlocks(thumbnail, reference, 6));
        double scalarCompare = NanosecondsPerCall(() =>
        {
            int count = 0;
            ReadOnlySpan<byte> a = thumbnail.Pixels;
            ReadOnlySpan<byte> b = reference.Pixels;
            for (int i = 0; i < a.Length; i++)
            {
                count += Math.Abs(a[i] - b[i]) > 6 ? 1 : 0;
            }

            changed = count;
        });

        Console.WriteLine("## 1080p change detection, per frame, one core");
        Console.WriteLine();
        Console.WriteLine("| What | Time per frame | Frames/s | Ratio to memcmp floor |");
        Console.WriteLine("|---|---:|---:|---:|");
        Row("memcmp floor: SequenceEqual of two identical 4 MB UYVY frames", memcmp, memcmp);
        Row("change detection: SIMD 8x8 luma reduction + block compare", detect, memcmp);
        Row("  of which: compare two 240x135 thumbnails, SIMD", compareOnly, memcmp);
        Row("  same compare, scalar loop", scalarCompare, memcmp);
        Console.WriteLine();
        Console.WriteLine($"Goal: 60 fps 1080p within 2x of the floor. Detection reads one frame where memcmp reads two; changed blocks = {changed}.");
        Console.WriteLine();
    }

    private static void Encoding(byte[] frame)
    {
        Console.WriteLine("## UYVY -> JPEG (libjpeg-turbo, 4:2:0), 1080p desktop frame, one core");
        Console.WriteLine();
        Console.WriteLine("| Settings | Time per frame | Encodes/s | Size | Ratio to full-size q75 |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        double reference = 0;
        foreach ((string name, JpegEncodingOptions options) in new[]
        {
            ("q75 full size (default: limited range expanded to full)", new JpegEncodingOptions()),
            ("q75 full size, full-range source (no expansion pass)", new JpegEncodingOptions { SourceRange = YCbCrRange.Full }),
            ("q90 full size", new JpegEncodingOptions { Quality = 90 }),
            ("q75 half size (960x540)", new JpegEncodingOptions { DownscaleFactor = 2 }),
        })
        {
            using var encoder = new JpegEncoder(options);
            int size = 0;
            double time = NanosecondsPerCall(() => size = encoder.EncodePacked(frame, PixelLayout.Uyvy, Width, Height, Stride, out _, out _).Length);
            reference = reference == 0 ? time : reference;
            Console.WriteLine($"| {name} | {time / 1e6:F2} ms | {1e9 / time:F0} | {size / 1024.0:F0} KiB | {time / reference:F2}x |");
        }

        Console.WriteLine();
        Console.WriteLine("Goal: at least 30 encodes/s. Only kept frames are encoded (a few per second at most).");
        Console.WriteLine();
    }

    private static async Task StoragePerHour(int minutes, int framesPerSecond)
    {
        var script = DesktopActivityScript.CreateDefault(seed: 2024, TimeSpan.FromMinutes(minutes));
        const double EventDrivenPerHour = 300.0 / 8;
        double hours = minutes / 60.0;
        Console.WriteLine($"## Storage: scripted {minutes}-minute desktop session (seed 2024, {SimulatedDesktop.ActionsOf(script).Count} key presses, clicks and wheel steps), 1080p{framesPerSecond}");
        Console.WriteLine();
        Console.WriteLine("| Recorder | Frames kept | Mean frame | Per hour | Ratio to 37.5 MB/h | Ratio to event-driven policy, same script |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        (int peerFrames, long peerBytes) = EventDrivenPeer(script, framesPerSecond);
        double peerPerHour = peerBytes / 1e6 / hours;
        Console.WriteLine($"| event-driven recorders as reported (screenpipe: ~300 MB per 8 h of real work) | | | {EventDrivenPerHour:F1} MB/h | 1.00x | |");
        Console.WriteLine($"| event-driven policy on this script (capture on input, >= 200 ms apart, idle every 5 s, dedup), q75 | {peerFrames} | {peerBytes / Math.Max(1, peerFrames) / 1024} KiB | {peerPerHour:F1} MB/h | {peerPerHour / EventDrivenPerHour:F2}x | 1.00x |");
        foreach ((string name, JpegEncodingOptions encoding) in new[]
        {
            ("EdgeCapture sampler, defaults (q75, full size)", new JpegEncodingOptions()),
            ("EdgeCapture sampler, q60 full size", new JpegEncodingOptions { Quality = 60 }),
            ("EdgeCapture sampler, q75 half size (960x540)", new JpegEncodingOptions { DownscaleFactor = 2 }),
        })
        {
            (int frames, long bytes, string reasons, double rate) = await RunSampler(script, framesPerSecond, encoding).ConfigureAwait(false);
            double perHour = bytes / 1e6 / hours;
            Console.WriteLine($"| {name} | {frames} | {bytes / Math.Max(1, frames) / 1024} KiB | {perHour:F1} MB/h | {perHour / EventDrivenPerHour:F2}x | {perHour / peerPerHour:F2}x |");
            if (encoding.Quality == 75 && encoding.DownscaleFactor == 1)
            {
                Console.Error.WriteLine($"defaults: kept by reason {reasons}; pipeline (render + sample + encode) {rate:F0} frames/s");
            }
        }

        Console.WriteLine();
    }

    private static async Task<(int Frames, long Bytes, string Reasons, double FramesPerSecond)> RunSampler(DesktopActivityScript script, int framesPerSecond, JpegEncodingOptions encoding)
    {
        CaptureStage? stage = null;
        var source = new SimulatedDesktopSource(
            script,
            new SimulatedSourceOptions { FramesPerSecond = framesPerSecond, Pacing = SimulatedPacing.AsFastAsPossible, Seed = 2024 },
            TimeProvider.System)
        {
            ActionObserver = action => stage!.NotifyAction(action),
        };
        stage = new CaptureStage(
            source,
            new DelegateRecordingGate(_ => true),
            new CaptureStageOptions { OutputCapacity = 1_000_000, EncodeQueueCapacity = 32, Encoding = encoding },
            TimeProvider.System,
            NullLogger<CaptureStage>.Instance);
        var reasons = new SortedDictionary<FrameKeepReason, int>();
        long bytes = 0;
        int frames = 0;
        var stopwatch = Stopwatch.StartNew();
        using (stage)
        {
            Task run = stage.RunAsync(CancellationToken.None);
            await foreach (CaptureRecord record in stage.Records.ReadAllAsync().ConfigureAwait(false))
            {
                if (record is CapturedFrame frame)
                {
                    bytes += frame.Length;
                    frames++;
                    foreach (FrameKeepReason reason in Enum.GetValues<FrameKeepReason>().Where(r => r != FrameKeepReason.None && frame.Reasons.HasFlag(r)))
                    {
                        reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                    }

                    frame.Dispose();
                }
            }

            await run.ConfigureAwait(false);
            return (frames, bytes, string.Join(", ", reasons.Select(p => $"{p.Key} {p.Value}")), stage.GetStatistics().FramesCaptured / stopwatch.Elapsed.TotalSeconds);
        }
    }

    /// <summary>
    /// The policy event-driven recorders describe (screenpipe): a capture after input, at least 200 ms apart, a capture every
    /// 5 s when idle, and captures identical to the previous one skipped. Same frames, same JPEG encoder.
    /// </summary>
    private static (int Frames, long Bytes) EventDrivenPeer(DesktopActivityScript script, int framesPerSecond)
    {
        var sink = new EventDrivenSink();
        using var pool = new RawFramePool(4, Stride * Height);
        using var source = new SimulatedDesktopSource(
            script,
            new SimulatedSourceOptions { FramesPerSecond = framesPerSecond, Pacing = SimulatedPacing.AsFastAsPossible, Seed = 2024 },
            TimeProvider.System)
        {
            ActionObserver = action => sink.LastInput = action.MonotonicNanoseconds,
        };
        source.Run(pool, sink, CancellationToken.None);
        sink.Dispose();
        return (sink.Frames, sink.Bytes);
    }

    private sealed class EventDrivenSink : IFrameSink, IDisposable
    {
        private readonly LumaReducer _reducer = new();
        private readonly FrameThumbnail _current = new();
        private readonly FrameThumbnail _last = new();
        private readonly JpegEncoder _encoder = new(new JpegEncodingOptions());
        private long _lastCapture = long.MinValue / 2;

        public long LastInput { get; set; } = long.MinValue;

        public int Frames { get; private set; }

        public long Bytes { get; private set; }

        public void OnFrame(RawFrame frame)
        {
            long now = frame.MonotonicNanoseconds;
            bool inputSinceCapture = LastInput > _lastCapture;
            bool due = (inputSinceCapture && now - _lastCapture >= 200_000_000) || now - _lastCapture >= 5_000_000_000;
            if (due)
            {
                _reducer.Reduce(frame.Data, frame.Width, frame.Height, frame.Stride, true, _current);
                _lastCapture = now;
                if (_last.IsEmpty || ChangeDetector.CountChangedBlocks(_current, _last, 0) > 0)
                {
                    _last.CopyFrom(_current);
                    Bytes += _encoder.EncodePacked(frame.Data, frame.Layout, frame.Width, frame.Height, frame.Stride, out _, out _).Length;
                    Frames++;
                }
            }

            frame.Release();
        }

        public void OnMarker(CaptureMarker marker)
        {
        }

        public void OnFrameDropped()
        {
        }

        public void Dispose() => _encoder.Dispose();
    }

    private static void Row(string name, double nanoseconds, double floor) =>
        Console.WriteLine($"| {name} | {nanoseconds / 1e6:F3} ms | {1e9 / nanoseconds:F0} | {nanoseconds / floor:F2}x |");

    private static double NanosecondsPerCall(Action action)
    {
        for (int i = 0; i < 5; i++)
        {
            action();
        }

        // Repeat until at least 300 ms elapsed; take the best of 5 such rounds (least disturbed by the other tenants).
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            int calls = 0;
            var stopwatch = Stopwatch.StartNew();
            while (stopwatch.ElapsedMilliseconds < 300)
            {
                action();
                calls++;
            }

            best = Math.Min(best, stopwatch.Elapsed.TotalNanoseconds / calls);
        }

        return best;
    }

    private static bool Vector256Accelerated() => System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated;

    private static int ArgumentValue(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
