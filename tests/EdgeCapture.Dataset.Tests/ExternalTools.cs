using System.Diagnostics;
using System.Text;
using EdgeCapture.TestSupport;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// External programs the tests start (node, npm, age). A missing tool fails the test unless
/// EDGECAPTURE_ALLOW_MISSING_TOOLS=1, in which case the test returns after saying so.
/// </summary>
internal static class ExternalTools
{
    public static string? Find(string name) => ExternalTool.Find(name);

    /// <summary>The tool's path; fails when missing, or returns null when EDGECAPTURE_ALLOW_MISSING_TOOLS=1.</summary>
    public static string? Require(string name) => ExternalTool.Require(name, name == "npm" ? "npm" : "nodejs");

    public static (int ExitCode, string Stdout, string Stderr) Run(string path, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + path);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{path} did not finish in time.");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>The repository root (the folder holding EdgeCapture.sln), found upwards from the test's output folder.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EdgeCapture.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EdgeCapture.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// The hyparquet reader folder, restored with <c>npm ci</c> from its lock file when the Cake step has not done it yet.
    /// Returns null only when node or npm is missing and that is allowed.
    /// </summary>
    public static string? ParquetReader()
    {
        string? node = Require("node");
        string? npm = Require("npm");
        if (node is null || npm is null)
        {
            return null;
        }

        string folder = Path.Combine(RepositoryRoot(), "tests", "EdgeCapture.Dataset.Tests", "reader");
        if (!File.Exists(Path.Combine(folder, "node_modules", "hyparquet", "package.json")))
        {
            (int exit, string output, string error) = Run(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], folder, TimeSpan.FromMinutes(3));
            Assert.True(exit == 0, $"npm ci in {folder} failed ({exit}): {output}\n{error}");
        }

        return folder;
    }
}
