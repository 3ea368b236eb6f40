using System.Reflection;
using System.Text;
using EdgeCapture.Crypto;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCapture.Appliance.Tests;

public sealed class ApplianceConfigurationTests
{
    private static readonly string Recipient = CreateRecipient();

    private static string Minimal => $$"""{ "recipients": ["{{Recipient}}"] }""";

    private static string Full => $$"""
        {
          "deviceId": "box-7", "dataDirectory": "/var/lib/edgecapture", "deviceKeyPath": "/var/lib/edgecapture/device.key",
          "recipients": ["{{Recipient}}"], "recipientsFile": null,
          "inputDirectory": "/dev/input", "keyboards": ["/dev/input/event3"], "mice": ["/dev/input/event4"],
          "keyboardGadget": "/dev/hidg0", "mouseGadget": "/dev/hidg1", "consumerControlGadget": "/dev/hidg2",
          "udcStatePath": "/sys/class/udc/fe980000.usb/state", "segmentSeconds": 2.5, "quotaBytes": 2097152, "videoSource": "simulated"
        }
        """;

    private static string CreateRecipient()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        return identity.Recipient.ToString();
    }

    [Fact]
    public void The_shipped_example_configuration_loads()
    {
        string path = Path.Combine(RepositoryRoot(), "firmware", "appliance.example.json");
        ApplianceConfiguration configuration = ApplianceConfiguration.Load(path);
        Assert.Single(configuration.Recipients);
        Assert.Equal("/var/lib/edgecapture", configuration.DataDirectory);
        Assert.Equal("/dev/input", configuration.InputDirectory);

        // Endpoints and UDC state are derived from the gadget; the example configures neither.
        Assert.Equal("/sys/kernel/config/usb_gadget/edgecapture", configuration.Gadget);
        Assert.Null(configuration.KeyboardGadget);
        Assert.Null(configuration.UdcStatePath);
        Assert.DoesNotContain("udcStatePath", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.DoesNotContain("\"keyboardGadget\"", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(VideoSourceKind.None, configuration.VideoSource);
    }

    [Fact]
    public void The_shipped_example_with_its_pi4_bridge_line_loads()
    {
        // The example shows the Pi 4 bridge as a commented replacement of its "videoSource" line; that replacement validates.
        string example = File.ReadAllText(Path.Combine(RepositoryRoot(), "firmware", "appliance.example.json"));
        string bridgeLine = example.Split('\n').Select(line => line.Trim()).Single(line => line.StartsWith("//   \"videoSource\": \"v4l2-bridge\"", StringComparison.Ordinal))[2..].Trim();
        ApplianceConfiguration configuration = ApplianceConfiguration.Parse(example.Replace("\"videoSource\": \"none\"\n", bridgeLine + "\n", StringComparison.Ordinal), "example");
        Assert.Equal((VideoSourceKind.V4l2Bridge, "/dev/video0", 75, 1), (configuration.VideoSource, configuration.VideoDevice, configuration.VideoJpegQuality, configuration.VideoDownscale));
    }

    [Fact]
    public void A_minimal_configuration_takes_the_documented_defaults()
    {
        ApplianceConfiguration configuration = ApplianceConfiguration.Parse(Minimal, "test");
        Assert.Equal(Recipient, Assert.Single(configuration.Recipients).ToString());
        Assert.Equal(Environment.MachineName, configuration.DeviceId);
        Assert.Equal("/var/lib/edgecapture", configuration.DataDirectory);
        Assert.Equal("/var/lib/edgecapture/device.key", configuration.EffectiveDeviceKeyPath);
        Assert.Equal("/etc/edgecapture/pinout.json", configuration.PinoutPath);
        Assert.Equal("/dev/input", configuration.InputDirectory);
        Assert.Equal(((string?)null, (string?)null, (string?)null), (configuration.KeyboardGadget, configuration.MouseGadget, configuration.ConsumerControlGadget));
        Assert.Equal("/sys/kernel/config/usb_gadget/edgecapture", configuration.Gadget);
        Assert.Equal(5, configuration.SegmentSeconds);
        Assert.Equal(1L << 30, configuration.QuotaBytes);
        Assert.Equal(VideoSourceKind.None, configuration.VideoSource);
    }

    [Fact]
    public void Every_key_is_read()
    {
        ApplianceConfiguration configuration = ApplianceConfiguration.Parse(Full, "test");
        Assert.Equal("box-7", configuration.DeviceId);
        Assert.Equal(["/dev/input/event3"], configuration.Keyboards);
        Assert.Equal(["/dev/input/event4"], configuration.Mice);
        Assert.Equal("/sys/class/udc/fe980000.usb/state", configuration.UdcStatePath);
        Assert.Equal(2.5, configuration.SegmentSeconds);
        Assert.Equal(2097152, configuration.QuotaBytes);
        Assert.Equal(VideoSourceKind.Simulated, configuration.VideoSource);
        Assert.Null(configuration.RecipientsFile);
    }

    [Theory]
    [InlineData("privacySwitch", "false")]
    [InlineData("privacySwitchEnabled", "false")]
    [InlineData("disablePrivacy", "true")]
    [InlineData("privacyGate", "false")]
    [InlineData("gate", "\"open\"")]
    [InlineData("recordingIndicator", "false")]
    [InlineData("indicatorEnabled", "false")]
    [InlineData("led", "\"off\"")]
    [InlineData("alwaysRecord", "true")]
    [InlineData("DeviceId", "\"wrong-case\"")]
    public void Keys_that_would_override_privacy_or_the_indicator_are_refused_as_unknown(string key, string value)
    {
        string json = $$"""{ "recipients": ["{{Recipient}}"], "{{key}}": {{value}} }""";
        ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(json, "appliance.json"));
        Assert.Equal(key, error.Key);
        Assert.Contains("unknown key", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("appliance.json: " + key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_configuration_type_has_no_member_about_privacy_the_gate_or_the_indicator()
    {
        string[] forbidden = ["privacy", "switch", "gate", "indicator", "led", "record", "private", "public"];
        string[] members = typeof(ApplianceConfiguration).GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Select(property => property.Name)
            .ToArray();
        Assert.Contains(nameof(ApplianceConfiguration.Recipients), members);
        Assert.All(members, name => Assert.DoesNotContain(forbidden, word => name.Contains(word, StringComparison.OrdinalIgnoreCase) && name != nameof(ApplianceConfiguration.Recipients)));
        Assert.All(ApplianceConfiguration.Keys, key => Assert.DoesNotContain(forbidden, word => key.Contains(word, StringComparison.OrdinalIgnoreCase) && key != "recipients" && key != "recipientsFile"));
    }

    [Theory]
    [InlineData("""{ "recipients": [] }""", "recipients")]
    [InlineData("""{ "recipients": ["age1notarecipient"] }""", "recipients[0]")]
    [InlineData("""{ "recipients": "age1" }""", "recipients")]
    [InlineData("""{ "recipients": [42] }""", "recipients[0]")]
    [InlineData("""{ "recipientsFile": "/r", "segmentSeconds": 0 }""", "segmentSeconds")]
    [InlineData("""{ "recipientsFile": "/r", "segmentSeconds": 601 }""", "segmentSeconds")]
    [InlineData("""{ "recipientsFile": "/r", "segmentSeconds": "5" }""", "segmentSeconds")]
    [InlineData("""{ "recipientsFile": "/r", "quotaBytes": 1.5 }""", "quotaBytes")]
    [InlineData("""{ "recipientsFile": "/r", "quotaBytes": 1000 }""", "quotaBytes")]
    [InlineData("""{ "recipientsFile": "/r", "dataDirectory": "relative/dir" }""", "dataDirectory")]
    [InlineData("""{ "recipientsFile": "/r", "dataDirectory": null }""", "dataDirectory")]
    [InlineData("""{ "recipientsFile": "/r", "keyboards": ["/dev/input/event1", "x"] }""", "keyboards[1]")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "hdmi" }""", "videoSource")]
    [InlineData("""{ "recipientsFile": "/r", "deviceId": "a b" }""", "deviceId")]
    [InlineData("""{ "recipientsFile": "/r", "inputDirectory": "/a", "inputDirectory": "/b" }""", "inputDirectory")]
    public void A_bad_value_is_refused_naming_its_key(string json, string key)
    {
        ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(json, "appliance.json"));
        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc/edgecapture/pinout.json")]
    [InlineData("/home/user/my-pinout.json")]
    public void The_pinout_path_is_not_a_configuration_key_and_is_refused_as_unknown(string path)
    {
        // "The switch wins": whoever edits appliance.json must not choose the file that says where the switch is wired.
        string json = $$"""{ "recipients": ["{{Recipient}}"], "pinoutPath": "{{path}}" }""";
        ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(json, "appliance.json"));
        Assert.Equal("pinoutPath", error.Key);
        Assert.Contains("unknown key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pinoutPath", ApplianceConfiguration.Keys);
    }

    [Fact]
    public void Each_video_source_is_parsed_with_its_keys()
    {
        string Document(string video) => $$"""{ "recipients": ["{{Recipient}}"], {{video}} }""";

        ApplianceConfiguration bridge = ApplianceConfiguration.Parse(Document("""  "videoSource": "v4l2-bridge", "videoJpegQuality": 60, "videoDownscale": 2 """), "test");
        Assert.Equal((VideoSourceKind.V4l2Bridge, "/dev/video0", 60, 2), (bridge.VideoSource, bridge.VideoDevice, bridge.VideoJpegQuality, bridge.VideoDownscale));

        ApplianceConfiguration dongle = ApplianceConfiguration.Parse(Document("""  "videoSource": "v4l2-dongle", "videoDevice": "/dev/video2", "videoWidth": 1280, "videoHeight": 720 """), "test");
        Assert.Equal((VideoSourceKind.V4l2Dongle, "/dev/video2", 1280, 720), (dongle.VideoSource, dongle.VideoDevice, dongle.VideoWidth, dongle.VideoHeight));

        ApplianceConfiguration file = ApplianceConfiguration.Parse(Document("""  "videoSource": "file", "videoFile": "/srv/replay/session.mjpeg", "videoFramesPerSecond": 5 """), "test");
        Assert.Equal((VideoSourceKind.File, "/srv/replay/session.mjpeg", 5), (file.VideoSource, file.VideoFile, file.VideoFramesPerSecond));

        ApplianceConfiguration simulated = ApplianceConfiguration.Parse(Document("""  "videoSource": "simulated", "videoJpegQuality": 90 """), "test");
        Assert.Equal((VideoSourceKind.Simulated, 90, 1), (simulated.VideoSource, simulated.VideoJpegQuality, simulated.VideoDownscale));

        ApplianceConfiguration defaults = ApplianceConfiguration.Parse(Document("""  "videoSource": "v4l2-dongle" """), "test");
        Assert.Equal(("/dev/video0", 1920, 1080, 75, 1, 10), (defaults.VideoDevice, defaults.VideoWidth, defaults.VideoHeight, defaults.VideoJpegQuality, defaults.VideoDownscale, defaults.VideoFramesPerSecond));
        Assert.Null(defaults.VideoFile);
    }

    [Theory]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2" }""", "videoSource")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "file" }""", "videoFile")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "file", "videoFile": "replay.mjpeg" }""", "videoFile")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-bridge", "videoDevice": "video0" }""", "videoDevice")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-bridge", "videoJpegQuality": 0 }""", "videoJpegQuality")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-bridge", "videoJpegQuality": 101 }""", "videoJpegQuality")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-bridge", "videoJpegQuality": 75.5 }""", "videoJpegQuality")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-bridge", "videoDownscale": 4 }""", "videoDownscale")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-dongle", "videoWidth": 1281 }""", "videoWidth")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-dongle", "videoHeight": 9000 }""", "videoHeight")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "file", "videoFile": "/a", "videoFramesPerSecond": 0 }""", "videoFramesPerSecond")]
    [InlineData("""{ "recipientsFile": "/r", "videoDevice": "/dev/video0" }""", "videoDevice")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-dongle", "videoJpegQuality": 80 }""", "videoJpegQuality")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-bridge", "videoWidth": 1280 }""", "videoWidth")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-bridge", "videoFile": "/a" }""", "videoFile")]
    [InlineData("""{ "recipientsFile": "/r", "videoFramesPerSecond": 5, "videoSource": "simulated" }""", "videoFramesPerSecond")]
    [InlineData("""{ "recipientsFile": "/r", "videoSource": "v4l2-bridge", "videoGate": "open" }""", "videoGate")]
    public void A_bad_or_misplaced_video_key_is_refused_naming_it(string json, string key)
    {
        ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(json, "appliance.json"));
        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{")]
    [InlineData("{ \"recipients\": [\"x\"], }")]
    public void Malformed_documents_are_refused_clearly(string json)
    {
        ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(json, "appliance.json"));
        Assert.StartsWith("appliance.json: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_configuration_error()
    {
        ApplianceConfigurationException error = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Load("/nonexistent/edgecapture/appliance.json"));
        Assert.Contains("/nonexistent/edgecapture/appliance.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_text_only_ever_yields_a_configuration_or_the_documented_exception()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<string>(), text => ParsesOrRefuses(text ?? string.Empty))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [Fact]
    public void Mutated_valid_documents_only_ever_yield_a_configuration_or_the_documented_exception()
    {
        string[] seeds = [Minimal, Full, File.ReadAllText(Path.Combine(RepositoryRoot(), "firmware", "appliance.example.json"))];
        Gen<(int Seed, int Position, int Operation, char Character, int Length)> mutations =
            from seed in Gen.Choose(0, seeds.Length - 1)
            from position in Gen.Choose(0, 4000)
            from operation in Gen.Choose(0, 3)
            from character in Gen.Elements('"', '{', '}', '[', ']', ',', ':', '0', '9', '-', 'e', '.', 'n', 't', '\\', ' ', '\u0000', '\u00e9', 'x')
            from length in Gen.Choose(1, 20)
            select (seed, position, operation, character, length);
        Prop.ForAll(mutations.ToArbitrary(), mutation =>
            {
                var text = new StringBuilder(seeds[mutation.Seed]);
                int at = mutation.Position % (text.Length + 1);
                switch (mutation.Operation)
                {
                    case 0:
                        text.Insert(at, mutation.Character);
                        break;
                    case 1:
                        text.Remove(Math.Min(at, text.Length - 1), Math.Min(mutation.Length, text.Length - Math.Min(at, text.Length - 1)));
                        break;
                    case 2:
                        text[Math.Min(at, text.Length - 1)] = mutation.Character;
                        break;
                    default:
                        text.Length = at;
                        break;
                }

                return ParsesOrRefuses(text.ToString());
            })
            .Check(Config.QuickThrowOnFailure.WithMaxTest(1500));
    }

    [Fact]
    public void Lock_screen_chords_and_triggers_are_configuration_with_documented_defaults()
    {
        ApplianceConfiguration defaults = ApplianceConfiguration.Parse(Minimal, "test");
        Assert.Equal(["Gui+L", "Control+Alt+Delete", "Control+Gui+Q", "Control+Shift+Power", "Control+Shift+Eject", "Gui+Alt+Power"], defaults.LockScreenChords);
        Assert.Equal(EdgeCapture.Recording.Recorder.LockScreenTriggers.All, defaults.LockScreenTriggers);

        ApplianceConfiguration configured = ApplianceConfiguration.Parse(
            $$"""{ "recipients": ["{{Recipient}}"], "lockScreenChords": ["Win+L", "Ctrl+Shift+F12"], "lockScreenTriggers": ["hostResumed", "applianceStarted"] }""", "test");
        Assert.Equal(["Win+L", "Ctrl+Shift+F12"], configured.LockScreenChords);
        Assert.Equal(
            EdgeCapture.Recording.Recorder.LockScreenTriggers.HostResumed | EdgeCapture.Recording.Recorder.LockScreenTriggers.ApplianceStarted,
            configured.LockScreenTriggers);

        ApplianceConfigurationException chord = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(
            $$"""{ "recipients": ["{{Recipient}}"], "lockScreenChords": ["Gui+L", "Banana"] }""", "test"));
        Assert.Equal("lockScreenChords[1]", chord.Key);
        ApplianceConfigurationException trigger = Assert.Throws<ApplianceConfigurationException>(() => ApplianceConfiguration.Parse(
            $$"""{ "recipients": ["{{Recipient}}"], "lockScreenTriggers": ["never"] }""", "test"));
        Assert.Equal("lockScreenTriggers[0]", trigger.Key);
    }

    private static bool ParsesOrRefuses(string text)
    {
        try
        {
            ApplianceConfiguration configuration = ApplianceConfiguration.Parse(text, "fuzz");
            return configuration.Recipients.Count > 0 || configuration.RecipientsFile is not null;
        }
        catch (ApplianceConfigurationException error)
        {
            return error.Message.StartsWith("fuzz: ", StringComparison.Ordinal);
        }
    }

    internal static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "EdgeCapture.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("EdgeCapture.sln not found above " + AppContext.BaseDirectory);
    }
}
