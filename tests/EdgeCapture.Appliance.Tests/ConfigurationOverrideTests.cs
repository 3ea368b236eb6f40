using EdgeCapture.Crypto;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// appliance.json layered with environment variables and the command line (<c>run --set</c>): each override replaces one
/// key and the result passes the same strict reader, so no layer can add what the file could not.
/// </summary>
public sealed class ConfigurationOverrideTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-overrides-");
    private readonly string _path;

    public ConfigurationOverrideTests()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        using DeviceSigningKey collector = DeviceSigningKey.Generate();
        _path = Path.Combine(_directory.FullName, "appliance.json");
        File.WriteAllText(_path, $$"""
            {
              "deviceId": "box-1", "recipients": ["{{identity.Recipient}}"], "segmentSeconds": 2.5,
              "upload": { "brokerUri": "mqtt://127.0.0.1:1883", "collectorKey": "{{collector.PublicKey}}" }
            }
            """);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Later_layers_replace_keys_with_typed_values_and_keys_match_case_insensitively()
    {
        ApplianceConfiguration configuration = ApplianceConfiguration.Load(_path, [new("SEGMENTSECONDS", "30"), new("deviceId", "box-2"), new("upload:brokerUri", "mqtt://127.0.0.1:2883"), new("segmentSeconds", "45")]);

        Assert.Equal(45, configuration.SegmentSeconds);
        Assert.Equal("box-2", configuration.DeviceId);
        Assert.Equal(new Uri("mqtt://127.0.0.1:2883"), configuration.Upload!.BrokerUri);
        Assert.Equal(ApplianceConfiguration.Load(_path).Recipients, configuration.Recipients);
    }

    [Theory]
    [InlineData("recordingIndicator", "false", "recordingIndicator")]
    [InlineData("privacySwitch", "\"off\"", "privacySwitch")]
    [InlineData("segmentSeconds", "abc", "segmentSeconds")]
    [InlineData("upload:gate", "false", "upload.gate")]
    [InlineData("deviceId:name", "x", "deviceId.name")]
    public void An_override_the_file_could_not_carry_is_refused_with_its_key(string key, string value, string named)
    {
        ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Load(_path, [new(key, value)]));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_overrides_use_the_double_underscore_prefix_only()
    {
        // Other EDGECAPTURE_ variables (EDGECAPTURE_ALLOW_MISSING_TOOLS for the tests) are not configuration.
        Assert.All(ApplianceConfiguration.EnvironmentOverrides(), pair => Assert.DoesNotContain("ALLOW_MISSING_TOOLS", pair.Key, StringComparison.Ordinal));
        Assert.Equal("EDGECAPTURE__", ApplianceConfiguration.EnvironmentPrefix);
    }
}
