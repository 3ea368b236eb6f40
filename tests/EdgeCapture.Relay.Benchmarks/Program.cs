using System.Diagnostics;
using System.Globalization;
using EdgeCapture.Linux;
using EdgeCapture.Hid;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Relay.Gadget;

namespace EdgeCapture.Relay.Benchmarks;

/// <summary>
/// Relay benchmark (not a test): the real evdev reader + relay + gadget writer against a floor, a plain
/// read/translate/write loop, through the same kind of pipes (FIFOs) in the same run.
/// <list type="bullet">
/// <item>Latency: one key frame (EV_KEY + SYN_REPORT) written into the evdev FIFO, timed until its 8-byte report is read
/// from the gadget FIFO (ping-pong, so it covers evdev read -> translate -> gadget write plus the pipe wake-ups on both
/// ends, identical for both peers).</item>
/// <item>Throughput: frames written as fast as the pipe takes them while the host side reads; events per second.</item>
/// <item>Allocation: GC.GetTotalAllocatedBytes(precise) over the steady-state throughput window, all threads, per event.</item>
/// </list>
/// The relay runs with the recording tap attached and a deliberately slow consumer on it.
/// Usage: [--rounds 3] [--latency 20000] [--throughput 200000].
/// </summary>
internal static unsafe class Program
{
    private static readonly int FrameBytes = 2 * InputEventCodec.EventSize;

