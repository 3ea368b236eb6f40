using System.Device.Gpio;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace EdgeCapture.Privacy.Pinout;

/// <summary>
/// Reads and strictly validates the pinout file (format in <c>hardware/pinout.schema.json</c> and the project README).
/// Unknown or duplicate properties, wrong types, out-of-range lines, shared lines, a switch that would not read
/// private when disconnected, and header pins that disagree with the Raspberry Pi header are all errors.
/// </summary>
public static class PinoutLoader
{
    /// <summary>Where the installed appliance keeps its pinout.</summary>
    public const string InstalledPath = "/etc/edgecapture/pinout.json";

    /// <summary>The only format version this code reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Larger files are rejected before parsing.</summary>
    public const int MaximumFileBytes = 64 * 1024;

    private const int MaximumLine = 1023;
    private const int MaximumChip = 63;

    // Raspberry Pi 40-pin header: BCM GPIO number -> physical pin (identical on Pi 2/3/4/5/Zero).
    private static readonly Dictionary<int, int> s_raspberryPiHeader = new()
    {
        [2] = 3, [3] = 5, [4] = 7, [14] = 8, [15] = 10, [17] = 11, [18] = 12, [27] = 13, [22] = 15, [23] = 16,
        [24] = 18, [10] = 19, [9] = 21, [25] = 22, [11] = 23, [8] = 24, [7] = 26, [0] = 27, [1] = 28, [5] = 29,
        [6] = 31, [12] = 32, [13] = 33, [19] = 35, [16] = 36, [26] = 37, [20] = 38, [21] = 40,
    };

    /// <summary>
    /// Loads an installed pinout: as <see cref="Load"/>, after refusing one that anyone but root could change
    /// (<see cref="PinoutFilePermissions.Check(string)"/>: the file, when it exists, and its folder).
    /// </summary>
    /// <param name="path">Usually <see cref="InstalledPath"/>.</param>
    /// <returns>The validated pinout.</returns>
    /// <exception cref="PinoutException">The file or its folder could be changed by someone other than root, or see <see cref="Load"/>.</exception>
    public static PinoutDocument LoadInstalled(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckInstalledPermissions(path);
        return Load(path);
    }

    /// <summary>
    /// The permission half of <see cref="LoadInstalled"/>: refuses a pinout file or folder that anyone but root could change.
    /// A missing file is left to <see cref="Load"/> (missing means private), but its folder is still checked when it exists:
    /// whoever can write the folder can create the file.
    /// </summary>
    /// <param name="path">The pinout file.</param>
    /// <exception cref="PinoutException">The file or its folder could be changed by someone other than root; the message names the path.</exception>
    public static void CheckInstalledPermissions(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (File.Exists(full) || Path.Exists(full))
        {
            PinoutFilePermissions.Check(full);
        }
        else if (Directory.Exists(Path.GetDirectoryName(full)))
        {
            PinoutFilePermissions.CheckFolder(full, UnixFileStatus.Read);
        }
    }

