// Long (about 450 lines) because it is the one strict reader of appliance.json: every key, its type, range and the
// error naming it in one place, so no key can be accepted by one path and refused by another. The upload section
// has its own file.
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Crypto;

namespace EdgeCapture.Appliance;

/// <summary>Where the appliance gets its screen from.</summary>
public enum VideoSourceKind
{
    /// <summary>No screen capture: input only.</summary>
    None,

    /// <summary>The simulated desktop, driven by the same script as the simulated user (development, CI, the demo).</summary>
    Simulated,

    /// <summary>The TC358743 HDMI-to-CSI-2 bridge (Pi 4/CM4): UYVY encoded to JPEG on the box (<c>"v4l2-bridge"</c>).</summary>
    V4l2Bridge,

    /// <summary>A USB HDMI dongle delivering MJPEG, passed through (any board; the only choice on a Pi 5) (<c>"v4l2-dongle"</c>).</summary>
    V4l2Dongle,

    /// <summary>Replay of a recording: an MJPEG stream file or a folder of JPEG images (<c>"file"</c>, with <c>videoFile</c>).</summary>
    File,
}

/// <summary>
/// Everything a box is configured with, loaded from <see cref="InstalledPath"/> (JSON, camelCase keys, see
/// firmware/appliance.example.json). Loading is strict: malformed JSON, an unknown key, a wrong type or a value out of range
/// is refused with an <see cref="ApplianceConfigurationException"/> naming the key, and nothing is applied.
/// </summary>
/// <remarks>
/// There is deliberately no member that disables the privacy switch, the privacy gate or the recording indicator
/// (The switch wins, Governed control; see src/INVARIANTS.md): such keys are unknown keys and are refused like any other. The pinout file only says where those
/// lines are wired; a missing or invalid pinout means private (fail closed).
/// </remarks>
public sealed partial record ApplianceConfiguration
{
    /// <summary>Where the configuration lives on a box.</summary>
    public const string InstalledPath = "/etc/edgecapture/appliance.json";

    /// <summary>Smallest accepted <see cref="SegmentSeconds"/>.</summary>
    public const double MinimumSegmentSeconds = 0.1;

    /// <summary>Largest accepted <see cref="SegmentSeconds"/>.</summary>
    public const double MaximumSegmentSeconds = 600;

    /// <summary>Smallest accepted <see cref="QuotaBytes"/> (1 MiB).</summary>
    public const long MinimumQuotaBytes = 1L << 20;

    /// <summary>Device identifier written into every manifest (key <c>deviceId</c>). Default: the host name.</summary>
    public string DeviceId { get; init; } = Environment.MachineName;

    /// <summary>Directory of the outbox (<c>outbox.db</c>) and, by default, the device key (key <c>dataDirectory</c>). Default /var/lib/edgecapture.</summary>
    public string DataDirectory { get; init; } = "/var/lib/edgecapture";

    /// <summary>The device's Ed25519 signing key, created 0600 if absent (key <c>deviceKeyPath</c>). Default: <c>&lt;dataDirectory&gt;/device.key</c>.</summary>
    public string? DeviceKeyPath { get; init; }

    /// <summary>The age recipients every segment is encrypted to: the custodian, optionally the employee (key <c>recipients</c>, strings <c>age1...</c>). At least one is required, here or in <see cref="RecipientsFile"/>.</summary>
    public IReadOnlyList<AgeRecipient> Recipients { get; init; } = [];

    /// <summary>A file of age recipients, one per line, read at start (key <c>recipientsFile</c>). Default none.</summary>
    public string? RecipientsFile { get; init; }

    /// <summary>
    /// The GPIO pinout of the switch, LED and forget button: always <see cref="Privacy.Pinout.PinoutLoader.InstalledPath"/> on a box.
    /// Deliberately not a key of appliance.json, nor a remote setting ("The switch wins"): a file that names where the switch is
    /// wired must not be chosen by whoever can edit the configuration. Only code sets another path (tests, simulation); the box
    /// refuses to start when the file or its folder can be changed by anyone but root (<see cref="Privacy.Pinout.PinoutFilePermissions"/>).
    /// </summary>
    public string PinoutPath { get; init; } = Privacy.Pinout.PinoutLoader.InstalledPath;

