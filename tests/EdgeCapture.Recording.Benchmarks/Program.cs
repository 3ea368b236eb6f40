using System.Device.Gpio;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Storage;
using EdgeCapture.Video;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Recording.Benchmarks;

/// <summary>
/// The recorder under a 1000 Hz mouse plus typing (with and without 2 frames/s of 200 KB), fed as fast as it takes them,
/// into a real outbox (age, Ed25519, SQLite WAL with fsync). Peer in the same run: the same events as DuckTrack-style
/// JSON lines in a plain file (no encryption, no signing, no durability). Then the switch-to-gate latency through the real
/// privacy timeline on a simulated GPIO chip. A Stopwatch harness: it needs CPU time and percentiles, not BenchmarkDotNet.
/// </summary>
internal static class Program
{
    private const double RecordedMinutes = 2;
    private const int MouseHz = 1000;
    private const double KeysPerSecond = 8;

    private static int Main()
    {
        Console.WriteLine($"Recorder benchmark: {RecordedMinutes} recorded minutes per case, {MouseHz} Hz mouse + {KeysPerSecond} keys/s, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| case | events/s sustained | CPU s per recorded minute | % of one core | bytes on disk per minute |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Row("recorder, input only", RunRecorder(frames: false));
        Row("recorder, input + 2 fps x 200 KB frames", RunRecorder(frames: true));
        Row("peer: JSON lines file (DuckTrack style), input only", RunJsonLines());
        Console.WriteLine();
        GateLatency();
        return 0;
    }

    private readonly record struct Result(long Events, TimeSpan Wall, TimeSpan Cpu, long Bytes);

    private static void Row(string name, Result result)
    {
        double cpuPerMinute = result.Cpu.TotalSeconds / RecordedMinutes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {result.Events / result.Wall.TotalSeconds:N0} | {cpuPerMinute:0.000} | {cpuPerMinute / 60 * 100:0.00} % | {result.Bytes / RecordedMinutes:N0} |"));
    }

    /// <summary>Raw evdev events of the simulated user, in time order, starting at <paramref name="start"/>.</summary>
    private static InputTapEvent[] Events(long start)
    {
        var events = new List<InputTapEvent>();
        long end = start + (long)(RecordedMinutes * 60e9);
        long mousePeriod = 1_000_000_000L / MouseHz;
        long keyPeriod = (long)(1e9 / KeysPerSecond);
        long nextKey = start;
        ushort[] keys = [KeyCodes.A, KeyCodes.S, KeyCodes.D, KeyCodes.F, KeyCodes.Space, KeyCodes.J, KeyCodes.K, KeyCodes.L];
        int keyIndex = 0;
        for (long time = start; time < end; time += mousePeriod)
        {
            events.Add(new(time, 2, InputDeviceKind.Mouse, EventTypes.Relative, RelativeAxes.X, 3));
            events.Add(new(time, 2, InputDeviceKind.Mouse, EventTypes.Relative, RelativeAxes.Y, -2));
            events.Add(new(time, 2, InputDeviceKind.Mouse, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
            if (time >= nextKey)
            {
                ushort key = keys[keyIndex++ % keys.Length];
                events.Add(new(time, 1, InputDeviceKind.Keyboard, EventTypes.Key, key, 1));
                events.Add(new(time, 1, InputDeviceKind.Keyboard, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
                events.Add(new(time + 40_000_000, 1, InputDeviceKind.Keyboard, EventTypes.Key, key, 0));
                events.Add(new(time + 40_000_000, 1, InputDeviceKind.Keyboard, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
                nextKey += keyPeriod;
            }
        }

        return [.. events];
    }

    private sealed class AlwaysPublicGate : IPrivacyGate
    {
        public GateDecision Decide(long monotonicNanoseconds) => GateDecision.Recordable;

        public IDisposable Subscribe(Action<PrivacyTransition> observer) => new Nothing();

        private sealed class Nothing : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    private static Result RunRecorder(bool frames)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("edgecapture-recorder-benchmark-");
        try
        {
            using AgeIdentity custodian = AgeIdentity.Generate();
            using DeviceSigningKey key = DeviceSigningKey.Generate();
            var clock = new MonotonicClock(TimeProvider.System);
            long start = clock.NowNanoseconds;
            InputTapEvent[] events = Events(start);
            byte[] frame = new byte[200 * 1024];
            new Random(7).NextBytes(frame);
            long framePeriod = 500_000_000;
            long nextFrame = start;
            using (var outbox = SegmentOutbox.Open(Path.Combine(directory.FullName, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System))
            using (var sink = new OutboxSegmentSink(outbox, [custodian.Recipient], key, "bench", TimeProvider.System))
            using (var recorder = new SessionRecorder(new RecorderOptions { DeviceId = "bench", IdleTimeout = TimeSpan.FromDays(1), MaximumSessionLength = TimeSpan.FromDays(1) }, new AlwaysPublicGate(), sink, clock, NullLogger.Instance, null))
            {
                TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                foreach (ref readonly InputTapEvent inputEvent in events.AsSpan())
                {
                    recorder.OnInput(inputEvent);
                    if (frames && inputEvent.MonotonicNanoseconds >= nextFrame)
                    {
                        recorder.OnCapture(CapturedFrame.Create(inputEvent.MonotonicNanoseconds, 0, 1280, 720, CapturedFrameFormat.Jpeg, FrameKeepReason.Changed, frame));
                        nextFrame += framePeriod;
                    }
                }

                recorder.Stop();
                wall.Stop();
                TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                if (recorder.GetStatistics().SegmentsSealed < RecordedMinutes * 12)
                {
                    throw new InvalidOperationException("The recorder sealed fewer segments than expected.");
                }

                outbox.Dispose();
                long bytes = directory.GetFiles().Sum(file => file.Length);
                return new Result(events.Length, wall.Elapsed, cpu, bytes);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Result RunJsonLines()
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("edgecapture-jsonl-benchmark-");
        try
        {
            InputTapEvent[] events = Events(0);
            string path = Path.Combine(directory.FullName, "events.jsonl");
            TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
            using (var writer = new Utf8JsonWriter(file))
            {
                int dx = 0;
                int dy = 0;
                foreach (InputTapEvent inputEvent in events)
                {
                    // One DuckTrack-style line per action: move (per SYN frame), press, release.
                    if (inputEvent.Type == EventTypes.Relative)
                    {
                        (dx, dy) = inputEvent.Code == RelativeAxes.X ? (dx + inputEvent.Value, dy) : (dx, dy + inputEvent.Value);
                        continue;
                    }

                    if (inputEvent.Type == EventTypes.Synchronization && inputEvent.DeviceKind == InputDeviceKind.Keyboard)
                    {
                        continue;
                    }

                    writer.Reset(file);
                    writer.WriteStartObject();
                    writer.WriteNumber("time_stamp", inputEvent.MonotonicNanoseconds / 1e9);
                    if (inputEvent.Type == EventTypes.Key)
                    {
                        writer.WriteString("action", inputEvent.Value != 0 ? "press" : "release");
                        writer.WriteNumber("name", inputEvent.Code);
                    }
                    else
                    {
                        writer.WriteString("action", "move");
                        writer.WriteNumber("dx", dx);
                        writer.WriteNumber("dy", dy);
                        dx = dy = 0;
                    }

                    writer.WriteEndObject();
                    writer.Flush();
                    file.WriteByte((byte)'\n');
                }
            }

            wall.Stop();
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            return new Result(events.Length, wall.Elapsed, cpu, new FileInfo(path).Length);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Flip the simulated switch to private and measure, on the real timeline: how far before the flip the gate stopped
    /// accepting (the confirmation lag: last accepted instant to flip), and how long after the flip call an event stamped
    /// at the flip is refused.
    /// </summary>
    private static void GateLatency()
    {
        var clock = new MonotonicClock(TimeProvider.System);
        SimulatedGpioDriver driver = SimulatedPinout.CreateDriver(switchPrivate: true);
        using PrivacyHardware hardware = PrivacyHardware.Start(SimulatedPinout.Document, new PrivacyOptions(), clock, driverFactory: _ => driver);
        var lastAcceptedBeforeFlip = new List<double>();
        var refuseAfterFlip = new List<double>();
        for (int flip = 0; flip < 40; flip++)
        {
            driver.SetExternalLevel(5, PinValue.Low);
            var wait = Stopwatch.StartNew();
            while (hardware.Timeline.Status.State != PrivacyState.Public && wait.Elapsed < TimeSpan.FromSeconds(2))
            {
                Thread.Sleep(1);
            }

            Thread.Sleep(30 + flip % 20);
            long flipAt = clock.NowNanoseconds;
            driver.SetExternalLevel(5, PinValue.High);
            long refusedAt;
            while (true)
            {
                refusedAt = clock.NowNanoseconds;
                if (hardware.Timeline.Decide(flipAt) == GateDecision.NotRecordable)
                {
                    break;
                }
            }

            long lastAccepted = hardware.Timeline.GetPublicIntervals()[^1].EndNanoseconds;
            lastAcceptedBeforeFlip.Add((flipAt - lastAccepted) / 1e6);
            refuseAfterFlip.Add((refusedAt - flipAt) / 1e6);
        }

        Console.WriteLine("Switch-to-gate latency, real privacy timeline on a simulated GPIO chip (40 flips, ms):");
        Console.WriteLine();
        Console.WriteLine("| measure | p50 | p99 | max |");
        Console.WriteLine("|---|---:|---:|---:|");
        Percentiles("flip -> event stamped at the flip refused (gate shut)", refuseAfterFlip);
        Percentiles("last accepted instant before the flip (confirmation lag, <= poll 20 ms + 2 ms allowance)", lastAcceptedBeforeFlip);
    }

    private static void Percentiles(string name, List<double> values)
    {
        values.Sort();
        double At(double quantile) => values[Math.Min(values.Count - 1, (int)(quantile * values.Count))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {At(0.5):0.000} | {At(0.99):0.000} | {values[^1]:0.000} |"));
    }
}
