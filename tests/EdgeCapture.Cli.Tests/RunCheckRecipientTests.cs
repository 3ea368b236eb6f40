using System.CommandLine;

namespace EdgeCapture.Cli.Tests;

/// <summary><c>run --check</c> refuses a recipient no one could ever decrypt for (a low-order point, all zeros), in the configuration and in its recipients file.</summary>
public sealed class RunCheckRecipientTests : IDisposable
{
    // age1 + 32 zero bytes: a valid Bech32 string, a low-order Curve25519 point.
    private const string AllZeros = "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-run-check-");

    public void Dispose() => _directory.Delete(recursive: true);

    private async Task<(int ExitCode, string Output, string Error)> CheckAsync(string json)
    {
        string path = Path.Combine(_directory.FullName, "appliance.json");
        await File.WriteAllTextAsync(path, json);
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = await Program.RunAsync(["run", "--config", path, "--check"], new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task An_all_zero_recipient_in_the_configuration_is_refused()
    {
        (int exitCode, string output, string error) = await CheckAsync($$"""{ "recipients": ["{{AllZeros}}"] }""");

        Assert.Equal(2, exitCode);
        Assert.DoesNotContain("configuration OK", output, StringComparison.Ordinal);
        Assert.Contains("recipients[0]", error, StringComparison.Ordinal);
        Assert.Contains("low-order", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_all_zero_recipient_in_the_recipients_file_is_refused()
    {
        string file = Path.Combine(_directory.FullName, "recipients.txt");
        using (var custodian = EdgeCapture.Crypto.AgeIdentity.Generate())
        {
            await File.WriteAllTextAsync(file, $"# custodian\n{custodian.Recipient}\n# broken\n{AllZeros}\n");
        }

        (int exitCode, string output, string error) = await CheckAsync($$"""{ "recipientsFile": "{{file}}" }""");

        Assert.Equal(2, exitCode);
        Assert.DoesNotContain("configuration OK", output, StringComparison.Ordinal);
        Assert.Contains(file, error, StringComparison.Ordinal);
        Assert.Contains("low-order", error, StringComparison.Ordinal);
    }
}