    /// <summary>Directory watched for evdev nodes, hot-plug (key <c>inputDirectory</c>). Default /dev/input; null (JSON null) for none.</summary>
    public string? InputDirectory { get; init; } = "/dev/input";

    /// <summary>Keyboard event nodes opened at start in addition to <see cref="InputDirectory"/> (key <c>keyboards</c>). Default none.</summary>
    public IReadOnlyList<string> Keyboards { get; init; } = [];

    /// <summary>Mouse event nodes opened at start (key <c>mice</c>). Default none.</summary>
    public IReadOnlyList<string> Mice { get; init; } = [];

    /// <summary>
    /// The configfs gadget directory (key <c>gadget</c>; JSON null for none). Default /sys/kernel/config/usb_gadget/edgecapture,
    /// as edgecapture-gadget.sh builds it: the endpoints are resolved from its functions (major:minor, not creation order)
    /// and the UDC state from the UDC it is bound to, so neither needs configuring.
    /// </summary>
    public string? Gadget { get; init; } = "/sys/kernel/config/usb_gadget/edgecapture";

    /// <summary>Keyboard gadget endpoint (key <c>keyboardGadget</c>), only to pin it or for a stand-in. Default: resolved from <see cref="Gadget"/>.</summary>
    public string? KeyboardGadget { get; init; }

    /// <summary>Mouse gadget endpoint (key <c>mouseGadget</c>). Default: resolved from <see cref="Gadget"/>.</summary>
    public string? MouseGadget { get; init; }

    /// <summary>Consumer-control gadget endpoint (key <c>consumerControlGadget</c>). Default: resolved from <see cref="Gadget"/>.</summary>
    public string? ConsumerControlGadget { get; init; }

    /// <summary>UDC state file (key <c>udcStatePath</c>), only for a stand-in gadget: on the box it is derived from <see cref="Gadget"/>. Default none.</summary>
    public string? UdcStatePath { get; init; }

    /// <summary>A segment is sealed at least this often, bounding what a power cut can lose (key <c>segmentSeconds</c>, 0.1..600). Default 5.</summary>
    public double SegmentSeconds { get; init; } = 5;

    /// <summary>Outbox quota in bytes; when full, recording stops with "storage full" while the relay keeps working (key <c>quotaBytes</c>, at least 1 MiB). Default 1 GiB.</summary>
    public long QuotaBytes { get; init; } = 1L << 30;

    /// <summary>Screen capture source (key <c>videoSource</c>: <c>"none"</c>, <c>"simulated"</c>, <c>"v4l2-bridge"</c>, <c>"v4l2-dongle"</c> or <c>"file"</c>). Default none. Frames are always gated by the privacy timeline.</summary>
    public VideoSourceKind VideoSource { get; init; } = VideoSourceKind.None;

    /// <summary>The V4L2 capture node (key <c>videoDevice</c>, v4l2-bridge and v4l2-dongle only). Default /dev/video0.</summary>
    public string VideoDevice { get; init; } = "/dev/video0";

    /// <summary>JPEG quality of frames encoded on the box (key <c>videoJpegQuality</c>, 1..100; v4l2-bridge and simulated only, MJPEG passes through). Default 75.</summary>
    public int VideoJpegQuality { get; init; } = 75;

    /// <summary>Divide width and height by this before encoding (key <c>videoDownscale</c>, 1 or 2; v4l2-bridge and simulated only). Default 1.</summary>
    public int VideoDownscale { get; init; } = 1;

    /// <summary>MJPEG width requested from a dongle (key <c>videoWidth</c>, even, 64..4096; v4l2-dongle only; the bridge takes the source's mode). Default 1920.</summary>
    public int VideoWidth { get; init; } = 1920;

    /// <summary>MJPEG height requested from a dongle (key <c>videoHeight</c>, 64..4096; v4l2-dongle only). Default 1080.</summary>
    public int VideoHeight { get; init; } = 1080;

    /// <summary>The MJPEG stream file or JPEG folder replayed (key <c>videoFile</c>, absolute; required for and only with videoSource file).</summary>
    public string? VideoFile { get; init; }

    /// <summary>Frames per second a file is replayed at, in real time (key <c>videoFramesPerSecond</c>, 1..60; file only). Default 10.</summary>
    public int VideoFramesPerSecond { get; init; } = 10;

