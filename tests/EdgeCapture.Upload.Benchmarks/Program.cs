using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Broker;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Upload.Benchmarks;

/// <summary>
/// Upload benchmark: simulated boxes publish through a real Mosquitto on loopback into one collector (a child process
/// of this program, so its memory is its own). In the same run, <c>mosquitto_sub</c> consumes the same traffic: the
/// broker's floor. Prints ingest MB/s and segments/s against the floor, seal-to-stored p50/p99 with 100 boxes at a
/// realistic rate, and the collector's RSS while it stores a segment larger than the heap it is allowed.
/// Usage: [--boxes 8] [--segments 8] [--segment-mib 2] [--latency-boxes 100] [--latency-seconds 20] [--latency-kib 256]
/// [--large-mib 512] [--heap-limit-mib 96]. Plain TCP on loopback: this measures ingest, not TLS.
/// </summary>
internal static class Program
{
    private const int PartSize = 256 * 1024;

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 3 && args[0] == "collector-child")
        {
            return await RunCollectorChildAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
        }

        int boxes = Option(args, "--boxes", 8);
        int segments = Option(args, "--segments", 8);
        int segmentMiB = Option(args, "--segment-mib", 2);
        int latencyBoxes = Option(args, "--latency-boxes", 100);
        int latencySeconds = Option(args, "--latency-seconds", 20);
        int latencyKiB = Option(args, "--latency-kib", 256);
        int largeMiB = Option(args, "--large-mib", 512);
        int heapLimitMiB = Option(args, "--heap-limit-mib", 96);
        if (!File.Exists("/usr/sbin/mosquitto") || !File.Exists("/usr/bin/mosquitto_sub"))
        {
            Console.Error.WriteLine("needs the Debian packages mosquitto and mosquitto-clients");
            return 2;
        }

        DirectoryInfo directory = Directory.CreateTempSubdirectory("edgecapture-upload-bench-");
        int port = FreePort();
        File.WriteAllText(Path.Combine(directory.FullName, "mosquitto.conf"), $"""
            listener {port} 127.0.0.1
            allow_anonymous true
            max_packet_size 1048576
            max_queued_messages 1000000
            max_inflight_messages 64
            persistence false
            """);
        using Process broker = StartQuiet("/usr/sbin/mosquitto", ["-c", Path.Combine(directory.FullName, "mosquitto.conf")]);
        await WaitForPortAsync(port);
        try
        {
            long segmentBytes = (long)segmentMiB << 20;
            long totalBytes = segmentBytes * segments * boxes;
            int messagesPerSegment = (int)((segmentBytes - 1) / PartSize) + 2;

            // 1. The floor: the same uploads, consumed by mosquitto_sub (no collector, no answers).
            TimeSpan floor = await MeasureFloorAsync(port, boxes, segments, segmentBytes, messagesPerSegment * segments * boxes);

            // 2. The collector: the same uploads, each segment stored and answered.
            string store = Path.Combine(directory.FullName, "store");
            var allBoxes = Enumerable.Range(0, Math.Max(boxes, latencyBoxes)).Select(index => new SimulatedBox($"bench-{index:D3}")).ToList();
            using (CollectorStore enrolment = CollectorStore.Open(new CollectorOptions { StoreDirectory = store }))
            {
                foreach (SimulatedBox box in allBoxes)
                {
                    enrolment.Index.Enroll(box.DeviceId, box.PublicKey, false, DateTimeOffset.UtcNow);
                }
            }

            (TimeSpan ingest, double[] latencies, long collectorPeak) = await MeasureCollectorAsync(store, port, allBoxes, boxes, segments, segmentBytes, latencyBoxes, latencySeconds, (long)latencyKiB << 10);

            // 3. Memory: a segment larger than the collector's heap may grow.
            (bool stored, long largePeak, TimeSpan largeTime) = await MeasureLargeSegmentAsync(Path.Combine(directory.FullName, "large-store"), port, (long)largeMiB << 20, heapLimitMiB);

            double floorMegabytes = totalBytes / 1e6 / floor.TotalSeconds;
            double ingestMegabytes = totalBytes / 1e6 / ingest.TotalSeconds;
            Array.Sort(latencies);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Upload benchmark: {boxes} boxes x {segments} segments x {segmentMiB} MiB in {PartSize / 1024} KiB parts through Mosquitto 2.0 on loopback ({Environment.ProcessorCount} cores)"));
            Console.WriteLine();
            Console.WriteLine("| Measure | Floor (mosquitto_sub) | Collector | Ratio | Goal |");
            Console.WriteLine("|---|---|---|---|---|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Throughput MB/s | {floorMegabytes:0.0} | {ingestMegabytes:0.0} | {ingestMegabytes / floorMegabytes:0.00}x | >= 0.67x |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Segments/s | {segments * boxes / floor.TotalSeconds:0.0} | {segments * boxes / ingest.TotalSeconds:0.0} | {floor.TotalSeconds / ingest.TotalSeconds:0.00}x | |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Seal-to-stored p50 ({latencyBoxes} boxes, {latencyKiB} KiB every 5 s, {latencies.Length} segments) | | {Percentile(latencies, 0.50):0} ms | | |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Seal-to-stored p99 | | {Percentile(latencies, 0.99):0} ms | | < 1000 ms |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Collector peak RSS, throughput and latency runs | | {collectorPeak / 1048576.0:0} MiB | | |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Collector peak RSS, one {largeMiB} MiB segment, GC heap limit {heapLimitMiB} MiB | | {largePeak / 1048576.0:0} MiB ({(stored ? "stored" : "NOT stored")} in {largeTime.TotalSeconds:0.0} s) | | bounded |"));
            foreach (SimulatedBox box in allBoxes)
            {
                await box.DisposeAsync();
            }

            return 0;
        }
        finally
        {
            broker.Kill();
            directory.Delete(recursive: true);
        }
    }

    private static async Task<TimeSpan> MeasureFloorAsync(int port, int boxes, int segments, long segmentBytes, int expectedMessages)
    {
        using Process subscriber = StartQuiet("/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-q", "1", "-t", "edgecapture/v1/+/up/#",
            "-C", expectedMessages.ToString(CultureInfo.InvariantCulture), "-i", "floor"]);
        await Task.Delay(1000); // mosquitto_sub has no "subscribed" signal; a second is plenty on loopback.
        var floorBoxes = Enumerable.Range(0, boxes).Select(index => new SimulatedBox($"floor-{index:D3}")).ToList();
        foreach (SimulatedBox box in floorBoxes)
        {
            await box.ConnectAsync(port);
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(floorBoxes.Select(async box =>
        {
            for (int segment = 0; segment < segments; segment++)
            {
                await box.UploadAsync(segmentBytes, PartSize, expectAnswer: false);
            }
        }));
        await subscriber.WaitForExitAsync();
        TimeSpan elapsed = clock.Elapsed;
        foreach (SimulatedBox box in floorBoxes)
        {
            await box.DisposeAsync();
        }

        return elapsed;
    }

    private static async Task<(TimeSpan Ingest, double[] Latencies, long PeakRss)> MeasureCollectorAsync(string store, int port, List<SimulatedBox> allBoxes, int boxes, int segments, long segmentBytes, int latencyBoxes, int latencySeconds, long latencyBytes)
    {
        (Process collector, DevicePublicKey key) = await StartCollectorAsync(store, port, heapLimitMiB: 0);
        using var sampler = new RssSampler(collector.Id);
        try
        {
            foreach (SimulatedBox box in allBoxes)
            {
                box.Collector = key;
                await box.ConnectAsync(port);
            }

            var clock = Stopwatch.StartNew();
            await Task.WhenAll(allBoxes.Take(boxes).Select(async box =>
            {
                var answers = new List<Task<AnswerOutcome>>();
                for (int segment = 0; segment < segments; segment++)
                {
                    answers.Add((await box.UploadAsync(segmentBytes, PartSize, expectAnswer: true)).Answer);
                }

                foreach (AnswerOutcome outcome in await Task.WhenAll(answers))
                {
                    if (outcome != AnswerOutcome.Stored)
                    {
                        throw new InvalidOperationException($"a segment was answered {outcome}");
                    }
                }
            }));
            TimeSpan ingest = clock.Elapsed;

            // Realistic rate: each box seals a segment every 5 s (the recorder's default), starts spread over the first 5 s.
            var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(latencySeconds);
            await Task.WhenAll(allBoxes.Take(latencyBoxes).Select(async (box, index) =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5000.0 * index / latencyBoxes));
                while (DateTime.UtcNow < until)
                {
                    var sealedAt = Stopwatch.StartNew();
                    Task<AnswerOutcome> answer = (await box.UploadAsync(latencyBytes, PartSize, expectAnswer: true)).Answer;
                    if (await answer.WaitAsync(TimeSpan.FromSeconds(60)) == AnswerOutcome.Stored)
                    {
                        latencies.Add(sealedAt.Elapsed.TotalMilliseconds);
                    }

                    TimeSpan rest = TimeSpan.FromSeconds(5) - sealedAt.Elapsed;
                    if (rest > TimeSpan.Zero)
                    {
                        await Task.Delay(rest);
                    }
                }
            }));
            return (ingest, [.. latencies], sampler.Peak);
        }
        finally
        {
            collector.Kill();
            await collector.WaitForExitAsync();
            collector.Dispose();
        }
    }

    private static async Task<(bool Stored, long PeakRss, TimeSpan Elapsed)> MeasureLargeSegmentAsync(string store, int port, long length, int heapLimitMiB)
    {
        await using var box = new SimulatedBox("bench-large");
        using (CollectorStore enrolment = CollectorStore.Open(new CollectorOptions { StoreDirectory = store }))
        {
            enrolment.Index.Enroll(box.DeviceId, box.PublicKey, false, DateTimeOffset.UtcNow);
        }

        (Process collector, DevicePublicKey key) = await StartCollectorAsync(store, port, heapLimitMiB);
        using var sampler = new RssSampler(collector.Id);
        try
        {
            box.Collector = key;
            await box.ConnectAsync(port);
            var clock = Stopwatch.StartNew();
            AnswerOutcome outcome = await (await box.UploadAsync(length, PartSize, expectAnswer: true)).Answer.WaitAsync(TimeSpan.FromMinutes(10));
            return (outcome == AnswerOutcome.Stored, sampler.Peak, clock.Elapsed);
        }
        finally
        {
            collector.Kill();
            await collector.WaitForExitAsync();
            collector.Dispose();
        }
    }

    private static async Task<(Process Collector, DevicePublicKey Key)> StartCollectorAsync(string store, int port, int heapLimitMiB)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, ["collector-child", store, port.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Insert(0, typeof(Program).Assembly.Location);
        }

        if (heapLimitMiB > 0)
        {
            start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + ((long)heapLimitMiB << 20).ToString("X", CultureInfo.InvariantCulture);
        }

        Process collector = Process.Start(start)!;
        collector.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { Length: > 0 } text)
            {
                Console.Error.WriteLine("collector: " + text);
            }
        };
        collector.BeginErrorReadLine();
        string? ready = await collector.StandardOutput.ReadLineAsync();
        if (ready is null || !ready.StartsWith("ready ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the collector child did not start: " + ready);
        }

        return (collector, DevicePublicKey.Parse(ready["ready ".Length..]));
    }

    private static async Task<int> RunCollectorChildAsync(string store, int port)
    {
        using ILoggerFactory loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Error));
        await using CollectorService collector = await CollectorService.StartAsync(new CollectorServiceOptions
        {
            Store = new CollectorOptions { StoreDirectory = store },
            ExternalBroker = new BrokerConnectionOptions { Host = "127.0.0.1", Port = port, ClientId = "bench-collector-" + Environment.ProcessId, ReceiveQueueCapacity = 256 },
        }, loggerFactory, TimeProvider.System);
        if (!await collector.WaitConnectedAsync(TimeSpan.FromSeconds(30)))
        {
            return 3;
        }

        Console.WriteLine("ready " + collector.PublicKey);
        await Task.Delay(Timeout.InfiniteTimeSpan);
        return 0;
    }

    private static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];

    private static Process StartQuiet(string path, string[] arguments)
    {
        Process process = Process.Start(new ProcessStartInfo(path, arguments) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("mosquitto did not start");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

/// <summary>Samples a process's resident set size (/proc/PID/status VmRSS) every 50 ms and keeps the peak.</summary>
internal sealed class RssSampler : IDisposable
{
    private readonly Timer _timer;
    private long _peak;

    public RssSampler(int processId) => _timer = new Timer(_ => Sample(processId), null, 0, 50);

    public long Peak => Interlocked.Read(ref _peak);

    private void Sample(int processId)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{processId}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    long bytes = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                    long seen;
                    while ((seen = Interlocked.Read(ref _peak)) < bytes && Interlocked.CompareExchange(ref _peak, bytes, seen) != seen)
                    {
                    }
                }
            }
        }
        catch (IOException)
        {
            // The process ended.
        }
    }

    public void Dispose() => _timer.Dispose();
}
