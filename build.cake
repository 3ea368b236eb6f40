// EdgeCapture build script: dotnet tool restore && dotnet cake --target=<Restore|Build|Test|Bench|Publish|Demo>
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
        DotNetRun(project.FullPath, new DotNetRunSettings { Configuration = "Release" });
    }
});

Task("Publish")
    .IsDependentOn("Restore")
    .Does(() =>
{
    foreach (var runtime in new[] { "linux-arm64", "linux-x64" })
    {
        DotNetPublish(cliProject, new DotNetPublishSettings
        {
            Configuration = "Release",
            Runtime = runtime,
            SelfContained = true,
            OutputDirectory = artifacts + Directory("publish") + Directory(runtime),
        });
    }
});

void RunOrFail(string tool, string arguments, DirectoryPath workingDirectory)
{
    int exitCode = StartProcess(tool, new ProcessSettings { Arguments = arguments, WorkingDirectory = workingDirectory });
    if (exitCode != 0)
    {
        throw new Exception($"{tool} {arguments} failed with exit code {exitCode}.");
    }
}

RunTarget(target);