    /// <summary>Chords that start lock-screen key suppression (key <c>lockScreenChords</c>). Default Win+L, Ctrl+Alt+Del, Ctrl+Cmd+Q, Ctrl+Shift+Power/Eject, Cmd+Option+Power.</summary>
    public IReadOnlyList<string> LockScreenChords { get; init; } = Recording.Recorder.LockScreenOptions.DefaultChords;

    /// <summary>Events that start lock-screen key suppression (key <c>lockScreenTriggers</c>: hostResumed, gadgetReenumerated, signalRestored, applianceStarted). Default all.</summary>
    public Recording.Recorder.LockScreenTriggers LockScreenTriggers { get; init; } = Recording.Recorder.LockScreenTriggers.All;

    /// <summary>The device key path actually used.</summary>
    public string EffectiveDeviceKeyPath => DeviceKeyPath ?? Path.Combine(DataDirectory, "device.key");

    /// <summary>The keys <see cref="Parse"/> accepts; anything else is refused.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "deviceId", "dataDirectory", "deviceKeyPath", "recipients", "recipientsFile", "inputDirectory", "keyboards", "mice",
        "gadget", "keyboardGadget", "mouseGadget", "consumerControlGadget", "udcStatePath", "segmentSeconds", "quotaBytes", "videoSource",
        "videoDevice", "videoJpegQuality", "videoDownscale", "videoWidth", "videoHeight", "videoFile", "videoFramesPerSecond",
        "lockScreenChords", "lockScreenTriggers", "upload", "fleet",
    ];

    /// <summary>The video keys and the sources they apply to; giving one for another source is refused (it would do nothing).</summary>
    private static readonly Dictionary<string, VideoSourceKind[]> VideoKeySources = new(StringComparer.Ordinal)
    {
        ["videoDevice"] = [VideoSourceKind.V4l2Bridge, VideoSourceKind.V4l2Dongle],
        ["videoJpegQuality"] = [VideoSourceKind.V4l2Bridge, VideoSourceKind.Simulated],
        ["videoDownscale"] = [VideoSourceKind.V4l2Bridge, VideoSourceKind.Simulated],
        ["videoWidth"] = [VideoSourceKind.V4l2Dongle],
        ["videoHeight"] = [VideoSourceKind.V4l2Dongle],
        ["videoFile"] = [VideoSourceKind.File],
        ["videoFramesPerSecond"] = [VideoSourceKind.File],
    };

    /// <summary>Loads and validates the configuration file.</summary>
    /// <param name="path">Usually <see cref="InstalledPath"/>.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="ApplianceConfigurationException">The file cannot be read, or its contents are refused (see <see cref="Parse"/>).</exception>
    public static ApplianceConfiguration Load(string path) => Parse(ReadText(path), path);

    /// <summary>How appliance.json is read as JSON: comments allowed, no trailing commas, shallow.</summary>
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 16 };

    /// <summary>The file's text, or the error that names it.</summary>
    private static string ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ApplianceConfigurationException($"{path}: cannot be read: {exception.Message}", exception);
        }
    }

    /// <summary>Parses and validates a configuration document: one JSON object of the keys in <see cref="Keys"/>, all optional except that at least one recipient must be given (here or through <c>recipientsFile</c>, checked at start).</summary>
    /// <param name="json">The document.</param>
    /// <param name="sourceName">Named in error messages (usually the file path).</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="ApplianceConfigurationException">Malformed JSON, a duplicate or unknown key, a wrong type, a value out of range, an invalid recipient, or no recipient at all.</exception>
    public static ApplianceConfiguration Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException exception)
        {
            throw new ApplianceConfigurationException($"{sourceName}: not valid JSON: {exception.Message}", exception);
        }

        using (document)
        {
            try
            {
                return FromElement(document.RootElement);
            }
            catch (ApplianceConfigurationException exception)
            {
                throw new ApplianceConfigurationException($"{sourceName}: {exception.Message}", exception) { Key = exception.Key };
            }
        }
    }

    private static ApplianceConfiguration FromElement(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ApplianceConfigurationException("the configuration must be a JSON object");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var configuration = new ApplianceConfiguration();
        foreach (JsonProperty property in root.EnumerateObject())
        {
            string key = property.Name;
            if (!seen.Add(key))
            {
                throw new ApplianceConfigurationException(key, "given twice");
            }

            JsonElement value = property.Value;
            configuration = key switch
            {
                "deviceId" => configuration with { DeviceId = DeviceIdentifier(key, value) },
                "dataDirectory" => configuration with { DataDirectory = AbsolutePath(key, value) },
                "deviceKeyPath" => configuration with { DeviceKeyPath = OptionalPath(key, value) },
                "recipients" => configuration with { Recipients = RecipientList(key, value) },
                "recipientsFile" => configuration with { RecipientsFile = OptionalPath(key, value) },
                "inputDirectory" => configuration with { InputDirectory = OptionalPath(key, value) },
                "keyboards" => configuration with { Keyboards = PathList(key, value) },
                "mice" => configuration with { Mice = PathList(key, value) },
                "gadget" => configuration with { Gadget = OptionalPath(key, value) },
                "keyboardGadget" => configuration with { KeyboardGadget = OptionalPath(key, value) },
                "mouseGadget" => configuration with { MouseGadget = OptionalPath(key, value) },
                "consumerControlGadget" => configuration with { ConsumerControlGadget = OptionalPath(key, value) },
                "udcStatePath" => configuration with { UdcStatePath = OptionalPath(key, value) },
                "segmentSeconds" => configuration with { SegmentSeconds = Number(key, value, MinimumSegmentSeconds, MaximumSegmentSeconds) },
                "quotaBytes" => configuration with { QuotaBytes = Integer(key, value, MinimumQuotaBytes) },
                "videoSource" => configuration with { VideoSource = Video(key, value) },
                "videoDevice" => configuration with { VideoDevice = AbsolutePath(key, value) },
                "videoJpegQuality" => configuration with { VideoJpegQuality = (int)Integer(key, value, 1, 100) },
                "videoDownscale" => configuration with { VideoDownscale = Downscale(key, value) },
                "videoWidth" => configuration with { VideoWidth = EvenDimension(key, value) },
                "videoHeight" => configuration with { VideoHeight = (int)Integer(key, value, 64, 4096) },
                "videoFile" => configuration with { VideoFile = AbsolutePath(key, value) },
                "videoFramesPerSecond" => configuration with { VideoFramesPerSecond = (int)Integer(key, value, 1, 60) },
                "lockScreenChords" => configuration with { LockScreenChords = LockScreenConfiguration.Chords(key, value) },
                "lockScreenTriggers" => configuration with { LockScreenTriggers = LockScreenConfiguration.Triggers(key, value) },
                "upload" => configuration with { Upload = UploadSection(key, value) },
                "fleet" => configuration with { FleetConfigurationPath = OptionalPath(key, value) },
                _ => throw new ApplianceConfigurationException(key, $"unknown key (accepted: {string.Join(", ", Keys)}); nothing can disable the privacy switch, the gate or the recording indicator"),
            };
        }

        foreach (string key in seen)
        {
            if (VideoKeySources.TryGetValue(key, out VideoSourceKind[]? sources) && !sources.Contains(configuration.VideoSource))
            {
                throw new ApplianceConfigurationException(key, $"applies only to videoSource {string.Join(" or ", sources.Select(VideoName))}, not {VideoName(configuration.VideoSource)}");
            }
        }

        if (configuration.VideoSource == VideoSourceKind.File && configuration.VideoFile is null)
        {
            throw new ApplianceConfigurationException("videoFile", "is required with videoSource \"file\": the absolute path of an MJPEG stream file or a folder of JPEG images");
        }

        if (configuration.Recipients.Count == 0 && configuration.RecipientsFile is null)
        {
            throw new ApplianceConfigurationException("recipients", "at least one age recipient (the custodian's age1...) is required, in recipients or recipientsFile");
        }

        CheckUploadDeviceId(configuration);
        CheckFleet(configuration);
        return configuration;
    }

    private static string Text(string key, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new ApplianceConfigurationException(key, $"must be a string, not {Describe(value)}");
        }

        string text = value.GetString()!;
        if (text.Length == 0 || text.Length > 4096 || text.Any(char.IsControl))
        {
            throw new ApplianceConfigurationException(key, "must be a non-empty string without control characters, at most 4096 characters");
        }

        return text;
    }

    private static string DeviceIdentifier(string key, JsonElement value)
    {
        string text = Text(key, value);
        if (text.Length > 128 || text.Any(character => character > 0x7e || character == ' ' || character is '/' or '+' or '#'))
        {
            // It becomes a topic level (upload, presence, fleet) and a directory name: no MQTT separator or wildcard, ever.
            throw new ApplianceConfigurationException(key, "must be printable ASCII without spaces, '/', '+' or '#' (MQTT level and wildcard characters), at most 128 characters");
        }

        return text;
    }

    private static string AbsolutePath(string key, JsonElement value)
    {
        string text = Text(key, value);
        if (!Path.IsPathFullyQualified(text))
        {
            throw new ApplianceConfigurationException(key, $"must be an absolute path, not \"{text}\"");
        }

        return text;
    }

    private static string? OptionalPath(string key, JsonElement value) =>
        value.ValueKind == JsonValueKind.Null ? null : AbsolutePath(key, value);

    private static List<string> PathList(string key, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ApplianceConfigurationException(key, $"must be an array of absolute paths, not {Describe(value)}");
        }

        var list = new List<string>();
        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            list.Add(AbsolutePath(string.Create(CultureInfo.InvariantCulture, $"{key}[{index++}]"), item));
        }

        return list;
    }

    private static List<AgeRecipient> RecipientList(string key, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ApplianceConfigurationException(key, $"must be an array of age recipients (\"age1...\"), not {Describe(value)}");
        }

        var list = new List<AgeRecipient>();
        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            string itemKey = string.Create(CultureInfo.InvariantCulture, $"{key}[{index++}]");
            string text = Text(itemKey, item);
            try
            {
                list.Add(AgeRecipient.Parse(text));
            }
            catch (Exception exception) when (exception is AgeException or FormatException or ArgumentException)
            {
                throw new ApplianceConfigurationException(itemKey, $"not an age X25519 recipient: {exception.Message}");
            }
        }

        return list;
    }

    private static double Number(string key, JsonElement value, double minimum, double maximum)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || !double.IsFinite(number) || number < minimum || number > maximum)
        {
            throw new ApplianceConfigurationException(key, string.Create(CultureInfo.InvariantCulture, $"must be a number from {minimum} to {maximum}, not {Describe(value)}"));
        }

        return number;
    }

    private static long Integer(string key, JsonElement value, long minimum, long maximum)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long number) || number < minimum || number > maximum)
        {
            throw new ApplianceConfigurationException(key, string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {minimum} to {maximum}, not {Describe(value)}"));
        }

        return number;
    }

    private static int Downscale(string key, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int factor) || factor is not (1 or 2))
        {
            throw new ApplianceConfigurationException(key, $"must be 1 (full size) or 2 (half width and height), not {Describe(value)}");
        }

        return factor;
    }

    private static int EvenDimension(string key, JsonElement value)
    {
        int dimension = (int)Integer(key, value, 64, 4096);
        if (dimension % 2 != 0)
        {
            throw new ApplianceConfigurationException(key, string.Create(CultureInfo.InvariantCulture, $"must be even, not {dimension}"));
        }

        return dimension;
    }

    private static long Integer(string key, JsonElement value, long minimum)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long number) || number < minimum)
        {
            throw new ApplianceConfigurationException(key, string.Create(CultureInfo.InvariantCulture, $"must be a whole number of at least {minimum}, not {Describe(value)}"));
        }

        return number;
    }

    private static VideoSourceKind Video(string key, JsonElement value) => Text(key, value) switch
    {
        "none" => VideoSourceKind.None,
        "simulated" => VideoSourceKind.Simulated,
        "v4l2-bridge" => VideoSourceKind.V4l2Bridge,
        "v4l2-dongle" => VideoSourceKind.V4l2Dongle,
        "file" => VideoSourceKind.File,
        string other => throw new ApplianceConfigurationException(key, $"must be \"none\", \"simulated\", \"v4l2-bridge\", \"v4l2-dongle\" or \"file\", not \"{other}\""),
    };

    /// <summary>The configuration spelling of a video source, quoted for messages.</summary>
    private static string VideoName(VideoSourceKind kind) => kind switch
    {
        VideoSourceKind.None => "\"none\"",
        VideoSourceKind.Simulated => "\"simulated\"",
        VideoSourceKind.V4l2Bridge => "\"v4l2-bridge\"",
        VideoSourceKind.V4l2Dongle => "\"v4l2-dongle\"",
        VideoSourceKind.File => "\"file\"",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.GetRawText().Length <= 32 ? value.GetRawText() : "a long number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString(),
    };
}
