using EdgeCapture.Crypto;

namespace EdgeCapture.Appliance.Tests;

/// <summary>The <c>upload</c> section is validated as strictly as the rest of appliance.json.</summary>
public sealed class UploadConfigurationTests
{
    private static readonly string Recipient = CreateRecipient();
    private static readonly string CollectorKey = CreateCollectorKey();

    private static string WithUpload(string upload, string deviceId = "box-7") =>
        $$"""{ "deviceId": "{{deviceId}}", "recipients": ["{{Recipient}}"], "upload": {{upload}} }""";

    private static string Valid => $$"""
        {
          "brokerUri": "mqtts://collector.example:8883", "caCertificateFile": "/etc/edgecapture/upload/ca.pem",
          "clientCertificateFile": "/etc/edgecapture/upload/box.pem", "clientKeyFile": "/etc/edgecapture/upload/box.key",
          "collectorKey": "{{CollectorKey}}", "partSizeBytes": 131072, "rateLimitBytesPerSecond": 500000, "answerTimeoutSeconds": 20
        }
        """;

    [Fact]
    public void Every_upload_key_is_read()
    {
        UploadConfiguration upload = ApplianceConfiguration.Parse(WithUpload(Valid), "test").Upload!;
        Assert.Equal(new Uri("mqtts://collector.example:8883"), upload.BrokerUri);
        Assert.Equal("/etc/edgecapture/upload/ca.pem", upload.CaCertificateFile);
        Assert.Equal("/etc/edgecapture/upload/box.pem", upload.ClientCertificateFile);
        Assert.Equal("/etc/edgecapture/upload/box.key", upload.ClientKeyFile);
        Assert.Equal(CollectorKey, upload.CollectorKey.ToString());
        Assert.Equal(131072, upload.PartSizeBytes);
        Assert.Equal(500000, upload.RateLimitBytesPerSecond);
        Assert.Equal(20, upload.AnswerTimeoutSeconds);
    }

    [Fact]
    public void Without_the_section_nothing_is_uploaded_and_the_defaults_are_documented()
    {
        Assert.Null(ApplianceConfiguration.Parse($$"""{ "recipients": ["{{Recipient}}"] }""", "test").Upload);
        UploadConfiguration upload = ApplianceConfiguration.Parse(WithUpload($$"""{ "brokerUri": "mqtt://127.0.0.1", "collectorKey": "{{CollectorKey}}" }"""), "test").Upload!;
        Assert.Equal(262144, upload.PartSizeBytes);
        Assert.Null(upload.RateLimitBytesPerSecond);
        Assert.Equal(30, upload.AnswerTimeoutSeconds);
    }

