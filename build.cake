// EdgeCapture build script: dotnet tool restore && dotnet cake --target=<Restore|Build|Test|Arm64Check|Bench|Publish> (Vectors and DatasetReader are steps of Test; the demo is the CLI's "demo" command)
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var benchFilter = Argument("bench", "*");
var testHangTimeout = Argument("test-hang-timeout", "5m");
var solution = File("./EdgeCapture.sln");
var artifacts = Directory("./artifacts");
var cliProject = File("./src/EdgeCapture.Cli/EdgeCapture.Cli.csproj");

Task("Restore")
    .Does(() =>
{
    DotNetRestore(solution);
});

Task("Build")
    .IsDependentOn("Restore")
    .Does(() =>
{
    DotNetBuild(solution, new DotNetBuildSettings
    {
        Configuration = configuration,
        NoRestore = true,
    });
});

// The age test vectors come from the npm package cctv-age (pinned by its lock file); they are restored, never committed.
Task("Vectors")
    .Does(() =>
{
    var vectorsDirectory = Directory("./tests/EdgeCapture.Crypto.Tests/vectors");
    if (!FileExists(vectorsDirectory + File("package.json")))
    {
        Information("No vector package declared; nothing to restore.");
        return;
    }
    RunOrFail("npm", "ci --no-audit --no-fund --loglevel=error", vectorsDirectory);
    if (FileExists(vectorsDirectory + File("extract.mjs")))
    {
        RunOrFail("node", "extract.mjs", vectorsDirectory);
    }
});

// The independent Parquet reader the dataset tests start (npm hyparquet, pinned by its lock file); restored, never committed.
Task("DatasetReader")
    .Does(() =>
{
    var readerDirectory = Directory("./tests/EdgeCapture.Dataset.Tests/reader");
    if (!FileExists(readerDirectory + File("package.json")))
    {
        Information("No dataset reader declared; nothing to restore.");
        return;
    }
    RunOrFail("npm", "ci --no-audit --no-fund --loglevel=error", readerDirectory);
});

Task("Test")
    .IsDependentOn("Build")
    .IsDependentOn("Arm64Check")
    .IsDependentOn("Vectors")
    .IsDependentOn("DatasetReader")
    .Does(() =>
{
    var results = artifacts + Directory("test-results");
    CleanDirectory(results);
    Exception failure = null;
    try
    {
        DotNetTest(solution.Path.FullPath, new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            NoRestore = true,
            ResultsDirectory = results,
            Loggers = new[] { "trx", "console;verbosity=minimal" },
            // A stuck test fails the run (the test host is dumped and killed) instead of hanging CI.
            ArgumentCustomization = arguments => arguments.Append("--blame-hang-timeout").Append(testHangTimeout),
        });
    }
    catch (Exception exception)
    {
        failure = exception;
    }

    // One closing line that any reader of the log understands.
    int passed = 0, failed = 0, skipped = 0, total = 0;
    foreach (var trx in GetFiles(results.Path.FullPath + "/**/*.trx"))
    {
        var counters = XDocument.Load(trx.FullPath).Descendants().FirstOrDefault(element => element.Name.LocalName == "Counters");
        if (counters == null) { continue; }
        total += (int?)counters.Attribute("total") ?? 0;
        passed += (int?)counters.Attribute("passed") ?? 0;
        failed += ((int?)counters.Attribute("failed") ?? 0) + ((int?)counters.Attribute("error") ?? 0) + ((int?)counters.Attribute("timeout") ?? 0) + ((int?)counters.Attribute("aborted") ?? 0);
        skipped += total - passed - failed;
    }
    skipped = total - passed - failed;
    Information($"Tests: {passed} passed, {failed} failed" + (skipped > 0 ? $", {skipped} skipped" : string.Empty));
    if (failure != null) { throw failure; }
    if (total == 0) { throw new Exception("No test ran."); }
    if (failed > 0) { throw new Exception($"{failed} tests failed."); }
});

