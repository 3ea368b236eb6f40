namespace EdgeCapture.Hid.Tests.Firmware;

/// <summary>
/// Reads a Raspberry Pi config.txt the way the firmware does for one board, so tests can ask what a board really gets:
/// conditional sections ([all], model filters [pi4] [cm4] [pi5] [cm5] [pi02] [none]; a new model filter replaces the
/// previous one, [all] clears them), <c>include</c> of a file next to config.txt, the last value of a setting wins,
/// dtoverlay lines accumulate. Filters this reader does not know ([gpio...], [edid...], [0x...], [tryboot]) are taken
/// as not matching, which is what they do on a box without that condition.
/// </summary>
internal sealed class BootConfig
{
    /// <summary>The model filters that match each board (documentation: config.txt "conditional filters").</summary>
    private static readonly Dictionary<string, string[]> MatchingFilters = new(StringComparer.Ordinal)
    {
        ["pi4"] = ["pi4"],
        ["cm4"] = ["pi4", "cm4"],
        ["pi5"] = ["pi5"],
        ["pi02"] = ["pi02", "pi0"],
    };

    private readonly Dictionary<string, string> _settings = new(StringComparer.Ordinal);

    private BootConfig()
    {
    }

    public List<string> Overlays { get; } = [];

    public static BootConfig Evaluate(string configPath, string board)
    {
        var config = new BootConfig();
        bool active = true;
        config.Read(configPath, MatchingFilters[board], ref active, depth: 0);
        return config;
    }

    public string? Setting(string name) => _settings.TryGetValue(name, out string? value) ? value : null;

    private void Read(string path, string[] matching, ref bool active, int depth)
    {
        Assert.True(depth < 8, "include nests too deep");
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                string filter = line.Trim('[', ']');
                active = filter == "all" || matching.Contains(filter, StringComparer.Ordinal);
                continue;
            }

            if (!active)
            {
                continue;
            }

            if (line.StartsWith("include ", StringComparison.Ordinal))
            {
                string included = Path.Combine(Path.GetDirectoryName(path)!, line["include ".Length..].Trim());
                Assert.True(File.Exists(included), $"{path} includes {included}, which is not there");
                Read(included, matching, ref active, depth + 1);
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"{path}: '{line}' is not name=value");
            string name = line[..equals];
            string value = line[(equals + 1)..];
            if (name == "dtoverlay")
            {
                Overlays.Add(value);
            }
            else
            {
                _settings[name] = value;
            }
        }
    }

    /// <summary>The config.txt of a fresh Raspberry Pi OS bookworm (64-bit) image, as it ships.</summary>
    public const string StockBookworm = """
        # For more options and information see
        # http://rptl.io/configtxt
        # Some settings may impact device functionality. See link above for details

        # Uncomment some or all of these to enable the optional hardware interfaces
        #dtparam=i2c_arm=on
        #dtparam=i2s=on
        #dtparam=spi=on

        # Enable audio (loads snd_bcm2835)
        dtparam=audio=on

        # Additional overlays and parameters are documented
        # /boot/firmware/overlays/README

        # Automatically load overlays for detected cameras
        camera_auto_detect=1

        # Automatically load overlays for detected DSI displays
        display_auto_detect=1

        # Automatically load initramfs files, if found
        auto_initramfs=1

        # Enable DRM VC4 V3D driver
        dtoverlay=vc4-kms-v3d
        max_framebuffers=2

        # Don't have the firmware create an initial video= setting in cmdline.txt.
        # Use the kernel's default instead.
        disable_fw_kms_setup=1

        # Run in 64-bit mode
        arm_64bit=1

        # Disable compensation for displays with overscan
        disable_overscan=1

        # Run as fast as firmware / board allows
        arm_boost=1

        [cm4]
        # Enable host mode on the 2711 built-in XHCI USB controller.
        # This line should be removed if the legacy DWC2 controller is required
        # (e.g. for USB device mode) or if USB support is not required.
        otg_mode=1

        [cm5]
        dtoverlay=dwc2,dr_mode=host

        [all]

        """;
}