    [Theory]
    [InlineData("""{ "collectorKey": "K" }""", "upload.brokerUri")]
    [InlineData("""{ "brokerUri": "mqtt://127.0.0.1" }""", "upload.collectorKey")]
    [InlineData("""{ "brokerUri": "http://127.0.0.1", "collectorKey": "K" }""", "upload.brokerUri")]
    [InlineData("""{ "brokerUri": "mqtt://user:pw@127.0.0.1", "collectorKey": "K" }""", "upload.brokerUri")]
    [InlineData("""{ "brokerUri": "mqtt://127.0.0.1/path", "collectorKey": "K" }""", "upload.brokerUri")]
    [InlineData("""{ "brokerUri": "mqtts://127.0.0.1", "collectorKey": "K" }""", "upload.caCertificateFile")]
    [InlineData("""{ "brokerUri": "mqtt://127.0.0.1", "caCertificateFile": "/ca.pem", "collectorKey": "K" }""", "upload.brokerUri")]
    [InlineData("""{ "brokerUri": "mqtts://h", "caCertificateFile": "/ca.pem", "clientCertificateFile": "/c.pem", "collectorKey": "K" }""", "upload.clientKeyFile")]
    [InlineData("""{ "brokerUri": "mqtts://h", "caCertificateFile": "relative/ca.pem", "collectorKey": "K" }""", "upload.caCertificateFile")]
    [InlineData("""{ "brokerUri": "mqtt://h", "passwordFile": "/pw", "collectorKey": "K" }""", "upload.passwordFile")]
    [InlineData("""{ "brokerUri": "mqtt://h", "collectorKey": "ed25519:notbase64" }""", "upload.collectorKey")]
    [InlineData("""{ "brokerUri": "mqtt://h", "collectorKey": "age1abc" }""", "upload.collectorKey")]
    [InlineData("""{ "brokerUri": "mqtt://h", "collectorKey": "K", "partSizeBytes": 100 }""", "upload.partSizeBytes")]
    [InlineData("""{ "brokerUri": "mqtt://h", "collectorKey": "K", "partSizeBytes": 16777217 }""", "upload.partSizeBytes")]
    [InlineData("""{ "brokerUri": "mqtt://h", "collectorKey": "K", "rateLimitBytesPerSecond": 10 }""", "upload.rateLimitBytesPerSecond")]
    [InlineData("""{ "brokerUri": "mqtt://h", "collectorKey": "K", "answerTimeoutSeconds": 0 }""", "upload.answerTimeoutSeconds")]
    [InlineData("""{ "brokerUri": "mqtt://h", "collectorKey": "K", "password": "secret" }""", "upload.password")]
    [InlineData("""{ "brokerUri": "mqtt://h", "brokerUri": "mqtt://i", "collectorKey": "K" }""", "upload.brokerUri")]
    [InlineData("""["mqtt://h"]""", "upload")]
    public void Invalid_upload_sections_are_refused_naming_the_key(string upload, string key)
    {
        string json = WithUpload(upload.Replace("\"K\"", "\"" + CollectorKey + "\"", StringComparison.Ordinal));
        ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(json, "appliance.json"));
        Assert.Equal(key, error.Key);
    }

    [Theory]
    [InlineData("box+1")]
    [InlineData("box#1")]
    [InlineData("$box")]
    public void A_device_id_that_is_not_one_topic_level_is_refused_when_uploading(string deviceId)
    {
        string json = WithUpload($$"""{ "brokerUri": "mqtt://h", "collectorKey": "{{CollectorKey}}" }""", deviceId);
        Assert.Equal("deviceId", Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(json, "test")).Key);
        string local = $$"""{ "deviceId": "{{deviceId}}", "recipients": ["{{Recipient}}"] }""";
        if (deviceId.Contains('+', StringComparison.Ordinal) || deviceId.Contains('#', StringComparison.Ordinal))
        {
            // MQTT wildcards are refused always, naming the key: the id becomes a topic level as soon as upload or fleet is added.
            ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(local, "test"));
            Assert.Equal("deviceId", error.Key);
            Assert.Contains("'+' or '#'", error.Message, StringComparison.Ordinal);
        }
        else
        {
            // Without uploading, the id only names manifests and stays allowed.
            Assert.Equal(deviceId, ApplianceConfiguration.Parse(local, "test").DeviceId);
        }
    }

    [Theory]
    [InlineData("box/1")]
    [InlineData("box+")]
    [InlineData("#")]
    [InlineData("a/+/#")]
    public void A_device_id_with_MQTT_level_or_wildcard_characters_is_refused_naming_the_key(string deviceId)
    {
        ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse($$"""{ "deviceId": "{{deviceId}}", "recipients": ["{{Recipient}}"] }""", "appliance.json"));
        Assert.Equal("deviceId", error.Key);
        Assert.Contains("deviceId", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("box.1:x", "deviceId")]
    [InlineData("groups", "deviceId")]
    public void Fleet_management_needs_upload_and_a_device_id_of_the_fleet_alphabet(string deviceId, string key)
    {
        string json = WithUpload($$"""{ "brokerUri": "mqtt://h", "collectorKey": "{{CollectorKey}}" }""", deviceId).TrimEnd().TrimEnd('}') + ", \"fleet\": \"/etc/edgecapture/fleet.json\" }";
        Assert.Equal(key, Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(json, "test")).Key);
        ApplianceConfigurationException noUpload = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse($$"""{ "recipients": ["{{Recipient}}"], "fleet": "/etc/edgecapture/fleet.json" }""", "test"));
        Assert.Equal("fleet", noUpload.Key);
    }

    [Fact]
    public void The_shipped_example_upload_section_loads()
    {
        // The example shows the section as a commented block after "upload": null; uncommented, it validates.
        string example = File.ReadAllText(Path.Combine(ApplianceConfigurationTests.RepositoryRoot(), "firmware", "appliance.example.json"));
        string[] lines = example.Split('\n');
        string block = string.Join('\n', lines.SkipWhile(line => !line.TrimStart().StartsWith("//   \"upload\": {", StringComparison.Ordinal))
            .TakeWhile(line => line.TrimStart().StartsWith("//", StringComparison.Ordinal))
            .Select(line => line.TrimStart()[2..]));
        Assert.Contains("\"upload\": {", block, StringComparison.Ordinal);
        ApplianceConfiguration configuration = ApplianceConfiguration.Parse(example.Replace("\"upload\": null", block.Trim().TrimEnd(','), StringComparison.Ordinal), "example");
        UploadConfiguration upload = Assert.IsType<UploadConfiguration>(configuration.Upload);
        Assert.Equal("mqtts", upload.BrokerUri.Scheme);
        Assert.NotNull(upload.ClientCertificateFile);
        Assert.Null(ApplianceConfiguration.Load(Path.Combine(ApplianceConfigurationTests.RepositoryRoot(), "firmware", "appliance.example.json")).Upload);
    }

    private static string CreateRecipient()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        return identity.Recipient.ToString();
    }

    private static string CreateCollectorKey()
    {
        using DeviceSigningKey key = DeviceSigningKey.Generate();
        return key.PublicKey.ToString();
    }
}
