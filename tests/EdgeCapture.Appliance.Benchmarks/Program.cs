// Appliance benchmark: the appliance in simulated steady state as a child process (x64), what a Pi Zero 2 W (512 MB)
// has to hold. Per row: start-up to the first key the simulated host reads, then resident memory (VmRSS, VmHWM) and CPU
// (utime+stime over wall time) sampled from /proc during the steady-state window. Peers in the same run: the runtime's
// floor ("edgecapture version": process start to exit) and the relay alone ("relay --simulate").
// Usage: dotnet run -c Release [-- --seconds 30 --cli PATH (an edgecapture executable or .dll; default: the Release build)]
using System.Diagnostics;
using System.Globalization;

int seconds = Argument("--seconds", 30);
string cli = ArgumentText("--cli") ?? FindRepository() + "/src/EdgeCapture.Cli/bin/Release/net10.0/edgecapture.dll";
string work = Directory.CreateTempSubdirectory("appliance-bench-").FullName;
try
{
    string recipient = Run("keys generate -o " + Path.Combine(work, "identity.txt")).Trim().Split('\n')[^1];
    TimeSpan floor = Median(Enumerable.Range(0, 5).Select(_ => Time("version")).ToList());
    var rows = new List<Row>
    {
        await Measure("relay alone (relay --simulate)", $"relay --simulate --duration {seconds}", firstLine: "] keyboard "),
        await Measure("appliance, input only", ApplianceArguments("input", "none", recipient), firstLine: "first key relayed"),
        await Measure("appliance, input + simulated video", ApplianceArguments("video", "simulated", recipient), firstLine: "first key relayed"),
    };

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Appliance benchmark: {cli}, {Environment.ProcessorCount} cores, steady state {seconds / 2}..{seconds} s after start"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"runtime floor (edgecapture version, start to exit, median of 5): {floor.TotalMilliseconds:0} ms"));
    Console.WriteLine();
    Console.WriteLine("| process | start-up to first relayed key | vs floor | RSS mean | RSS peak (VmHWM) | CPU % of one core |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    foreach (Row row in rows)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {row.Name} | {row.FirstKey.TotalMilliseconds:0} ms | {row.FirstKey / floor:0.0}x | {row.RssMeanMiB:0.0} MiB | {row.RssPeakMiB:0.0} MiB | {row.CpuPercent:0.0} |"));
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

string ApplianceArguments(string name, string videoSource, string recipient)
{
    string directory = Path.Combine(work, name);
    Directory.CreateDirectory(directory);
    string config = Path.Combine(directory, "appliance.json");
    File.WriteAllText(config, $$"""
        { "deviceId": "bench-{{name}}", "dataDirectory": "{{directory}}", "recipients": ["{{recipient}}"], "videoSource": "{{videoSource}}" }
        """);
    return $"run --simulate --config {config} --duration {seconds}";
}

async Task<Row> Measure(string name, string arguments, string firstLine)
{
    using Process process = Start(arguments);
    var started = Stopwatch.StartNew();
    var firstKey = new TaskCompletionSource<TimeSpan>();
    process.OutputDataReceived += (_, line) =>
    {
        if (line.Data is { } text && text.Contains(firstLine, StringComparison.Ordinal))
        {
            firstKey.TrySetResult(started.Elapsed);
        }
    };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    var rss = new List<double>();
    double peak = 0;
    double cpuStart = 0;
    TimeSpan windowStart = TimeSpan.FromSeconds(seconds / 2.0);
    TimeSpan windowEnd = TimeSpan.FromSeconds(seconds - 1);
    TimeSpan cpuWindowStart = TimeSpan.Zero;
    double cpuEnd = 0;
    TimeSpan cpuWindowEnd = TimeSpan.Zero;
    while (!process.HasExited && started.Elapsed < windowEnd)
    {
        await Task.Delay(250);
        if (started.Elapsed < windowStart || !TryReadStatus(process.Id, out double residentMiB, out double peakMiB, out double cpuSeconds))
        {
            continue;
        }

        if (rss.Count == 0)
        {
            cpuStart = cpuSeconds;
            cpuWindowStart = started.Elapsed;
        }

        rss.Add(residentMiB);
        peak = Math.Max(peak, peakMiB);
        cpuEnd = cpuSeconds;
        cpuWindowEnd = started.Elapsed;
    }

    process.StandardInput.Close();
    process.WaitForExit();
    if (!firstKey.Task.IsCompleted || rss.Count == 0)
    {
        throw new InvalidOperationException($"{name}: no first key or no samples (exit {process.ExitCode}).");
    }

    return new Row(name, firstKey.Task.Result, rss.Average(), peak, 100 * (cpuEnd - cpuStart) / (cpuWindowEnd - cpuWindowStart).TotalSeconds);
}

static bool TryReadStatus(int processId, out double residentMiB, out double peakMiB, out double cpuSeconds)
{
    residentMiB = peakMiB = cpuSeconds = 0;
    try
    {
        foreach (string line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                residentMiB = Kibibytes(line) / 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peakMiB = Kibibytes(line) / 1024;
            }
        }

        // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the parenthesised command name.
        string stat = File.ReadAllText($"/proc/{processId}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        cpuSeconds = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        return residentMiB > 0;
    }
    catch (IOException)
    {
        return false;
    }
}

static double Kibibytes(string line) => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

TimeSpan Time(string arguments)
{
    var clock = Stopwatch.StartNew();
    using Process process = Start(arguments);
    process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    return clock.Elapsed;
}

string Run(string arguments)
{
    using Process process = Start(arguments);
    string output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    return process.ExitCode == 0 ? output : throw new InvalidOperationException($"edgecapture {arguments} failed: {process.StandardError.ReadToEnd()}");
}

Process Start(string arguments)
{
    bool isDll = cli.EndsWith(".dll", StringComparison.Ordinal);
    var info = new ProcessStartInfo(isDll ? "dotnet" : cli, (isDll ? cli + " " : string.Empty) + arguments)
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        RedirectStandardInput = true,
        UseShellExecute = false,
    };
    return Process.Start(info)!;
}

static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

static string FindRepository()
{
    for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "EdgeCapture.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("EdgeCapture.sln not found above " + AppContext.BaseDirectory);
}

int Argument(string name, int fallback) => ArgumentText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

string? ArgumentText(string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

internal sealed record Row(string Name, TimeSpan FirstKey, double RssMeanMiB, double RssPeakMiB, double CpuPercent);
