using System.Diagnostics;
using Xunit;

namespace EdgeCapture.TestSupport;

/// <summary>
/// Finds and runs the real peers tests check against (age, djpeg, edid-decode, shellcheck, python3, mosquitto, ...).
/// A missing tool FAILS the test: a test that returns early counts as passed and proves nothing. A developer without the
/// tools opts out explicitly with <c>EDGECAPTURE_ALLOW_MISSING_TOOLS=1</c>; the test then returns early with a note.
/// </summary>
public static class ExternalTool
{
    /// <summary>The environment variable that, set to <c>1</c>, lets a test return early when its tool is missing.</summary>
    public const string AllowMissingVariable = "EDGECAPTURE_ALLOW_MISSING_TOOLS";

    /// <summary>True when the run opted out of missing-tool failures.</summary>
    public static bool MissingToolsAllowed => Environment.GetEnvironmentVariable(AllowMissingVariable) == "1";

    /// <summary>Finds <paramref name="name"/> on PATH; null when absent (no policy: see <see cref="Require(string, string)"/>).</summary>
    public static string? Find(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The tool's path. Missing: fails the test, or returns null (caller returns early) when the run opted out.</summary>
    public static string? Require(string name, string package) => Require(name, package, MissingToolsAllowed);

    /// <summary>As <see cref="Require(string, string)"/> with the opt-out given explicitly (tests of the policy itself).</summary>
    public static string? Require(string name, string package, bool allowMissing)
    {
        string? path = Find(name);
        if (path is null)
        {
            Missing($"'{name}' is not on PATH", package, allowMissing);
        }

        return path;
    }

    /// <summary>True when the file exists. Missing: fails the test, or returns false when the run opted out.</summary>
    public static bool RequireFile(string path, string package)
    {
        if (File.Exists(path))
        {
            return true;
        }

        Missing($"'{path}' does not exist", package, MissingToolsAllowed);
        return false;
    }

    /// <summary>Reports a missing prerequisite: a failure unless <paramref name="allowMissing"/>.</summary>
    public static void Missing(string what, string package, bool allowMissing)
    {
        string message = $"{what}; this test needs it (install {package}, as .ci/run does).";
        if (!allowMissing)
        {
            Assert.Fail(message + $" Set {AllowMissingVariable}=1 to let such tests return early instead.");
        }

        Console.Error.WriteLine(message + $" {AllowMissingVariable}=1: returning without checking.");
    }

    /// <summary>Runs a tool to completion, feeding <paramref name="stdin"/> and capturing both outputs.</summary>
    public static (int ExitCode, byte[] Stdout, string Stderr) Run(string path, IEnumerable<string> arguments, byte[]? stdin = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + path);
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        Task copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        if (stdin is not null)
        {
            process.StandardInput.BaseStream.Write(stdin);
        }

        process.StandardInput.Close();
        copy.GetAwaiter().GetResult();
        process.WaitForExit();
        return (process.ExitCode, stdout.ToArray(), stderr.GetAwaiter().GetResult());
    }
}
