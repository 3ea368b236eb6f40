using System.CommandLine;

namespace EdgeCapture.Cli.Tests;

/// <summary><c>edgecapture run</c>: the configuration is validated before anything starts.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-run-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static string Example()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "EdgeCapture.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return Path.Combine(directory!, "firmware", "appliance.example.json");
    }

    [Fact]
    public async Task The_shipped_example_passes_the_check()
    {
        var output = new StringWriter();
        int exitCode = await Program.RunAsync(["run", "--config", Example(), "--check"], new InvocationConfiguration { Output = output, Error = new StringWriter() });
        Assert.Equal(0, exitCode);
        Assert.Contains("configuration OK", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_that_would_disable_the_indicator_is_refused_and_nothing_starts()
    {
        string dataDirectory = Path.Combine(_directory.FullName, "data");
        string config = Path.Combine(_directory.FullName, "appliance.json");
        string example = await File.ReadAllTextAsync(Example());
        await File.WriteAllTextAsync(config, example.Replace("\"videoSource\": \"none\"", "\"videoSource\": \"none\", \"recordingIndicator\": false", StringComparison.Ordinal)
            .Replace("/var/lib/edgecapture", dataDirectory, StringComparison.Ordinal));
        var error = new StringWriter();

        int exitCode = await Program.RunAsync(["run", "--config", config], new InvocationConfiguration { Output = new StringWriter(), Error = error });

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("recordingIndicator: unknown key", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task A_command_line_override_passes_the_same_strict_reader()
    {
        var error = new StringWriter();
        int refused = await Program.RunAsync(["run", "--config", Example(), "--check", "--set", "recordingIndicator=false"], new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(ExitCodes.Usage, refused);
        Assert.Contains("recordingIndicator: unknown key", error.ToString(), StringComparison.Ordinal);

        var output = new StringWriter();
        int accepted = await Program.RunAsync(["run", "--config", Example(), "--check", "--set", "deviceId=box-from-the-command-line"], new InvocationConfiguration { Output = output, Error = new StringWriter() });
        Assert.Equal(0, accepted);
        Assert.Contains("device box-from-the-command-line", output.ToString(), StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Usage, await Program.RunAsync(["run", "--config", Example(), "--check", "--set", "novalue"], new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() }));
    }
}
