using System.Diagnostics;
using System.Text.RegularExpressions;
using EdgeCapture.TestSupport;

namespace EdgeCapture.Architecture.Tests;

/// <summary>
/// The Cake Test target's hang timeout, proven by behaviour: the arguments the target appends to <c>dotnet test</c>,
/// with a 15 s timeout, turn a generated test project whose one test never ends into a failed run that names the test,
/// instead of a run that hangs. Restored once from the local NuGet cache only, so it needs no network.
/// </summary>
public sealed partial class BlameHangTests : IDisposable
{
    private const string HangTimeout = "15s";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-blame-hang-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void The_test_targets_arguments_turn_a_hung_test_into_a_failed_run_that_names_it()
    {
        string[] hangArguments = TestTargetArguments(HangTimeout);
        Assert.Contains("--blame-hang-timeout", hangArguments);
        string dotnet = ExternalTool.Require("dotnet", "the .NET SDK") ?? throw new InvalidOperationException("dotnet is running these tests, so it must be on PATH.");
        WriteHangingTestProject();

        (int restoreExit, string restoreOutput, _) = Run(dotnet, ["restore", "--configfile", Path.Combine(_directory.FullName, "nuget.config"), "--disable-build-servers"]);
        Assert.True(restoreExit == 0, $"restore from the local NuGet cache failed ({restoreExit}): {restoreOutput}");

        (int exitCode, string output, TimeSpan took) = Run(
            dotnet,
            ["test", "--no-restore", "--disable-build-servers", "--results-directory", Path.Combine(_directory.FullName, "results"), .. hangArguments]);

        Assert.True(exitCode != 0, $"a run with a hung test passed: {output}");
        Assert.Contains("inactivity time of 15 seconds has elapsed", output, StringComparison.Ordinal);
        Assert.Contains("Hang.Tests.HangTests.Never_finishes", output, StringComparison.Ordinal);
        Assert.True(took < Patience, $"the run took {took}");
    }

    /// <summary>The <c>Append(...)</c> arguments of the Test target's <c>ArgumentCustomization</c>, the timeout replaced.</summary>
    private static string[] TestTargetArguments(string hangTimeout)
    {
        string script = File.ReadAllText(Path.Combine(ProjectGraph.RepositoryRoot, "build.cake"));
        string testTask = script[script.IndexOf("Task(\"Test\")", StringComparison.Ordinal)..script.IndexOf("Task(\"Bench\")", StringComparison.Ordinal)];
        Match customization = ArgumentCustomization().Match(testTask);
        Assert.True(customization.Success, "the Test target customises no dotnet test arguments");
        return [.. AppendedArgument().Matches(customization.Value).Select(append => append.Groups["literal"].Success
            ? append.Groups["literal"].Value
            : append.Groups["name"].Value == "testHangTimeout" ? hangTimeout : throw new InvalidOperationException($"unknown argument variable {append.Groups["name"].Value} in the Test target"))];
    }

    private void WriteHangingTestProject()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string versions = File.ReadAllText(Path.Combine(ProjectGraph.RepositoryRoot, "Directory.Packages.props"));
        File.WriteAllText(Path.Combine(_directory.FullName, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local-cache" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(_directory.FullName, "Hang.Tests.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <IsPackable>false</IsPackable>
                <IsTestProject>true</IsTestProject>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="{VersionOf(versions, "Microsoft.NET.Test.Sdk")}" />
                <PackageReference Include="xunit" Version="{VersionOf(versions, "xunit")}" />
                <PackageReference Include="xunit.runner.visualstudio" Version="{VersionOf(versions, "xunit.runner.visualstudio")}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(_directory.FullName, "HangTests.cs"), """
            namespace Hang.Tests;

            public class HangTests
            {
                [Xunit.Fact]
                public void Finishes()
                {
                }

                [Xunit.Fact]
                public async System.Threading.Tasks.Task Never_finishes() => await System.Threading.Tasks.Task.Delay(System.Threading.Timeout.Infinite);
            }
            """);
    }

    private static string VersionOf(string props, string package)
    {
        Match version = Regex.Match(props, $"""<PackageVersion\s+Include="{Regex.Escape(package)}"\s+Version="([^"]+)" """.TrimEnd(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        Assert.True(version.Success, $"{package} has no central version");
        return version.Groups[1].Value;
    }

    /// <summary>Runs dotnet in the project folder; a run that outlives <see cref="Patience"/> is killed and reported.</summary>
    private (int ExitCode, string Output, TimeSpan Took) Run(string dotnet, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory.FullName,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        var stopwatch = Stopwatch.StartNew();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + dotnet);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Patience))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"dotnet {string.Join(' ', start.ArgumentList)} still ran after {Patience}: the hang was not caught. {output.GetAwaiter().GetResult()}");
        }

        process.WaitForExit();
        return (process.ExitCode, output.GetAwaiter().GetResult() + error.GetAwaiter().GetResult(), stopwatch.Elapsed);
    }

    [GeneratedRegex(@"ArgumentCustomization\s*=\s*arguments\s*=>\s*arguments(\s*\.Append\([^)]*\))+")]
    private static partial Regex ArgumentCustomization();

    [GeneratedRegex(@"\.Append\((""(?<literal>[^""]*)""|(?<name>\w+))\)")]
    private static partial Regex AppendedArgument();
}
