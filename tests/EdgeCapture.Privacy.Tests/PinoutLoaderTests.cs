using System.Device.Gpio;
using System.Text.Json.Nodes;
using EdgeCapture.Privacy.Pinout;

namespace EdgeCapture.Privacy.Tests;

public sealed class PinoutLoaderTests
{
    [Fact]
    public void The_repository_pinout_loads_and_is_fail_closed()
    {
        PinoutDocument pinout = PinoutLoader.Load(RepositoryPinoutPath());

        Assert.Equal("Raspberry Pi 4 Model B", pinout.Board);
        Assert.Equal(0, pinout.Chip);
        Assert.Equal(GpioDriverChoice.Auto, pinout.Driver);
        Assert.Equal(new PrivacySwitchPin(5, 29, LinePull.Up, PinValue.High), pinout.PrivacySwitch);
        Assert.Equal(PinMode.InputPullUp, pinout.PrivacySwitch.InputMode);
        Assert.Equal(new RecordingIndicatorPin(26, 37, PinValue.High), pinout.RecordingIndicator);
        Assert.Equal(PinValue.Low, pinout.RecordingIndicator.DarkLevel);
        Assert.Equal(new ForgetButtonPin(6, 31, LinePull.Up, PinValue.Low), pinout.ForgetButton);
    }

