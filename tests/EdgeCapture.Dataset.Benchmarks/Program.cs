using System.Diagnostics;
using System.Globalization;
using EdgeCapture.Crypto;
using EdgeCapture.Dataset.Export;
using EdgeCapture.Dataset.Sources;
using EdgeCapture.Dataset.Tests;
using EdgeCapture.Hid;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Simulation;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Dataset.Benchmarks;

/// <summary>
/// Export throughput against `age -d` over the same ciphertext, in the same run: a synthetic session (125 Hz mouse,
/// typing, a JPEG frame every 200 ms, clicks whose frame the pointer locator searches) is sealed into a real outbox;
/// then, interleaved run by run, `age -d` decrypts every segment's ciphertext file to /dev/null and `dataset export`
/// (this program re-run as a child: verify, decrypt, decode, write Parquet) exports it, each under /usr/bin/time for
/// wall time, CPU time and peak RSS. Three session sizes, 10x and 32x apart, show whether memory stays bounded. Also prints the pointer accuracy
/// measured on the simulated desktop (--accuracy-seeds). With --pointer absolute the session is recorded as in absolute
/// pointer mode (a pointer position after each mouse record that moved the pointer), so the export searches no frame.
/// With --cli PATH (the Bench target passes the published self-contained CLI) the shipped `edgecapture dataset export`
/// is timed too, in the same loop, as a second row per size.
/// Usage: [--sizes-mib 32,320,1024] [--runs 3] [--accuracy-seeds 8] [--pointer relative|absolute] [--cli PATH].
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 4 && args[0] == "child-export")
        {
            return await ChildExportAsync(args[1], args[2], args[3]).ConfigureAwait(false);
        }

        if (args.Length >= 3 && args[0] == "create-box")
        {
            // For profiling an export by hand (dotnet-trace, dotnet-counters): seals a session into DIR/box, DIR/custodian.txt.
            Directory.CreateDirectory(args[1]);
            (int count, long length) = CreateBox(Path.Combine(args[1], "box"), Path.Combine(args[1], "custodian.txt"), Path.Combine(args[1], "ciphertext"), int.Parse(args[2], CultureInfo.InvariantCulture), absolute: StringOption(args, "--pointer") == "absolute");
            Console.WriteLine(Invariant($"{count} segments, {length} ciphertext bytes"));
            return 0;
        }

        int[] sizes = [.. (StringOption(args, "--sizes-mib") ?? "32,320,1024").Split(',').Select(text => int.Parse(text, CultureInfo.InvariantCulture))];
        int runs = int.Parse(StringOption(args, "--runs") ?? "3", CultureInfo.InvariantCulture);
        int accuracySeeds = int.Parse(StringOption(args, "--accuracy-seeds") ?? "8", CultureInfo.InvariantCulture);
        bool absolute = (StringOption(args, "--pointer") ?? "relative") switch
        {
            "relative" => false,
            "absolute" => true,
            string other => throw new ArgumentException($"--pointer {other}: relative or absolute"),
        };
        foreach (string tool in new[] { "/usr/bin/age", "/usr/bin/time" })
        {
            if (!File.Exists(tool))
            {
                Console.Error.WriteLine($"missing {tool} (Debian packages age and time)");
                return 2;
            }
        }

        PrintAccuracy(accuracySeeds);
        string root = Directory.CreateTempSubdirectory("edgecapture-dataset-bench-").FullName;
        try
        {
            Console.WriteLine();
            Console.WriteLine("| session | segments | ciphertext MiB | age -d s (MiB/s) | age CPU s | age peak RSS MiB | export s (MiB/s) | export CPU s | export peak RSS MiB | export GC heap MiB | export/age throughput |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (int size in sizes)
            {
                Measure(Path.Combine(root, size.ToString(CultureInfo.InvariantCulture)), size, runs, absolute, StringOption(args, "--cli"));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    private static void PrintAccuracy(int seeds)
    {
        var watch = Stopwatch.StartNew();
        PointerAccuracyMeasurement.Result result = PointerAccuracyMeasurement.Measure(Enumerable.Range(1, seeds), TimeSpan.FromSeconds(60));
        Console.WriteLine(Invariant($"Pointer accuracy on the simulated desktop ({seeds} scripts x 60 s, host acceleration = PointerAccelerationProfile defaults, {result.Corrected.Count} button presses, {watch.Elapsed.TotalSeconds:0.0} s):"));
        Console.WriteLine();
        Console.WriteLine("| coordinates | median px | p90 px | p95 px | max px | within 2 px |");
        Console.WriteLine("|---|---|---|---|---|---|");
        Console.WriteLine(Invariant($"| integrated, clamped (no correction) | {PointerAccuracyMeasurement.Result.Percentile(result.Uncorrected, 0.5):0.0} | {PointerAccuracyMeasurement.Result.Percentile(result.Uncorrected, 0.9):0.0} | {PointerAccuracyMeasurement.Result.Percentile(result.Uncorrected, 0.95):0.0} | {result.Uncorrected.Max():0.0} | {(double)result.Uncorrected.Count(error => error <= 2) / result.Uncorrected.Count:P0} |"));
        Console.WriteLine(Invariant($"| corrected at each press (exported) | {PointerAccuracyMeasurement.Result.Percentile(result.Corrected, 0.5):0.0} | {PointerAccuracyMeasurement.Result.Percentile(result.Corrected, 0.9):0.0} | {PointerAccuracyMeasurement.Result.Percentile(result.Corrected, 0.95):0.0} | {result.Corrected.Max():0.0} | {result.Within(2):P0} |"));
        Console.WriteLine(Invariant($"pointer found in the frame before {result.Found} of {result.Attempted} presses ({(double)result.Found / Math.Max(1, result.Attempted):P0})"));
    }

    private static void Measure(string directory, int sizeMiB, int runs, bool absolute, string? cli)
    {
        Directory.CreateDirectory(directory);
        string box = Path.Combine(directory, "box");
        string identityPath = Path.Combine(directory, "custodian.txt");
        string ciphertexts = Path.Combine(directory, "ciphertext");
        (int segments, long bytes) = CreateBox(box, identityPath, ciphertexts, sizeMiB, absolute);
        string self = Environment.ProcessPath!;
        string selfDll = typeof(Program).Assembly.Location;
        bool selfIsHost = Path.GetFileNameWithoutExtension(self) == "dotnet";
        string[] files = [.. Directory.GetFiles(ciphertexts).Order(StringComparer.Ordinal)];
        string ageScript = Path.Combine(directory, "age-all.sh");
        File.WriteAllText(ageScript, "#!/bin/sh\nset -e\nfor f in \"$@\"; do /usr/bin/age -d -i " + identityPath + " -o /dev/null \"$f\"; done\n");
        var age = new List<(double Seconds, long PeakKiB, double CpuSeconds, double HeapMiB)>();
        var export = new List<(double Seconds, long PeakKiB, double CpuSeconds, double HeapMiB)>();
        var shipped = new List<(double Seconds, long PeakKiB, double CpuSeconds, double HeapMiB)>();
        for (int run = 0; run < runs; run++)
        {
            age.Add(Timed(["/bin/sh", ageScript, .. files]));
            string output = Path.Combine(directory, "out-" + run.ToString(CultureInfo.InvariantCulture));
            export.Add(Timed(selfIsHost ? [self, selfDll, "child-export", box, identityPath, output] : [self, "child-export", box, identityPath, output]));
            Directory.Delete(output, recursive: true);
            if (cli is not null)
            {
                shipped.Add(Timed([cli, "dataset", "export", "--outbox", box, "-i", identityPath, "-o", output, "--json"]));
                Directory.Delete(output, recursive: true);
            }
        }

        double mib = bytes / (1024.0 * 1024.0);
        string session = Invariant($"{sizeMiB} MiB{(absolute ? ", absolute" : string.Empty)}");
        Row(session, segments, mib, age, export);
        if (shipped.Count > 0)
        {
            Row(session + ", shipped CLI", segments, mib, age, shipped);
        }
    }

    private static void Row(string session, int segments, double mib, List<(double Seconds, long PeakKiB, double CpuSeconds, double HeapMiB)> age, List<(double Seconds, long PeakKiB, double CpuSeconds, double HeapMiB)> export)
    {
        double ageSeconds = Median(age.Select(sample => sample.Seconds));
        double exportSeconds = Median(export.Select(sample => sample.Seconds));
        double heap = export.Max(sample => sample.HeapMiB);
        Console.WriteLine(Invariant($"| {session} | {segments} | {mib:0.0} | {ageSeconds:0.00} ({mib / ageSeconds:0}) | {Median(age.Select(sample => sample.CpuSeconds)):0.00} | {age.Max(sample => sample.PeakKiB) / 1024.0:0} | {exportSeconds:0.00} ({mib / exportSeconds:0}) | {Median(export.Select(sample => sample.CpuSeconds)):0.00} | {export.Max(sample => sample.PeakKiB) / 1024.0:0} | {(heap > 0 ? heap.ToString("0", CultureInfo.InvariantCulture) : "-")} | {ageSeconds / exportSeconds:0.00}x |"));
    }

    /// <summary>Seals a synthetic session of about <paramref name="sizeMiB"/> into a real outbox; copies each ciphertext out for age.</summary>
    private static (int Segments, long Bytes) CreateBox(string box, string identityPath, string ciphertexts, int sizeMiB, bool absolute)
    {
        Directory.CreateDirectory(box);
        Directory.CreateDirectory(ciphertexts);
        using AgeIdentity custodian = AgeIdentity.Generate();
        custodian.SaveFile(identityPath, DateTimeOffset.UtcNow);
        using DeviceSigningKey deviceKey = DeviceSigningKey.LoadOrCreate(Path.Combine(box, "device.key"), DateTimeOffset.UtcNow);
        byte[][] frames = RenderFrames(12);
        var sessionId = Guid.CreateVersion7();
        var time = TimeProvider.System;
        long bytes = 0;
        int index = 0;
        using (var outbox = SegmentOutbox.Open(Path.Combine(box, "outbox.db"), new OutboxOptions { QuotaBytes = 64L << 30 }, NullLogger<SegmentOutbox>.Instance, time))
        using (var sink = new OutboxSegmentSink(outbox, [custodian.Recipient], deviceKey, "bench-box", time))
        {
            byte[] previous = new byte[32];
            const long Origin = 1_000_000_000_000;
            const long SegmentNanoseconds = 5_000_000_000;
            long wall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

            // The simulated office user (typing, shortcuts, moves, clicks, drags, scrolls, pauses) as the box records it,
            // with a frame every 200 ms: about 3.5 MiB of plaintext per 5 s segment.
            int segmentsWanted = Math.Max(1, (int)Math.Ceiling(sizeMiB / 3.5));
            var script = Input.Simulation.DesktopActivityScript.CreateDefault(17, TimeSpan.FromSeconds(segmentsWanted * 5));
            List<(long Time, int Kind, int A, int B, int C, int D, int E)> input = Workload.Input(script, Origin);
            // The simulated host: it moves its pointer with the gadget's documented acceleration, as the accuracy figure
            // assumes. A frame a press will look into shows the pointer where the host has it then; the other frames
            // cycle through the pre-rendered desktops.
            var pointer = new AbsolutePointerTracker(1920, 1080, new PointerAccelerationProfile());
            long[] presses = PressTimes(input);
            int pressCursor = 0;
            byte[] canvas = new byte[1920 * 2 * 1080];
            using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = 75 });
            int cursor = 0;
            long frameTime = Origin;
            int frameIndex = 0;
            for (int segmentIndex = 0; segmentIndex < segmentsWanted; segmentIndex++)
            {
                long start = Origin + (segmentIndex * SegmentNanoseconds);
                long end = start + SegmentNanoseconds;
                var segment = new SyntheticSegment("bench-box", sessionId, index, start, wall);
                while (true)
                {
                    long nextInput = cursor < input.Count ? input[cursor].Time : long.MaxValue;
                    long next = Math.Min(nextInput, frameTime);
                    if (next >= end)
                    {
                        break;
                    }

                    if (frameTime <= nextInput)
                    {
                        while (pressCursor < presses.Length && presses[pressCursor] < frameTime)
                        {
                            pressCursor++;
                        }

                        bool searched = pressCursor < presses.Length && presses[pressCursor] < frameTime + FrameInterval;
                        segment.Frame(frameTime, searched ? PointerAccuracyMeasurement.RenderDesktop(pointer.X, pointer.Y, frameIndex % 12, encoder, canvas) : frames[frameIndex % frames.Length]);
                        frameIndex++;
                        frameTime += FrameInterval;
                        continue;
                    }

                    (long at, int kind, int a, int b, int c, int d, int _) = input[cursor++];
                    if (kind == 0)
                    {
                        segment.Key(at, (ushort)a, b != 0);
                    }
                    else
                    {
                        segment.Mouse(at, (MouseButtons)a, b, c, d);
                        if (pointer.Move(b, c, at) && absolute)
                        {
                            segment.Position(at, pointer.X, pointer.Y);
                        }
                    }
                }

                bool last = segmentIndex == segmentsWanted - 1;
                SessionEndReason reason = last ? SessionEndReason.Shutdown : SessionEndReason.None;
                byte[] plaintext = segment.Finish(end, reason);
                var request = new SegmentSealRequest(sessionId, index, start, end, DateTimeOffset.FromUnixTimeMilliseconds((wall + (start - Origin)) / 1_000_000),
                    DateTimeOffset.FromUnixTimeMilliseconds((wall + (end - Origin)) / 1_000_000), segment.Counts, reason, previous);
                SealedSegment sealedSegment = sink.Seal(request, plaintext) ?? throw new InvalidOperationException("outbox full");
                previous = sealedSegment.ManifestSha256.ToArray();
                bytes += sealedSegment.CiphertextLength;
                index++;
            }

            foreach (OutboxSegment segment in outbox.GetAllSegments())
            {
                Assert(outbox.TryOpenCiphertext(segment.Key, out Stream? stream));
                using (stream)
                using (var file = File.Create(Path.Combine(ciphertexts, segment.Key.SegmentIndex.ToString("00000", CultureInfo.InvariantCulture) + ".age")))
                {
                    stream!.CopyTo(file);
                }
            }
        }

        return (index, bytes);
    }

    private const long FrameInterval = 200_000_000;

    /// <summary>When a mouse button goes down, in time order.</summary>
    private static long[] PressTimes(List<(long Time, int Kind, int A, int B, int C, int D, int E)> input)
    {
        var presses = new List<long>();
        int buttons = 0;
        foreach ((long at, int kind, int a, int _, int _, int _, int _) in input)
        {
            if (kind != 0)
            {
                if ((a & ~buttons) != 0)
                {
                    presses.Add(at);
                }

                buttons = a;
            }
        }

        return [.. presses];
    }

    private static byte[][] RenderFrames(int count)
    {
        var frames = new byte[count][];
        byte[] canvas = new byte[1920 * 2 * 1080];
        using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = 75 });
        for (int index = 0; index < count; index++)
        {
            var script = Input.Simulation.DesktopActivityScript.CreateDefault(index + 1, TimeSpan.FromSeconds(30));
            new SimulatedDesktop(script, index).Render(TimeSpan.FromSeconds(2 + index), canvas, 1920, 1080, 3840);
            frames[index] = encoder.EncodePacked(canvas, PixelLayout.Uyvy, 1920, 1080, 3840, out _, out _).ToArray();
        }

        return frames;
    }

    private static async Task<int> ChildExportAsync(string box, string identityPath, string output)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyList<AgeIdentity> identities = AgeIdentity.LoadFile(identityPath);
        using OutboxSegmentSource source = OutboxSegmentSource.Open(box);
        double opened = watch.Elapsed.TotalSeconds;
        double verified = 0;
        long peakHeap = 0;
        var progress = new SynchronousProgress(report =>
        {
            if (report.Phase == "verify")
            {
                verified = watch.Elapsed.TotalSeconds;
            }

            // After each segment: what the managed heap holds then (the GC's view, not the process's RSS).
            peakHeap = Math.Max(peakHeap, GC.GetGCMemoryInfo().HeapSizeBytes);
        });
        ExportResult result = await DatasetExporter.ExportAsync(source, new ExportOptions { OutputDirectory = output, Identities = identities }, progress).ConfigureAwait(false);
        Console.Error.WriteLine(Invariant($"child: opened {opened:0.00} s, verified {verified:0.00} s, done {watch.Elapsed.TotalSeconds:0.00} s; GC heap after a segment at most {peakHeap / 1048576.0:0} MiB; GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, paused {GC.GetTotalPauseDuration().TotalSeconds:0.00} s; JIT {System.Runtime.JitInfo.GetCompiledMethodCount()} methods, {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:0.00} s; presses searched {result.Sessions.Sum(session => session.CorrectionsAttempted)}"));
        return result.Segments > 0 ? 0 : 1;
    }

    /// <summary>Reports on the exporter's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<ExportProgress> report) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value) => report(value);
    }

    /// <summary>Wall seconds, peak RSS, user + system CPU seconds, and the GC heap the export child reports (0 for age).</summary>
    private static (double Seconds, long PeakKiB, double CpuSeconds, double HeapMiB) Timed(string[] command)
    {
        var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add("%e %M %U %S");
        foreach (string argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEnd();
        string[] lines = process.StandardError.ReadToEnd().Trim().Split('\n');
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed: {string.Join('\n', lines)}");
        }

        double heap = 0;
        foreach (string line in lines.Where(line => line.StartsWith("child:", StringComparison.Ordinal)))
        {
            Console.Error.WriteLine(line);
            const string Marker = "GC heap after a segment at most ";
            int at = line.IndexOf(Marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                heap = double.Parse(line[(at + Marker.Length)..].Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        string[] fields = lines[^1].Split(' ');
        double cpu = double.Parse(fields[2], CultureInfo.InvariantCulture) + double.Parse(fields[3], CultureInfo.InvariantCulture);
        return (double.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture), cpu, heap);
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }

    private static void Assert(bool condition)
    {
        if (!condition)
        {
            throw new InvalidOperationException("The outbox lost a ciphertext.");
        }
    }

    private static string? StringOption(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