    /// <summary>Loads and validates a pinout file.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The validated pinout.</returns>
    /// <exception cref="PinoutException">The file is missing, unreadable, too large or invalid.</exception>
    public static PinoutDocument Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new PinoutException(path, "$", "the pinout file does not exist");
            }

            if (info.Length > MaximumFileBytes)
            {
                throw new PinoutException(path, "$", $"the file is {info.Length} bytes; a pinout is at most {MaximumFileBytes} bytes");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new PinoutException(path, "$", $"cannot read the file: {exception.Message}", exception);
        }

        return Parse(bytes, path);
    }

    /// <summary>Parses and validates pinout JSON text.</summary>
    /// <param name="json">The document.</param>
    /// <param name="sourceName">Named in error messages.</param>
    /// <returns>The validated pinout.</returns>
    /// <exception cref="PinoutException">The document is invalid.</exception>
    public static PinoutDocument Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(System.Text.Encoding.UTF8.GetBytes(json), sourceName);
    }

    private static PinoutDocument Parse(byte[] utf8Json, string sourceName)
    {
        if (utf8Json.Length > MaximumFileBytes)
        {
            throw new PinoutException(sourceName, "$", $"the document is {utf8Json.Length} bytes; a pinout is at most {MaximumFileBytes} bytes");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 8 });
        }
        catch (JsonException exception)
        {
            string where = exception.Path is { Length: > 0 } path ? path : "$";
            throw new PinoutException(sourceName, where, $"not valid JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}): {exception.Message}", exception);
        }

        using (document)
        {
            var root = new ObjectReader(document.RootElement, "$", sourceName, ["$schema", "formatVersion", "board", "gpio", "privacySwitch", "recordingIndicator", "forgetButton"]);
            root.OptionalString("$schema");
            int version = root.Integer("formatVersion", 1, int.MaxValue);
            if (version != FormatVersion)
            {
                throw root.Error("formatVersion", $"format version {version} is not supported; this build reads version {FormatVersion}");
            }

            string board = root.String("board");
            bool isRaspberryPi = board.StartsWith("Raspberry Pi", StringComparison.Ordinal);

            ObjectReader gpio = root.Object("gpio", ["chip", "driver"]);
            int chip = gpio.Integer("chip", 0, MaximumChip);
            GpioDriverChoice driver = gpio.Choice("driver", new Dictionary<string, GpioDriverChoice>
            {
                ["auto"] = GpioDriverChoice.Auto,
                ["libgpiod1"] = GpioDriverChoice.Libgpiod1,
                ["libgpiod2"] = GpioDriverChoice.Libgpiod2,
            });

            ObjectReader switchReader = root.Object("privacySwitch", ["line", "headerPin", "pull", "privateLevel"]);
            var privacySwitch = new PrivacySwitchPin(
                switchReader.Integer("line", 0, MaximumLine),
                switchReader.OptionalInteger("headerPin", 1, 40),
                Pull(switchReader),
                Level(switchReader, "privateLevel"));
            if (privacySwitch.Pull == LinePull.None)
            {
                throw switchReader.Error("pull", "the privacy switch needs a pull (\"up\" or \"down\") so that a disconnected switch reads private");
            }

            if (PulledLevel(privacySwitch.Pull) != privacySwitch.PrivateLevel)
            {
                throw switchReader.Error("privateLevel", $"with pull \"{Name(privacySwitch.Pull)}\" a disconnected switch reads {Name(PulledLevel(privacySwitch.Pull))}; privateLevel must be that level so a broken wire means private (fail closed)");
            }

            if (isRaspberryPi && privacySwitch.Line is 2 or 3 && privacySwitch.Pull == LinePull.Down)
            {
                throw switchReader.Error("pull", $"GPIO{privacySwitch.Line} has a fixed 1.8 kOhm pull-up on the Raspberry Pi header that a pull-down cannot overcome: an unwired or cut switch would read high, which this pinout calls public");
            }

            ObjectReader indicatorReader = root.Object("recordingIndicator", ["line", "headerPin", "litLevel"]);
            var indicator = new RecordingIndicatorPin(
                indicatorReader.Integer("line", 0, MaximumLine),
                indicatorReader.OptionalInteger("headerPin", 1, 40),
                Level(indicatorReader, "litLevel"));

            ObjectReader buttonReader = root.Object("forgetButton", ["line", "headerPin", "pull", "pressedLevel"]);
            var button = new ForgetButtonPin(
                buttonReader.Integer("line", 0, MaximumLine),
                buttonReader.OptionalInteger("headerPin", 1, 40),
                Pull(buttonReader),
                Level(buttonReader, "pressedLevel"));
            if (button.Pull != LinePull.None && PulledLevel(button.Pull) == button.PressedLevel)
            {
                throw buttonReader.Error("pressedLevel", $"with pull \"{Name(button.Pull)}\" a released or disconnected button would read pressed");
            }

            if (privacySwitch.Line == indicator.Line || privacySwitch.Line == button.Line)
            {
                throw switchReader.Error("line", $"line {privacySwitch.Line} is used by more than one function");
            }

            if (indicator.Line == button.Line)
            {
                throw indicatorReader.Error("line", $"line {indicator.Line} is used by more than one function");
            }

            if (isRaspberryPi)
            {
                CheckHeader(switchReader, privacySwitch.Line, privacySwitch.HeaderPin);
                CheckHeader(indicatorReader, indicator.Line, indicator.HeaderPin);
                CheckHeader(buttonReader, button.Line, button.HeaderPin);
            }

            return new PinoutDocument(board, chip, driver, privacySwitch, indicator, button) { Sha256 = Convert.ToHexStringLower(SHA256.HashData(utf8Json)) };
        }
    }

    /// <summary>The input mode that applies a pull.</summary>
    internal static PinMode ToInputMode(LinePull pull) => pull switch
    {
        LinePull.Up => PinMode.InputPullUp,
        LinePull.Down => PinMode.InputPullDown,
        _ => PinMode.Input,
    };

    private static void CheckHeader(ObjectReader reader, int line, int? headerPin)
    {
        // A line the header does not have is refused whether or not a header pin is named.
        if (!s_raspberryPiHeader.TryGetValue(line, out int expected))
        {
            throw reader.Error("line", $"GPIO{line} is not on the Raspberry Pi 40-pin header");
        }

        if (headerPin is not int pin)
        {
            return;
        }

        if (expected != pin)
        {
            throw reader.Error("headerPin", $"GPIO{line} is header pin {expected}, not {pin}");
        }
    }

    private static LinePull Pull(ObjectReader reader) => reader.Choice("pull", new Dictionary<string, LinePull>
    {
        ["up"] = LinePull.Up,
        ["down"] = LinePull.Down,
        ["none"] = LinePull.None,
    });

    private static PinValue Level(ObjectReader reader, string name) => reader.Choice(name, new Dictionary<string, bool>
    {
        ["high"] = true,
        ["low"] = false,
    }) ? PinValue.High : PinValue.Low;

    private static PinValue PulledLevel(LinePull pull) => pull == LinePull.Up ? PinValue.High : PinValue.Low;

    private static string Name(LinePull pull) => pull.ToString().ToLowerInvariant();

    private static string Name(PinValue value) => value == PinValue.High ? "high" : "low";

    /// <summary>Reads one JSON object strictly: known properties only, each once, with typed accessors.</summary>
    private sealed class ObjectReader
    {
        private readonly Dictionary<string, JsonElement> _properties = new(StringComparer.Ordinal);
        private readonly string _path;
        private readonly string _source;

        public ObjectReader(JsonElement element, string path, string source, string[] allowed)
        {
            _path = path;
            _source = source;
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new PinoutException(source, path, $"expected an object, found {Describe(element.ValueKind)}");
            }

            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (Array.IndexOf(allowed, property.Name) < 0)
                {
                    throw new PinoutException(source, $"{path}.{property.Name}", $"unknown property; allowed here: {string.Join(", ", allowed)}");
                }

                if (!_properties.TryAdd(property.Name, property.Value))
                {
                    throw new PinoutException(source, $"{path}.{property.Name}", "the property appears more than once");
                }
            }
        }

        public PinoutException Error(string name, string problem) => new(_source, $"{_path}.{name}", problem);

        public ObjectReader Object(string name, string[] allowed) => new(Required(name), $"{_path}.{name}", _source, allowed);

        public string String(string name)
        {
            JsonElement element = Required(name);
            if (element.ValueKind != JsonValueKind.String)
            {
                throw Error(name, $"expected a string, found {Describe(element.ValueKind)}");
            }

            string value = element.GetString()!;
            if (string.IsNullOrWhiteSpace(value))
            {
                throw Error(name, "must not be empty");
            }

            return value;
        }

        public void OptionalString(string name)
        {
            if (_properties.TryGetValue(name, out JsonElement element) && element.ValueKind != JsonValueKind.String)
            {
                throw Error(name, $"expected a string, found {Describe(element.ValueKind)}");
            }
        }

        public int Integer(string name, int minimum, int maximum) => ToInteger(name, Required(name), minimum, maximum);

        public int? OptionalInteger(string name, int minimum, int maximum)
            => _properties.TryGetValue(name, out JsonElement element) ? ToInteger(name, element, minimum, maximum) : null;

        public T Choice<T>(string name, Dictionary<string, T> choices)
        {
            JsonElement element = Required(name);
            string allowed = string.Join(", ", choices.Keys.Select(key => $"\"{key}\""));
            if (element.ValueKind != JsonValueKind.String)
            {
                throw Error(name, $"expected one of {allowed}, found {Describe(element.ValueKind)}");
            }

            string text = element.GetString()!;
            return choices.TryGetValue(text, out T? value) ? value : throw Error(name, $"\"{text}\" is not one of {allowed}");
        }

        private int ToInteger(string name, JsonElement element, int minimum, int maximum)
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int value))
            {
                throw Error(name, element.ValueKind == JsonValueKind.Number
                    ? $"{element.GetRawText()} is not a whole number in range"
                    : $"expected a whole number, found {Describe(element.ValueKind)}");
            }

            if (value < minimum || value > maximum)
            {
                throw Error(name, string.Create(CultureInfo.InvariantCulture, $"{value} is out of range {minimum}..{maximum}"));
            }

            return value;
        }

        private JsonElement Required(string name)
            => _properties.TryGetValue(name, out JsonElement element) ? element : throw Error(name, "the property is required");

        private static string Describe(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => kind.ToString(),
        };
    }
}
