using System.CommandLine;

namespace EdgeCapture.Cli.Tests;

/// <summary><c>edgecapture upload</c>: refuses what cannot upload before it opens anything.</summary>
public sealed class UploadCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-upload-command-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task A_configuration_without_an_upload_section_is_refused_and_no_outbox_is_created()
    {
        string dataDirectory = Path.Combine(_directory.FullName, "data");
        string config = Path.Combine(_directory.FullName, "appliance.json");
        using (var custodian = EdgeCapture.Crypto.AgeIdentity.Generate())
        {
            await File.WriteAllTextAsync(config, $$"""{ "deviceId": "box-1", "dataDirectory": "{{dataDirectory}}", "recipients": ["{{custodian.Recipient}}"] }""");
        }

        var error = new StringWriter();
        int exitCode = await Program.RunAsync(["upload", "--config", config], new InvocationConfiguration { Output = new StringWriter(), Error = error });

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("no upload section", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task A_missing_device_key_is_a_device_error()
    {
        string dataDirectory = Path.Combine(_directory.FullName, "data");
        Directory.CreateDirectory(dataDirectory);
        string config = Path.Combine(_directory.FullName, "appliance.json");
        using (var custodian = EdgeCapture.Crypto.AgeIdentity.Generate())
        using (var collector = EdgeCapture.Crypto.DeviceSigningKey.Generate())
        {
            await File.WriteAllTextAsync(config, $$"""
                { "deviceId": "box-1", "dataDirectory": "{{dataDirectory}}", "recipients": ["{{custodian.Recipient}}"],
                  "upload": { "brokerUri": "mqtt://127.0.0.1:1", "userName": "box-1", "collectorKey": "{{collector.PublicKey}}" } }
                """);
        }

        var error = new StringWriter();
        int exitCode = await Program.RunAsync(["upload", "--config", config], new InvocationConfiguration { Output = new StringWriter(), Error = error });

        Assert.Equal(3, exitCode);
        Assert.Contains("device key", error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dataDirectory, "outbox.db")));
    }
}