    [Fact]
    public void The_wiring_document_names_the_same_header_pins_as_the_pinout()
    {
        PinoutDocument pinout = PinoutLoader.Load(RepositoryPinoutPath());
        string wiring = File.ReadAllText(Path.Combine(Path.GetDirectoryName(RepositoryPinoutPath())!, "privacy-wiring.md"));

        Assert.Contains($"GPIO{pinout.PrivacySwitch.Line} (header pin {pinout.PrivacySwitch.HeaderPin})", wiring, StringComparison.Ordinal);
        Assert.Contains($"GPIO{pinout.RecordingIndicator.Line} (header pin {pinout.RecordingIndicator.HeaderPin})", wiring, StringComparison.Ordinal);
        Assert.Contains($"GPIO{pinout.ForgetButton.Line} (header pin {pinout.ForgetButton.HeaderPin})", wiring, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("formatVersion", "2", "$.formatVersion", "not supported")]
    [InlineData("formatVersion", "\"1\"", "$.formatVersion", "expected a whole number, found a string")]
    [InlineData("board", "\"  \"", "$.board", "must not be empty")]
    [InlineData("gpio.chip", "64", "$.gpio.chip", "out of range 0..63")]
    [InlineData("gpio.chip", "1.5", "$.gpio.chip", "not a whole number")]
    [InlineData("gpio.driver", "\"sysfs\"", "$.gpio.driver", "\"sysfs\" is not one of \"auto\", \"libgpiod1\", \"libgpiod2\"")]
    [InlineData("privacySwitch.line", "-1", "$.privacySwitch.line", "out of range 0..1023")]
    [InlineData("privacySwitch.line", "null", "$.privacySwitch.line", "found null")]
    [InlineData("privacySwitch.pull", "\"none\"", "$.privacySwitch.pull", "disconnected switch reads private")]
    [InlineData("privacySwitch.privateLevel", "\"low\"", "$.privacySwitch.privateLevel", "fail closed")]
    [InlineData("privacySwitch.headerPin", "30", "$.privacySwitch.headerPin", "GPIO5 is header pin 29, not 30")]
    [InlineData("recordingIndicator.litLevel", "true", "$.recordingIndicator.litLevel", "found a boolean")]
    [InlineData("recordingIndicator.line", "5", "$.privacySwitch.line", "line 5 is used by more than one function")]
    [InlineData("forgetButton.line", "26", "$.recordingIndicator.line", "line 26 is used by more than one function")]
    [InlineData("forgetButton.pressedLevel", "\"high\"", "$.forgetButton.pressedLevel", "would read pressed")]
    [InlineData("forgetButton.line", "40", "$.forgetButton.line", "GPIO40 is not on the Raspberry Pi 40-pin header")]
    [InlineData("forgetButton", "[]", "$.forgetButton", "expected an object, found an array")]
    [InlineData("privacySwitch.colour", "\"red\"", "$.privacySwitch.colour", "unknown property")]
    public void An_invalid_value_is_rejected_with_its_path_and_a_clear_problem(string property, string json, string expectedPath, string expectedProblem)
    {
        JsonObject document = ValidDocument();
        string[] parts = property.Split('.');
        JsonObject target = parts.Length == 2 ? document[parts[0]]!.AsObject() : document;
        target[parts[^1]] = JsonNode.Parse(json);

        PinoutException exception = Assert.Throws<PinoutException>(() => PinoutLoader.Parse(document.ToJsonString(), "test.json"));

        Assert.Equal("test.json", exception.SourceName);
        Assert.Equal(expectedPath, exception.JsonPath);
        Assert.Contains(expectedProblem, exception.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"test.json: {expectedPath}: ", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 5)]
    public void On_a_Pi_a_switch_on_GPIO2_or_GPIO3_with_a_pull_down_is_refused_because_the_fixed_pull_up_would_read_public(int line, int headerPin)
    {
        JsonObject document = ValidDocument();
        JsonObject privacySwitch = document["privacySwitch"]!.AsObject();
        privacySwitch["line"] = line;
        privacySwitch["headerPin"] = headerPin;
        privacySwitch["pull"] = "down";
        privacySwitch["privateLevel"] = "low";

        PinoutException exception = Assert.Throws<PinoutException>(() => PinoutLoader.Parse(document.ToJsonString(), "test.json"));
        Assert.Equal("$.privacySwitch.pull", exception.JsonPath);
        Assert.Contains("fixed 1.8 kOhm pull-up", exception.Problem, StringComparison.Ordinal);

        // With its pull-up (private high), the same line is fine: an unwired switch reads private.
        privacySwitch["pull"] = "up";
        privacySwitch["privateLevel"] = "high";
        Assert.Equal(line, PinoutLoader.Parse(document.ToJsonString(), "test.json").PrivacySwitch.Line);
    }

    [Fact]
    public void On_a_Pi_a_line_the_header_does_not_have_is_refused_even_without_a_header_pin()
    {
        JsonObject document = ValidDocument();
        JsonObject indicator = document["recordingIndicator"]!.AsObject();
        indicator.Remove("headerPin");
        indicator["line"] = 28;

        PinoutException exception = Assert.Throws<PinoutException>(() => PinoutLoader.Parse(document.ToJsonString(), "test.json"));
        Assert.Equal("$.recordingIndicator.line", exception.JsonPath);
        Assert.Contains("GPIO28 is not on the Raspberry Pi 40-pin header", exception.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pinout_carries_the_SHA_256_of_its_bytes()
    {
        string path = RepositoryPinoutPath();
        PinoutDocument pinout = PinoutLoader.Load(path);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), pinout.Sha256);
        Assert.NotEqual(pinout.Sha256, PinoutLoader.Parse(ValidDocument().ToJsonString() + " ", "test.json").Sha256);
    }

    [Theory]
    [InlineData("board", "$.board")]
    [InlineData("gpio", "$.gpio")]
    [InlineData("privacySwitch", "$.privacySwitch")]
    [InlineData("recordingIndicator", "$.recordingIndicator")]
    [InlineData("forgetButton", "$.forgetButton")]
    public void A_missing_section_is_rejected(string property, string expectedPath)
    {
        JsonObject document = ValidDocument();
        document.Remove(property);

        PinoutException exception = Assert.Throws<PinoutException>(() => PinoutLoader.Parse(document.ToJsonString(), "test.json"));

        Assert.Equal(expectedPath, exception.JsonPath);
        Assert.Equal("the property is required", exception.Problem);
    }

    [Fact]
    public void A_property_given_twice_is_rejected()
    {
        string json = ValidDocument().ToJsonString().Replace("\"board\":", "\"board\":\"Other\",\"board\":", StringComparison.Ordinal);

        PinoutException exception = Assert.Throws<PinoutException>(() => PinoutLoader.Parse(json, "test.json"));

        Assert.Equal("$.board", exception.JsonPath);
        Assert.Contains("more than once", exception.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{ \"formatVersion\": 1, }")]
    [InlineData("// comment\n{}")]
    [InlineData("[1]")]
    public void Text_that_is_not_a_json_object_is_rejected(string json)
    {
        PinoutException exception = Assert.Throws<PinoutException>(() => PinoutLoader.Parse(json, "broken.json"));

        Assert.StartsWith("broken.json: $", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_board_that_is_not_a_raspberry_pi_skips_the_header_check()
    {
        JsonObject document = ValidDocument();
        document["board"] = "Custom carrier";
        document["forgetButton"]!["line"] = 200;

        PinoutDocument pinout = PinoutLoader.Parse(document.ToJsonString(), "test.json");

        Assert.Equal(200, pinout.ForgetButton.Line);
    }

    [Fact]
    public void A_missing_or_oversized_file_is_rejected_with_its_path()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-pinout-{Guid.NewGuid():N}.json");
        PinoutException notThere = Assert.Throws<PinoutException>(() => PinoutLoader.Load(missing));
        Assert.Equal($"{missing}: $: the pinout file does not exist", notThere.Message);

        string large = Path.Combine(Path.GetTempPath(), $"large-pinout-{Guid.NewGuid():N}.json");
        File.WriteAllText(large, new string(' ', PinoutLoader.MaximumFileBytes + 1));
        try
        {
            PinoutException tooLarge = Assert.Throws<PinoutException>(() => PinoutLoader.Load(large));
            Assert.Contains("at most 65536 bytes", tooLarge.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(large);
        }
    }

    internal static string RepositoryPinoutPath()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeCapture.sln")))
            {
                return Path.Combine(directory.FullName, "hardware", "pinout.json");
            }
        }

        throw new InvalidOperationException("EdgeCapture.sln not found above the test binaries.");
    }

    private static JsonObject ValidDocument() => JsonNode.Parse(File.ReadAllText(RepositoryPinoutPath()))!.AsObject();
}