    private static int Main(string[] args)
    {
        int rounds = IntOption(args, "--rounds", 3);
        int latencyFrames = IntOption(args, "--latency", 20_000);
        int throughputFrames = IntOption(args, "--throughput", 200_000);
        Console.WriteLine($"Relay benchmark: {Environment.ProcessorCount} cores, input_event {InputEventCodec.EventSize} B, {rounds} rounds (alternating peers), {latencyFrames} ping-pong frames and {throughputFrames} streamed frames per round.");
        var floor = new List<Result>();
        var relay = new List<Result>();
        long tapDelivered = 0, tapDropped = 0;
        for (int round = 0; round < rounds; round++)
        {
            floor.Add(RunFloor(latencyFrames, throughputFrames));
            (Result result, long delivered, long dropped) = RunRelay(latencyFrames, throughputFrames);
            relay.Add(result);
            tapDelivered += delivered;
            tapDropped += dropped;
        }

        Result floorMedian = Median(floor);
        Result relayMedian = Median(relay);
        Console.WriteLine();
        Console.WriteLine("| Path (median of rounds) | events/s | p50 µs | p99 µs | p99.9 µs | B/event |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Print("floor: plain read/translate/write loop", floorMedian);
        Print("relay: reader + relay + writer, tap + slow consumer", relayMedian);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| ratio relay/floor | {relayMedian.EventsPerSecond / floorMedian.EventsPerSecond:0.00}x | {relayMedian.P50 / floorMedian.P50:0.00}x | {relayMedian.P99 / floorMedian.P99:0.00}x | {relayMedian.P999 / floorMedian.P999:0.00}x | |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Recording tap (capacity 1024, consumer at most 16 events/ms): {tapDelivered} events delivered, {tapDropped} dropped for recording (none for relaying: every report arrived)."));
        // The harness itself allocates a few hundred bytes per window (thread hand-off); what the relay adds is the difference.
        long relayBytes = relayMedian.BytesAllocated - floorMedian.BytesAllocated;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Allocated by the relay beyond the floor's harness: {relayBytes} B over {2L * throughputFrames} events."));
        bool latencyGoal = relayMedian.P99 <= 2 * floorMedian.P99 && relayMedian.P99 < 50;
        Console.WriteLine($"Goals: p99 within 2x of floor and under 50 µs: {(latencyGoal ? "met" : "NOT met")}; 0 B/event: {(relayBytes <= 0 ? "met" : "NOT met")}.");
        return 0;
    }

    private static void Print(string name, Result result) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {result.EventsPerSecond:N0} | {result.P50:0.0} | {result.P99:0.0} | {result.P999:0.0} | {result.BytesPerEvent:0.0000} ({result.BytesAllocated} B in window) |"));

    private static Result RunFloor(int latencyFrames, int throughputFrames)
    {
        using var pipes = new Pipes();
        int input = Open(pipes.Input, Interop.O_RDONLY);
        int gadget = Open(pipes.Gadget, Interop.O_RDWR);
        var loop = new Thread(() => FloorLoop(input, gadget)) { IsBackground = true, Name = "floor loop", Priority = ThreadPriority.AboveNormal };
        loop.Start();
        Result result = Measure(pipes, latencyFrames, throughputFrames);
        Interop.Close(pipes.Feed);
        pipes.Feed = -1;
        loop.Join();
        Interop.Close(input);
        Interop.Close(gadget);
        return result;
    }

    /// <summary>The floor: blocking read of one frame, translate, write the report. Nothing else.</summary>
    private static void FloorLoop(int input, int gadget)
    {
        byte* frame = stackalloc byte[FrameBytes];
        byte* report = stackalloc byte[KeyboardReportBuilder.ReportLength];
        while (true)
        {
            int filled = 0;
            while (filled < FrameBytes)
            {
                nint read = Interop.Read(input, frame + filled, FrameBytes - filled);
                if (read <= 0)
                {
                    return;
                }

                filled += (int)read;
            }

            if (!InputEventCodec.TryDecode(new ReadOnlySpan<byte>(frame, InputEventCodec.EventSize), out EvdevEvent inputEvent)
                || !LinuxKeyUsageTable.TryGetUsage(inputEvent.Code, out HidUsage usage))
            {
                continue;
            }

            new Span<byte>(report, KeyboardReportBuilder.ReportLength).Clear();
            report[2] = inputEvent.Value == 1 ? (byte)usage.Id : (byte)0;
            Interop.Write(gadget, report, KeyboardReportBuilder.ReportLength);
        }
    }

    private static (Result Result, long TapDelivered, long TapDropped) RunRelay(int latencyFrames, int throughputFrames)
    {
        using var pipes = new Pipes();
        var tap = new InputTap(1024);
        long delivered = 0;
        var stopConsumer = new CancellationTokenSource();
        var consumer = new Thread(() =>
        {
            // A recorder far slower than the input: at most 16 events per millisecond, then it sleeps.
            // (It sleeps rather than spins so that it does not take one of the two cores from the relay.)
            while (!stopConsumer.IsCancellationRequested)
            {
                for (int batch = 0; batch < 16 && tap.Reader.TryRead(out _); batch++)
                {
                    delivered++;
                }

                Thread.Sleep(1);
            }
        })
        { IsBackground = true, Name = "slow tap consumer" };
        consumer.Start();
        // The stream below is far faster than any keyboard (a host polls at 1 kHz); the queue is sized so that the
        // benchmark measures translation and writing, not the documented overflow policy (release all, resync).
        var relay = new HidRelay(new HidGadgetEndpoints(HidGadgetFile.Open(pipes.Gadget), null, null), new HidRelayOptions { KeyboardQueueCapacity = throughputFrames + 4096 }, TimeProvider.System, tap);
        var reader = new EvdevReader(relay, TimeProvider.System);
        relay.Start();
        reader.Start();
        reader.AddDevice(new EvdevDeviceOptions(pipes.Input) { Kind = InputDeviceKind.Keyboard });
        Result result = Measure(pipes, latencyFrames, throughputFrames);
        reader.Dispose();
        relay.Dispose();
        if (relay.Counters.QueueOverflows != 0 || reader.Counters.BadInput != 0)
        {
            throw new InvalidOperationException($"relay overflowed {relay.Counters.QueueOverflows} times / skipped {reader.Counters.BadInput} bad inputs");
        }

        stopConsumer.Cancel();
        consumer.Join();
        stopConsumer.Dispose();
        return (result, delivered, tap.DroppedEventCount);
    }

    private static Result Measure(Pipes pipes, int latencyFrames, int throughputFrames)
    {
        // The host side reads reports on its own thread, blocking, as f_hid's host would poll.
        int host = Open(pipes.Gadget, Interop.O_RDONLY);
        byte[] frames = BuildFrames(2);
        long[] latencies = new long[latencyFrames];
        byte* report = stackalloc byte[KeyboardReportBuilder.ReportLength];
        fixed (byte* frameBytes = frames)
        {
            // Latency: ping-pong, warm-up first.
            for (int index = -2000; index < latencyFrames; index++)
            {
                byte* frame = frameBytes + (index & 1) * FrameBytes;
                long start = Stopwatch.GetTimestamp();
                Interop.Write(pipes.Feed, frame, FrameBytes);
                ReadExactly(host, report, KeyboardReportBuilder.ReportLength);
                long end = Stopwatch.GetTimestamp();
                if (index >= 0)
                {
                    latencies[index] = end - start;
                }
            }
        }

        // Throughput: a feeder thread streams frames; this thread reads every report.
        byte[] stream = BuildFrames(throughputFrames);
        using var go = new ManualResetEventSlim();
        var feeder = new Thread(() =>
        {
            go.Wait();
            fixed (byte* bytes = stream)
            {
                int offset = 0;
                while (offset < stream.Length)
                {
                    nint written = Interop.Write(pipes.Feed, bytes + offset, Math.Min(stream.Length - offset, 4096 / FrameBytes * FrameBytes));
                    offset += (int)Math.Max(written, 0);
                }
            }
        })
        { IsBackground = true, Name = "feeder" };
        byte* reports = stackalloc byte[KeyboardReportBuilder.ReportLength * 256];
        feeder.Start();
        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long began = Stopwatch.GetTimestamp();
        go.Set();
        long received = 0;
        long wanted = (long)throughputFrames * KeyboardReportBuilder.ReportLength;
        while (received < wanted)
        {
            nint read = Interop.Read(host, reports, (nint)Math.Min(wanted - received, KeyboardReportBuilder.ReportLength * 256));
            received += Math.Max(read, 0);
        }

        long elapsed = Stopwatch.GetTimestamp() - began;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        feeder.Join();
        Interop.Close(host);
        Array.Sort(latencies);
        double microsecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;

        return new Result(
            EventsPerSecond: 2.0 * throughputFrames / (elapsed / (double)Stopwatch.Frequency),
            P50: latencies[latencies.Length / 2] * microsecondsPerTick,
            P99: latencies[(int)(latencies.Length * 0.99)] * microsecondsPerTick,
            P999: latencies[(int)(latencies.Length * 0.999)] * microsecondsPerTick,
            BytesPerEvent: allocated / (2.0 * throughputFrames),
            BytesAllocated: allocated);
    }

    /// <summary>Alternating press/release frames of KEY_A, each EV_KEY + SYN_REPORT.</summary>
    private static byte[] BuildFrames(int count)
    {
        byte[] bytes = new byte[count * FrameBytes];
        for (int index = 0; index < count; index++)
        {
            InputEventCodec.Encode(new EvdevEvent(1_000_000_000 + index, EventTypes.Key, KeyCodes.A, 1 - (index & 1)), bytes.AsSpan(index * FrameBytes));
            InputEventCodec.Encode(new EvdevEvent(1_000_000_000 + index, EventTypes.Synchronization, SynchronizationCodes.Report, 0), bytes.AsSpan(index * FrameBytes + InputEventCodec.EventSize));
        }

        return bytes;
    }

    private static void ReadExactly(int fileDescriptor, byte* buffer, int length)
    {
        int filled = 0;
        while (filled < length)
        {
            nint read = Interop.Read(fileDescriptor, buffer + filled, length - filled);
            if (read <= 0)
            {
                throw new IOException($"gadget side closed: errno {Interop.LastError}");
            }

            filled += (int)read;
        }
    }

    private static int Open(string path, int flags)
    {
        int fileDescriptor = Interop.Open(path, flags | Interop.O_CLOEXEC, 0);
        return fileDescriptor >= 0 ? fileDescriptor : throw new IOException($"open {path}: errno {Interop.LastError}");
    }

    private static Result Median(List<Result> results)
    {
        static double MedianOf(IEnumerable<double> values)
        {
            double[] sorted = [.. values.Order()];
            return sorted[sorted.Length / 2];
        }

        return new Result(
            MedianOf(results.Select(result => result.EventsPerSecond)),
            MedianOf(results.Select(result => result.P50)),
            MedianOf(results.Select(result => result.P99)),
            MedianOf(results.Select(result => result.P999)),
            results.Max(result => result.BytesPerEvent),
            results.Max(result => result.BytesAllocated));
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private readonly record struct Result(double EventsPerSecond, double P50, double P99, double P999, double BytesPerEvent, long BytesAllocated);

    /// <summary>An evdev FIFO (fed by the harness) and a gadget FIFO (read by the harness) in a temporary directory.</summary>
    private sealed class Pipes : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("edgecapture-relay-bench-").FullName;

        public Pipes()
        {
            Input = Path.Combine(_directory, "event-keyboard");
            Gadget = Path.Combine(_directory, "hidg0");
            if (Interop.MakeFifo(Input, 0x180) != 0 || Interop.MakeFifo(Gadget, 0x180) != 0)
            {
                throw new IOException($"mkfifo: errno {Interop.LastError}");
            }

            // Held read-write so the evdev side can be opened in any order; closing it is the unplug.
            Feed = Open(Input, Interop.O_RDWR);
        }

        public string Input { get; }

        public string Gadget { get; }

        public int Feed { get; set; }

        public void Dispose()
        {
            if (Feed >= 0)
            {
                Interop.Close(Feed);
            }

            Directory.Delete(_directory, recursive: true);
        }
    }
}
