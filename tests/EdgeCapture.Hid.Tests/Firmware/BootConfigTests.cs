namespace EdgeCapture.Hid.Tests.Firmware;

/// <summary>
/// The boot fragment appended to a stock Raspberry Pi OS bookworm config.txt, read per board the way the firmware reads
/// it: the OTG port must end up with dwc2 in peripheral mode on every supported board.
/// </summary>
public sealed class BootConfigTests : IDisposable
{
    private readonly DirectoryInfo _boot = Directory.CreateTempSubdirectory("edgecapture-boot-");

    public void Dispose() => _boot.Delete(recursive: true);

    private string StockConfig()
    {
        string config = Path.Combine(_boot.FullName, "config.txt");
        File.WriteAllText(config, BootConfig.StockBookworm);
        File.Copy(RepositoryPaths.Firmware("boot", "config-capture.txt"), Path.Combine(_boot.FullName, "config-capture.txt"));
        return config;
    }

    [Fact]
    public void Stock_raspberry_pi_os_keeps_the_cm4_otg_port_on_the_host_controller()
    {
        // The reader itself: on the stock file a CM4 gets otg_mode=1 (XHCI host) and no dwc2 peripheral, a Pi 4 neither.
        string config = StockConfig();
        Assert.Equal("1", BootConfig.Evaluate(config, "cm4").Setting("otg_mode"));
        Assert.Null(BootConfig.Evaluate(config, "pi4").Setting("otg_mode"));
        Assert.DoesNotContain("dwc2,dr_mode=peripheral", BootConfig.Evaluate(config, "cm4").Overlays);
    }

    [Theory]
    [InlineData("pi4")]
    [InlineData("cm4")]
    [InlineData("pi5")]
    public void With_the_fragment_appended_every_supported_board_gets_dwc2_as_a_peripheral(string board)
    {
        string config = StockConfig();
        File.AppendAllText(config, File.ReadAllText(RepositoryPaths.Firmware("boot", "config.txt.fragment")));
        BootConfig result = BootConfig.Evaluate(config, board);
        Assert.Contains("dwc2,dr_mode=peripheral", result.Overlays);
        Assert.DoesNotContain(result.Overlays, overlay => overlay.StartsWith("dwc2,dr_mode=host", StringComparison.Ordinal));

        // otg_mode=1 hands the port to the XHCI host controller (CM4); the fragment must leave it off.
        Assert.NotEqual("1", result.Setting("otg_mode"));
        Assert.Equal("0", result.Setting("camera_auto_detect"));
        Assert.Contains("tc358743", result.Overlays);
    }

    [Fact]
    public void The_board_table_gives_each_board_its_device_port_host_ports_and_capture_path()
    {
        string[] table = [.. File.ReadLines(Path.Combine(RepositoryPaths.Root, "hardware", "README.md")).SkipWhile(line => !line.StartsWith("| Board |", StringComparison.Ordinal)).TakeWhile(line => line.StartsWith('|'))];
        Assert.Equal(["Board", "Device port (to the laptop, `dwc2` peripheral)", "Host ports for keyboard and mouse at the same time", "Capture path that works"], Cells(table[0]));
        foreach (string board in new[] { "Raspberry Pi 4 Model B", "Compute Module 4 on the CM4 IO Board", "Raspberry Pi 5", "Raspberry Pi Zero 2 W" })
        {
            string[] row = Cells(table.Single(line => line.Contains(board, StringComparison.Ordinal)));
            Assert.Equal(4, row.Length);
            Assert.All(row, cell => Assert.False(string.IsNullOrWhiteSpace(cell), $"{board}: empty cell"));
        }

        Assert.Contains("otg_mode=1", table.Single(line => line.Contains("Compute Module 4", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("rp1-cfe", table.Single(line => line.Contains("Raspberry Pi 5", StringComparison.Ordinal)), StringComparison.Ordinal);

        static string[] Cells(string line) => [.. line.Trim('|').Split(" | ").Select(cell => cell.Trim())];
    }

    [Fact]
    public void The_fragment_sets_otg_mode_to_zero_under_its_own_cm4_section()
    {
        string[] lines = [.. File.ReadLines(RepositoryPaths.Firmware("boot", "config.txt.fragment")).Where(line => line.Length > 0 && line[0] != '#')];
        int cm4 = Array.IndexOf(lines, "[cm4]");
        Assert.True(cm4 >= 0, "no [cm4] section");
        Assert.Equal("otg_mode=0", lines[cm4 + 1]);
        Assert.Equal("[all]", lines[cm4 + 2]);
    }
}
