using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Box;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// The fleet's remotely changeable settings use the appliance configuration's own ranges: a value is accepted remotely
/// exactly when appliance.json would accept it (the fleet cannot reference the appliance, so this test ties them).
/// </summary>
public sealed class RemoteSettingsAgreementTests
{
    private static readonly string Recipient = CreateRecipient();

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        string[] numbers = ["0", "0.05", "0.1", "1", "2", "3", "59", "60", "61", "100", "101", "600", "600.5", "1048575", "1048576", "-1", "1e3", "true", "\"5\"", "null"];
        (string Key, string Source)[] keys = [("segmentSeconds", "none"), ("quotaBytes", "none"), ("videoJpegQuality", "simulated"), ("videoDownscale", "simulated"), ("videoFramesPerSecond", "file")];
        foreach ((string key, string source) in keys)
        {
            foreach (string value in numbers)
            {
                data.Add(key, source, value);
            }
        }

        // The lock-screen triggers: the box takes exactly the names appliance.json takes (an empty list is accepted and reported as weakened).
        foreach (string value in new[] { "[]", "[\"hostResumed\"]", "[\"hostResumed\",\"gadgetReenumerated\",\"signalRestored\",\"applianceStarted\"]", "[\"never\"]", "[1]", "\"hostResumed\"", "null", "true" })
        {
            data.Add("lockScreenTriggers", "none", value);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_remote_value_is_accepted_exactly_when_the_appliance_configuration_accepts_it(string key, string videoSource, string value)
    {
        using JsonDocument document = JsonDocument.Parse(value);
        bool remote = RemoteSettings.TryValidate(key, document.RootElement, out _);
        string file = videoSource == "file" ? ",\"videoFile\":\"/var/lib/edgecapture/replay.mjpeg\"" : string.Empty;
        bool local;
        try
        {
            ApplianceConfiguration.Parse($"{{\"recipients\":[\"{Recipient}\"],\"videoSource\":\"{videoSource}\"{file},\"{key}\":{value}}}", "test");
            local = true;
        }
        catch (ApplianceConfigurationException)
        {
            local = false;
        }

        Assert.Equal(local, remote);
    }

    private static string CreateRecipient()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        return identity.Recipient.ToString();
    }
}