// Benchmarks print their own tables; run them in Release, one project after another, never in parallel with tests.
Task("Bench")
    .IsDependentOn("Restore")
    .Does(() =>
{
    foreach (var project in GetFiles($"./tests/*{benchFilter}*.Benchmarks/*.Benchmarks.csproj"))
    {
        Information($"== {project.GetFilenameWithoutExtension()} ==");
        if (System.IO.File.ReadAllText(project.FullPath).Contains("<PublishReadyToRun>true</PublishReadyToRun>"))
        {
            // A benchmark that measures a process as it ships (ReadyToRun, as the published CLI) runs from its own publish.
            string name = project.GetFilenameWithoutExtension().ToString();
            var published = MakeAbsolute(artifacts + Directory("bench") + Directory(name)).FullPath;
            DotNetPublish(project.FullPath, new DotNetPublishSettings { Configuration = "Release", Runtime = "linux-x64", SelfContained = false, OutputDirectory = published });

            // The dataset benchmark also times the shipped CLI (self-contained, ReadyToRun) against age.
            string arguments = name == "EdgeCapture.Dataset.Benchmarks" ? $"--cli \"{PublishAppliance("linux-x64")}/edgecapture\"" : string.Empty;
            int exitCode = StartProcess(published + "/" + name, new ProcessSettings { Arguments = arguments });
            if (exitCode != 0) { throw new Exception($"{name} exited with {exitCode}"); }
            continue;
        }

        DotNetRun(project.FullPath, new DotNetRunSettings { Configuration = "Release" });
    }
});

Task("Publish")
    .IsDependentOn("Restore")
    .Does(() =>
{
    foreach (var runtime in new[] { "linux-arm64", "linux-x64" })
    {
        PublishAppliance(runtime);
    }
});

// The arm64 appliance under qemu-aarch64 (Debian qemu-user, with the arm64 C libraries under /): the self-contained
// linux-arm64 publish runs "run --simulate" against a collector on the host (x64, embedded broker). Passes only when the
// simulated host received the typed sentences intact and the collector's store verifies and decrypts with the
// custodian's identity (edgecapture collector verify).
Task("Arm64Check")
    .IsDependentOn("Build")
    .Does(() =>
{
    var qemu = FindOnPath("qemu-aarch64") ?? FindOnPath("qemu-aarch64-static");
    if (qemu == null)
    {
        if (EnvironmentVariable("EDGECAPTURE_ALLOW_MISSING_TOOLS") == "1")
        {
            Warning("Arm64Check: qemu-aarch64 is missing; skipped because EDGECAPTURE_ALLOW_MISSING_TOOLS=1.");
            return;
        }
        throw new Exception("Arm64Check: qemu-aarch64 is missing: install qemu-user and the arm64 C libraries (see .ci/run), or set EDGECAPTURE_ALLOW_MISSING_TOOLS=1.");
    }

    var clock = System.Diagnostics.Stopwatch.StartNew();
    var published = PublishAppliance("linux-arm64");
    Information($"Arm64Check: published linux-arm64 in {clock.Elapsed.TotalSeconds:0} s");
    var work = MakeAbsolute(artifacts + Directory("arm64-check")).FullPath;
    EnsureDirectoryExists(work);
    CleanDirectory(work);
    var hostCli = MakeAbsolute(File($"./src/EdgeCapture.Cli/bin/{configuration}/net10.0/edgecapture.dll")).FullPath;
    string Host(string arguments) => RunCaptured("dotnet", $"\"{hostCli}\" {arguments}", work, TimeSpan.FromMinutes(2)).Output;

    const string deviceId = "arm64-box";
    EnsureDirectoryExists(work + "/custodian");
    EnsureDirectoryExists(work + "/box");
    string recipient = LastLine(Host($"keys generate -o \"{work}/custodian/identity.txt\""), "age1");
    string deviceKey = LastLine(Host($"keys device -o \"{work}/box/device.key\""), "ed25519:");
    Host($"collector enroll {deviceId} {deviceKey} --store \"{work}/collector\"");

    int port = FreePort();
    var collector = new System.Diagnostics.Process { StartInfo = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false } };
    foreach (var argument in new[] { hostCli, "collector", "run", "--store", work + "/collector", "--port", port.ToString() })
    {
        collector.StartInfo.ArgumentList.Add(argument);
    }
    var collectorKey = new System.Threading.Tasks.TaskCompletionSource<string>();
    var collectorLog = new System.Collections.Concurrent.ConcurrentQueue<string>();
    collector.OutputDataReceived += (_, line) =>
    {
        if (line.Data == null) { return; }
        collectorLog.Enqueue(line.Data);
        if (line.Data.StartsWith("collector public key: ")) { collectorKey.TrySetResult(line.Data.Substring("collector public key: ".Length).Trim()); }
    };
    collector.ErrorDataReceived += (_, line) => { if (line.Data != null) { collectorLog.Enqueue(line.Data); } };
    collector.Start();
    collector.BeginOutputReadLine();
    collector.BeginErrorReadLine();
    try
    {
        if (!collectorKey.Task.Wait(TimeSpan.FromMinutes(1)))
        {
            throw new Exception("Arm64Check: the host collector did not start:\n" + string.Join("\n", collectorLog));
        }

        System.IO.File.WriteAllText(work + "/box/appliance.json", $$"""
            {
              "deviceId": "{{deviceId}}",
              "dataDirectory": "{{work}}/box",
              "deviceKeyPath": "{{work}}/box/device.key",
              "recipients": ["{{recipient}}"],
              "segmentSeconds": 3,
              "upload": { "brokerUri": "mqtt://127.0.0.1:{{port}}", "userName": "{{deviceId}}", "collectorKey": "{{collectorKey.Task.Result}}", "answerTimeoutSeconds": 10 }
            }
            """);
        clock.Restart();
        var box = RunCaptured(qemu, $"-L / \"{published}/edgecapture\" run --config \"{work}/box/appliance.json\" --simulate --duration 20", work, TimeSpan.FromMinutes(6));
        Information(box.Output);
        Information($"Arm64Check: the arm64 appliance ran under qemu for {clock.Elapsed.TotalSeconds:0} s (exit {box.ExitCode})");
        if (box.ExitCode != 0 || !box.Output.Contains("run: relay check: OK"))
        {
            throw new Exception($"Arm64Check: the arm64 appliance failed (exit {box.ExitCode}) or its relay check did not pass.");
        }
    }
    finally
    {
        // SIGTERM: the collector stops cleanly (its store is crash-safe either way).
        StartProcess("kill", new ProcessSettings { Arguments = $"-TERM {collector.Id}" });
        if (!collector.WaitForExit(30000)) { collector.Kill(); }
        collector.WaitForExit();
    }

    var verify = RunCaptured("dotnet", $"\"{hostCli}\" collector verify --store \"{work}/collector\" --identity \"{work}/custodian/identity.txt\" --device {deviceId}", work, TimeSpan.FromMinutes(2));
    Information(verify.Output);
    if (verify.ExitCode != 0)
    {
        throw new Exception("Arm64Check: what the arm64 box uploaded did not verify and decrypt from the collector's store.");
    }
    Information("Arm64Check: OK: the arm64 appliance relayed the typed sentences and its uploaded segments verify and decrypt.");
});

