using System.CommandLine;
using EdgeCapture.Cli;
using EdgeCapture.Cli.Commands;

namespace EdgeCapture.Cli.Tests;

public sealed class CaptureCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-cli-capture-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = Program.CreateRootCommand().Parse(arguments).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void Simulated_capture_writes_the_kept_frames_and_reports_why_they_were_kept()
    {
        string frames = Path.Combine(_directory.FullName, "frames");
        (int exitCode, string output, string error) = Run("capture", "--simulate", "--duration", "8s", "--fps", "10", "--seed", "4", "--output-stats", "--output-dir", frames);
        Assert.True(exitCode == 0, error);
        Assert.Matches(@"capture: kept \d+ of 81 frames", output);
        Assert.Contains("First 1", output, StringComparison.Ordinal);
        string[] files = Directory.GetFiles(frames, "*.jpg");
        Assert.NotEmpty(files);
        Assert.Contains(files, f => f.EndsWith("-First.jpg", StringComparison.Ordinal));
        Assert.All(files, f =>
        {
            byte[] bytes = File.ReadAllBytes(f);
            Assert.Equal(new byte[] { 0xFF, 0xD8 }, bytes[..2]);
            Assert.Equal(new byte[] { 0xFF, 0xD9 }, bytes[^2..]);
        });
        Assert.True(File.Exists(Path.Combine(frames, "markers.txt")));
    }

    [Fact]
    public void A_file_of_kept_frames_can_be_captured_again()
    {
        string frames = Path.Combine(_directory.FullName, "frames");
        Assert.Equal(0, Run("capture", "--simulate", "--duration", "6s", "--fps", "10", "--output-dir", frames).ExitCode);
        int written = Directory.GetFiles(frames, "*.jpg").Length;
        (int exitCode, string output, string error) = Run("capture", "--file", frames, "--fps", "2");
        Assert.True(exitCode == 0, error);
        Assert.Contains($"of {written} frames", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("capture")]
    [InlineData("capture", "--simulate", "--file", "x")]
    [InlineData("capture", "--simulate", "--duration", "0s")]
    [InlineData("capture", "--simulate", "--duration", "soon")]
    [InlineData("capture", "--simulate", "--quality", "0")]
    [InlineData("capture", "--probe", "/tmp/not-a-video-node")]
    public void Wrong_usage_is_a_clear_error_with_exit_2(params string[] arguments)
    {
        (int exitCode, _, string error) = Run(arguments);
        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.StartsWith("edgecapture capture: error:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Probing_a_missing_device_says_so()
    {
        (int exitCode, _, string error) = Run("capture", "--probe", "/dev/video987");
        Assert.Equal(3, exitCode);
        Assert.Contains("cannot open /dev/video987", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10s", 10)]
    [InlineData("2m", 120)]
    [InlineData("1.5h", 5400)]
    [InlineData("30", 30)]
    public void Durations_parse(string text, double seconds)
    {
        Assert.True(CaptureCommand.TryParseDuration(text, out TimeSpan duration));
        Assert.Equal(seconds, duration.TotalSeconds);
    }
}
