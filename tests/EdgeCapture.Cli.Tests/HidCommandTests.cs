using System.CommandLine;
using EdgeCapture.Cli;
using EdgeCapture.Cli.Commands;

namespace EdgeCapture.Cli.Tests;

public sealed class HidCommandTests : IDisposable
{
    private readonly DirectoryInfo _copy = Directory.CreateTempSubdirectory("edgecapture-cli-hid-");

    public HidCommandTests()
    {
        foreach (string file in Directory.EnumerateFiles(FirmwareHid(), "*.hid"))
        {
            File.Copy(file, Path.Combine(_copy.FullName, Path.GetFileName(file)));
        }
    }

    public void Dispose() => _copy.Delete(recursive: true);

    private static string FirmwareHid()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeCapture.sln")))
            {
                return Path.Combine(directory.FullName, "firmware", "hid");
            }
        }

        throw new InvalidOperationException("No EdgeCapture.sln above the test directory.");
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = Program.CreateRootCommand().Parse(arguments).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void Check_passes_on_the_firmware_descriptors()
    {
        (int exitCode, string output, string error) = Run("hid", "check", "--descriptors", FirmwareHid());
        Assert.True(exitCode == 0, error);
        Assert.Contains("match this build's reports", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_lists_differences_and_exits_1()
    {
        string mouse = Path.Combine(_copy.FullName, "mouse.hid");
        File.WriteAllText(mouse, File.ReadAllText(mouse).Replace("29 08", "29 05", StringComparison.Ordinal));
        (int exitCode, _, string error) = Run("hid", "check", "-d", _copy.FullName);
        Assert.Equal(ExitCodes.Failed, exitCode);
        Assert.Contains("edgecapture hid check: mouse: no variable field carries 0x09:0x06", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_reports_a_missing_file_and_exits_2()
    {
        File.Delete(Path.Combine(_copy.FullName, "keyboard.hid"));
        (int exitCode, _, string error) = Run("hid", "check", "-d", _copy.FullName);
        Assert.Equal(ExitCodes.Unavailable, exitCode);
        Assert.Contains("keyboard.hid", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_prints_each_report_and_its_fields()
    {
        (int exitCode, string output, string error) = Run("hid", "describe", Path.Combine(FirmwareHid(), "keyboard.hid"));
        Assert.True(exitCode == 0, error);
        Assert.Contains("Input report, no report ID, 8 bytes (64 bits of data)", output, StringComparison.Ordinal);
        Assert.Contains("Output report, no report ID, 1 bytes (8 bits of data)", output, StringComparison.Ordinal);
        Assert.Contains("bits 16+8x6 array logical 0..221 usages [0x07:0x00..0xDD]", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_reads_raw_report_desc_bytes()
    {
        string binary = Path.Combine(_copy.FullName, "report_desc");
        File.WriteAllBytes(binary, [0x05, 0x0C, 0x09, 0x01, 0xA1, 0x01, 0x75, 0x10, 0x95, 0x01, 0x81, 0x00, 0xC0]);
        (int exitCode, string output, _) = Run("hid", "describe", "--binary", binary);
        Assert.Equal(0, exitCode);
        Assert.Contains("Input report, no report ID, 2 bytes", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_rejects_a_malformed_descriptor_with_exit_2()
    {
        string bad = Path.Combine(_copy.FullName, "bad.hid");
        File.WriteAllText(bad, "a1 01\n");
        (int exitCode, _, string error) = Run("hid", "describe", bad);
        Assert.Equal(ExitCodes.Unavailable, exitCode);
        Assert.Contains("left open", error, StringComparison.Ordinal);
    }
}
