using System.Diagnostics;

namespace EdgeCapture.Crypto.Tests;

/// <summary>Runs external tools (age, node, npm). Missing tools fail under CI=true and are reported otherwise.</summary>
internal static class ExternalTool
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Find(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Returns the tool's path, or null outside CI when it is missing (the caller then returns early after the
    /// message). Under CI a missing tool is a failure.
    /// </summary>
    public static string? Require(string name)
    {
        string? path = Find(name);
        if (path is null)
        {
            string message = $"'{name}' is not installed; this test needs it (Debian package / npm).";
            if (InCi)
            {
                Assert.Fail(message + " CI=true, so this is a failure.");
            }

            Console.Error.WriteLine(message + " Not in CI: returning without checking.");
        }

        return path;
    }

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
        copy.Wait();
        process.WaitForExit();
        return (process.ExitCode, stdout.ToArray(), stderr.Result);
    }
}
