using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeCapture.Cli;
using EdgeCapture.Cli.Commands;

namespace EdgeCapture.Cli.Tests;

public sealed class PrivacyCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-cli-privacy-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Check_pinout_accepts_the_repository_pinout_and_prints_the_pins()
    {
        (int exitCode, string output, string error) = Run("privacy", "check-pinout", "--pinout", RepositoryPinout());

        Assert.True(exitCode == 0, error);
        Assert.Contains("privacy switch: GPIO5 (header pin 29), pull Up, high = private", output, StringComparison.Ordinal);
        Assert.Contains("recording indicator: GPIO26 (header pin 37), high = lit", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_pinout_names_the_problem_and_exits_2()
    {
        string path = WritePinout(document => document["privacySwitch"]!["privateLevel"] = "low");

        (int exitCode, _, string error) = Run("privacy", "check-pinout", "-p", path);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("$.privacySwitch.privateLevel", error, StringComparison.Ordinal);
        Assert.Contains("fail closed", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public", "switch: GPIO5 reads public", "state: private (SwitchSettling)")]
    [InlineData("private", "switch: GPIO5 reads private", "state: private (SwitchPrivate)")]
    [InlineData("disconnected", "switch: GPIO5 reads private", "state: private (SwitchPrivate)")]
    public void Status_reads_a_simulated_switch_once_and_never_opens_the_gate(string position, string expectedSwitch, string expectedState)
    {
        (int exitCode, string output, string error) = Run("privacy", "status", "--pinout", RepositoryPinout(), "--simulate", position);

        Assert.True(exitCode == 0, error);
        Assert.Contains(expectedSwitch, output, StringComparison.Ordinal);
        Assert.Contains(expectedState, output, StringComparison.Ordinal);
        Assert.Contains("indicator: GPIO26 Dark", output, StringComparison.Ordinal);
        Assert.Contains("forget button: GPIO6 available", output, StringComparison.Ordinal);

        // The pinout's hash is shown, so a change to the file is visible.
        string sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(RepositoryPinout())));
        Assert.Contains($"pinout sha256: {sha256}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_with_an_invalid_pinout_is_private_and_exits_2()
    {
        string path = WritePinout(document => document.Remove("gpio"));

        (int exitCode, string output, string error) = Run("privacy", "status", "--pinout", path, "--simulate", "public");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("state: private (PinoutInvalid)", output, StringComparison.Ordinal);
        Assert.Contains("$.gpio: the property is required", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_on_a_chip_that_does_not_exist_is_private_and_exits_3()
    {
        string path = WritePinout(document =>
        {
            document["gpio"]!["chip"] = 63;
            document["gpio"]!["driver"] = "libgpiod1";
        });

        (int exitCode, string output, string error) = Run("privacy", "status", "--pinout", path);

        Assert.Equal(ExitCodes.Unavailable, exitCode);
        Assert.Contains("state: private (GpioUnavailable)", output, StringComparison.Ordinal);
        Assert.Contains("cannot open GPIO chip 63", error, StringComparison.Ordinal);
    }

    private string WritePinout(Action<JsonObject> change)
    {
        JsonObject document = JsonNode.Parse(File.ReadAllText(RepositoryPinout()))!.AsObject();
        change(document);
        string path = Path.Combine(_directory.FullName, $"pinout-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, document.ToJsonString());
        return path;
    }

    private static string RepositoryPinout()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeCapture.sln")))
            {
                return Path.Combine(directory.FullName, "hardware", "pinout.json");
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
}