string PublishAppliance(string runtime)
{
    var output = artifacts + Directory("publish") + Directory(runtime);
    DotNetPublish(cliProject, new DotNetPublishSettings
    {
        Configuration = "Release",
        Runtime = runtime,
        SelfContained = true,
        OutputDirectory = output,
    });
    return MakeAbsolute(output).FullPath;
}

(int ExitCode, string Output) RunCaptured(string tool, string arguments, string workingDirectory, TimeSpan limit)
{
    var info = new System.Diagnostics.ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
    using var process = System.Diagnostics.Process.Start(info);
    var output = new System.Text.StringBuilder();
    process.OutputDataReceived += (_, line) => { if (line.Data != null) { lock (output) { output.AppendLine(line.Data); } } };
    process.ErrorDataReceived += (_, line) => { if (line.Data != null) { lock (output) { output.AppendLine(line.Data); } } };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    if (!process.WaitForExit((int)limit.TotalMilliseconds))
    {
        process.Kill(entireProcessTree: true);
        throw new Exception($"{tool} {arguments} did not finish within {limit.TotalSeconds:0} s:\n{output}");
    }
    process.WaitForExit();
    if (process.ExitCode != 0 && tool == "dotnet" && !arguments.Contains(" verify "))
    {
        throw new Exception($"{tool} {arguments} failed with exit code {process.ExitCode}:\n{output}");
    }
    return (process.ExitCode, output.ToString());
}

string LastLine(string output, string prefix) =>
    output.Split('\n').Select(line => line.Trim()).LastOrDefault(line => line.StartsWith(prefix))
    ?? throw new Exception($"No line starting with {prefix} in:\n{output}");

int FreePort()
{
    var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

string FindOnPath(string tool) =>
    (EnvironmentVariable("PATH") ?? string.Empty).Split(':').Select(directory => System.IO.Path.Combine(directory, tool)).FirstOrDefault(System.IO.File.Exists);

void RunOrFail(string tool, string arguments, DirectoryPath workingDirectory)
{
    int exitCode = StartProcess(tool, new ProcessSettings { Arguments = arguments, WorkingDirectory = workingDirectory });
    if (exitCode != 0)
    {
        throw new Exception($"{tool} {arguments} failed with exit code {exitCode}.");
    }
}

RunTarget(target);
