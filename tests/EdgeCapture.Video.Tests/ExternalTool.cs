using System.Diagnostics;

namespace EdgeCapture.Video.Tests;

/// <summary>Runs a CLI the tests use as an independent oracle (djpeg, edid-decode). Missing under CI=true is a failure.</summary>
internal static class ExternalTool
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Finds <paramref name="name"/> on PATH; fails under CI when missing, otherwise returns null (the caller returns early).</summary>
    public static string? Find(string name, string debianPackage)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        string message = $"{name} is not installed (Debian package {debianPackage}).";
        if (IsCi)
        {
            Assert.Fail(message + " CI must install it.");
        }

        Console.WriteLine(message + " Test not run outside CI.");
        return null;
    }

    public static (int ExitCode, byte[] Output, string Error) Run(string path, IEnumerable<string> arguments, byte[]? input = null)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        Task copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        if (input is not null)
        {
            process.StandardInput.BaseStream.Write(input);
        }

        process.StandardInput.Close();
        copy.GetAwaiter().GetResult();
        process.WaitForExit();
        return (process.ExitCode, output.ToArray(), error.GetAwaiter().GetResult());
    }
}
