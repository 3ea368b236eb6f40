using EdgeCapture.Privacy.Gates;
using System.CommandLine;
using System.Globalization;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Video;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture capture</c>: runs the video capture stage alone and reports what the sampler kept. Sources: the simulated
/// desktop (<c>--simulate</c>, driven by the same script as the simulated relay) or an MJPEG file / JPEG folder
/// (<c>--file</c>). <c>--probe DEVICE</c> lists what a real V4L2 node offers without capturing a frame. Real screens are
/// never captured by this command: they are recorded only by <c>edgecapture record</c>, behind the privacy switch, and
/// only sealed; so <c>--output-dir</c> can only ever hold synthetic or replayed frames.
/// </summary>
internal static class CaptureCommand
{
    public static Command Create()
    {
        var simulate = new Option<bool>("--simulate") { Description = "Capture the simulated desktop (deterministic for a seed)." };
        var file = new Option<string?>("--file") { Description = "Capture from an MJPEG stream file or a folder of JPEG images." };
        var probe = new Option<string?>("--probe") { Description = "List the formats and sizes of a V4L2 device (e.g. /dev/video0) and exit; captures nothing." };
        var duration = new Option<string>("--duration") { Description = "How much simulated time to capture: 10s, 2m or plain seconds.", DefaultValueFactory = _ => "10s" };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated user and desktop.", DefaultValueFactory = _ => 1 };
        var framesPerSecond = new Option<int>("--fps") { Description = "Frames per second of the source.", DefaultValueFactory = _ => 30 };
        var quality = new Option<int>("--quality") { Description = "JPEG quality 1-100.", DefaultValueFactory = _ => new JpegEncodingOptions().Quality };
        var halfSize = new Option<bool>("--half-size") { Description = "Encode kept frames at half width and height." };
        var realTime = new Option<bool>("--real-time") { Description = "Pace the source in real time (default: as fast as possible)." };
        var outputDirectory = new Option<string?>("--output-dir") { Description = "Write kept frames as JPEG files and markers as markers.txt here." };
        var outputStats = new Option<bool>("--output-stats") { Description = "Print the capture counters and the kept frames per reason." };
        var command = new Command("capture", "Run the capture stage on the simulated desktop or a file and report which frames the sampler keeps and why.");
        foreach (Option option in new Option[] { simulate, file, probe, duration, seed, framesPerSecond, quality, halfSize, realTime, outputDirectory, outputStats })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            if (parseResult.GetValue(probe) is { } device)
            {
                return Probe(device, output, error);
            }

            string? path = parseResult.GetValue(file);
            if (parseResult.GetValue(simulate) == (path is not null))
            {
                return CliErrors.Report(error, "capture", "choose exactly one source: --simulate or --file PATH (or --probe DEVICE).", ExitCodes.Usage);
            }

            if (!TryParseDuration(parseResult.GetValue(duration) ?? "10s", out TimeSpan length))
            {
                return CliErrors.Report(error, "capture", "--duration must look like 10s, 2m or 30 (seconds), between 1 s and 24 h.", ExitCodes.Usage);
            }

            int fps = parseResult.GetValue(framesPerSecond);
            var encoding = new JpegEncodingOptions { Quality = parseResult.GetValue(quality), DownscaleFactor = parseResult.GetValue(halfSize) ? 2 : 1 };
            if (fps is < 1 or > 120 || encoding.Quality is < 1 or > 100)
            {
                return CliErrors.Report(error, "capture", "--fps must be 1-120 and --quality 1-100.", ExitCodes.Usage);
            }

            SimulatedPacing pacing = parseResult.GetValue(realTime) ? SimulatedPacing.RealTime : SimulatedPacing.AsFastAsPossible;
            CaptureStage? stage = null;
            IFrameSource source;
            try
            {
                source = path is not null
                    ? new ImageFileSource(path, new ImageFileSourceOptions { FramesPerSecond = fps, Pacing = pacing }, TimeProvider.System)
                    : new SimulatedDesktopSource(
                        DesktopActivityScript.CreateDefault(parseResult.GetValue(seed), length),
                        new SimulatedSourceOptions { FramesPerSecond = fps, Pacing = pacing, Seed = parseResult.GetValue(seed) },
                        TimeProvider.System)
                    {
                        ActionObserver = action => stage!.NotifyAction(action),
                    };
            }
            catch (FileNotFoundException notFound)
            {
                return CliErrors.Report(error, "capture", notFound.Message, ExitCodes.Failed);
            }

            // Synthetic or replayed frames only (see the class summary): the gate is open for the whole run.
            stage = new CaptureStage(source, new DelegateRecordingGate(_ => true), new CaptureStageOptions { Encoding = encoding, OutputCapacity = 4096 }, TimeProvider.System, NullLogger<CaptureStage>.Instance);
            using (stage)
            {
                return await RunAsync(stage, parseResult.GetValue(outputDirectory), parseResult.GetValue(outputStats), output, cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(CaptureStage stage, string? outputDirectory, bool stats, TextWriter output, CancellationToken cancellationToken)
    {
        if (outputDirectory is not null)
        {
            Directory.CreateDirectory(outputDirectory);
        }

        long? start = null;
        var reasons = new SortedDictionary<FrameKeepReason, int>();
        int frames = 0;
        long bytes = 0;
        var markers = new List<string>();
        Task run = stage.RunAsync(cancellationToken);
        await foreach (CaptureRecord record in stage.Records.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            start ??= record.MonotonicNanoseconds;
            double at = (record.MonotonicNanoseconds - start.Value) / 1e9;
            if (record is CaptureMarker marker)
            {
                markers.Add(string.Create(CultureInfo.InvariantCulture, $"{at:F3} {marker.Kind} {marker.Width}x{marker.Height} {marker.Detail}"));
                continue;
            }

            using var frame = (CapturedFrame)record;
            frames++;
            bytes += frame.Length;
            foreach (FrameKeepReason reason in Enum.GetValues<FrameKeepReason>())
            {
                if (reason != FrameKeepReason.None && frame.Reasons.HasFlag(reason))
                {
                    reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                }
            }

            if (outputDirectory is not null)
            {
                string name = string.Create(CultureInfo.InvariantCulture, $"{frame.SequenceNumber:D6}-{at:000000.000}s-{frame.Reasons.ToString().Replace(", ", "+", StringComparison.Ordinal)}.jpg");
                await File.WriteAllBytesAsync(Path.Combine(outputDirectory, name), frame.EncodedBytes, CancellationToken.None).ConfigureAwait(false);
            }
        }

        try
        {
            await run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: report what was captured so far.
        }

        if (outputDirectory is not null)
        {
            await File.WriteAllLinesAsync(Path.Combine(outputDirectory, "markers.txt"), markers, CancellationToken.None).ConfigureAwait(false);
        }

        CaptureStatistics statistics = stage.GetStatistics();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"capture: kept {frames} of {statistics.FramesCaptured} frames, {bytes / 1024.0:F0} KiB, {markers.Count} markers"));
        if (stats)
        {
            output.WriteLine("reasons: " + (reasons.Count == 0 ? "none" : string.Join(", ", reasons.Select(p => $"{p.Key} {p.Value}"))));
            output.WriteLine(statistics.ToString());
            foreach (string marker in markers)
            {
                output.WriteLine("marker: " + marker);
            }
        }

        return 0;
    }

    private static int Probe(string device, TextWriter output, TextWriter error)
    {
        string name = Path.GetFileName(device);
        if (!name.StartsWith("video", StringComparison.Ordinal) || !int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int busId))
        {
            return CliErrors.Report(error, "capture", $"--probe expects a V4L2 node like /dev/video0, not '{device}'.", ExitCodes.Usage);
        }

        IReadOnlyList<VideoDeviceFormat> formats;
        try
        {
            formats = VideoDeviceProbe.Describe(busId);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return CliErrors.Report(error, "capture", $"cannot open {device}: {failure.Message}", ExitCodes.Unavailable);
        }

        foreach (VideoDeviceFormat format in formats)
        {
            output.WriteLine($"{format.Format}: {string.Join(", ", format.Sizes.Select(s => $"{s.Width}x{s.Height}"))}");
        }

        output.WriteLine($"kind: {VideoDeviceProbe.KindOf(formats)?.ToString() ?? "unknown (neither UYVY nor MJPEG)"}");
        return 0;
    }

    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        double scale = 1;
        ReadOnlySpan<char> number = text.AsSpan().Trim();
        if (number.EndsWith("s", StringComparison.Ordinal))
        {
            number = number[..^1];
        }
        else if (number.EndsWith("m", StringComparison.Ordinal))
        {
            number = number[..^1];
            scale = 60;
        }
        else if (number.EndsWith("h", StringComparison.Ordinal))
        {
            number = number[..^1];
            scale = 3600;
        }

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            return false;
        }

        double seconds = value * scale;
        if (seconds is < 1 or > 86_400)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
