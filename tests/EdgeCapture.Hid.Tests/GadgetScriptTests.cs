using EdgeCapture.Hid.Descriptors;

namespace EdgeCapture.Hid.Tests;

/// <summary>
/// Runs firmware/gadget/edgecapture-gadget.sh against a temporary directory standing in for configfs and
/// /sys/class/udc, and checks the exact tree it builds and removes.
/// </summary>
public sealed class GadgetScriptTests : IDisposable
{
    private static readonly string Script = RepositoryPaths.Firmware("gadget", "edgecapture-gadget.sh");
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgecapture-gadget-");

    public GadgetScriptTests()
    {
        Directory.CreateDirectory(ConfigFs("usb_gadget"));
        Directory.CreateDirectory(UdcClass("fe980000.usb"));
        Directory.CreateDirectory(UdcClass("zz-second.usb"));
    }

    public void Dispose() => _root.Delete(recursive: true);

    private string ConfigFs(params string[] parts) => Path.Combine([_root.FullName, "config", .. parts]);

    private string UdcClass(params string[] parts) => Path.Combine([_root.FullName, "udc", .. parts]);

    private string Gadget(params string[] parts) => ConfigFs(["usb_gadget", "edgecapture", .. parts]);

    private Task<ExternalProcess.Result> Run(params string[] arguments) => Run(null, arguments);

    private Task<ExternalProcess.Result> Run(Dictionary<string, string>? environment, params string[] arguments)
    {
        var fullEnvironment = new Dictionary<string, string>
        {
            ["EDGECAPTURE_SERIAL_FILES"] = Path.Combine(_root.FullName, "no-such-serial"),
        };
        foreach ((string key, string value) in environment ?? [])
        {
            fullEnvironment[key] = value;
        }

        return ExternalProcess.RunAsync("bash", [Script, "--configfs", ConfigFs(), "--udc-class", UdcClass(), .. arguments], fullEnvironment);
    }

    private static string Read(string path) => File.ReadAllText(path);

    /// <summary>Every entry under the gadget as "relative path" (directories end in '/', links show their target).</summary>
    private SortedSet<string> Tree()
    {
        var entries = new SortedSet<string>(StringComparer.Ordinal);
        string gadget = Gadget();
        if (!Directory.Exists(gadget))
        {
            return entries;
        }

        var pending = new Stack<string>([gadget]);
        while (pending.Count > 0)
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(pending.Pop()))
            {
                var info = new FileInfo(path);
                string relative = Path.GetRelativePath(gadget, path);
                if (info.LinkTarget is string target)
                {
                    entries.Add($"{relative} -> {Path.GetRelativePath(gadget, target)}");
                }
                else if (Directory.Exists(path))
                {
                    entries.Add(relative + "/");
                    pending.Push(path);
                }
                else
                {
                    entries.Add(relative);
                }
            }
        }

        return entries;
    }

    [Fact]
    public async Task Up_builds_the_exact_composite_gadget_tree()
    {
        ExternalProcess.Result result = await Run("--serial", "EC-0001", "up");
        Assert.True(result.ExitCode == 0, result.ToString());

        string[] expected =
        [
            "UDC", "bDeviceClass", "bDeviceProtocol", "bDeviceSubClass", "bcdDevice", "bcdUSB", "idProduct", "idVendor",
            "configs/", "configs/c.1/", "configs/c.1/MaxPower", "configs/c.1/bmAttributes",
            "configs/c.1/hid.usb0 -> functions/hid.usb0", "configs/c.1/hid.usb1 -> functions/hid.usb1", "configs/c.1/hid.usb2 -> functions/hid.usb2",
            "configs/c.1/strings/", "configs/c.1/strings/0x409/", "configs/c.1/strings/0x409/configuration",
            "functions/",
            "functions/hid.usb0/", "functions/hid.usb0/protocol", "functions/hid.usb0/report_desc", "functions/hid.usb0/report_length", "functions/hid.usb0/subclass",
            "functions/hid.usb1/", "functions/hid.usb1/no_out_endpoint", "functions/hid.usb1/protocol", "functions/hid.usb1/report_desc", "functions/hid.usb1/report_length", "functions/hid.usb1/subclass",
            "functions/hid.usb2/", "functions/hid.usb2/no_out_endpoint", "functions/hid.usb2/protocol", "functions/hid.usb2/report_desc", "functions/hid.usb2/report_length", "functions/hid.usb2/subclass",
            "strings/", "strings/0x409/", "strings/0x409/manufacturer", "strings/0x409/product", "strings/0x409/serialnumber",
        ];
        SortedSet<string> tree = Tree();
        Assert.Equal(string.Join("\n", expected.Order(StringComparer.Ordinal)), string.Join("\n", tree));

        Assert.Equal("0x1d6b\n", Read(Gadget("idVendor")));
        Assert.Equal("0x0104\n", Read(Gadget("idProduct")));
        Assert.Equal("0x0100\n", Read(Gadget("bcdDevice")));
        Assert.Equal("0x0200\n", Read(Gadget("bcdUSB")));
        Assert.Equal("0x00\n", Read(Gadget("bDeviceClass")));
        Assert.Equal("EdgeCapture\n", Read(Gadget("strings", "0x409", "manufacturer")));
        Assert.Equal("EdgeCapture Keyboard and Mouse\n", Read(Gadget("strings", "0x409", "product")));
        Assert.Equal("EC-0001\n", Read(Gadget("strings", "0x409", "serialnumber")));
        Assert.Equal("250\n", Read(Gadget("configs", "c.1", "MaxPower")));
        Assert.Equal("0x80\n", Read(Gadget("configs", "c.1", "bmAttributes")));
        Assert.Equal("fe980000.usb\n", Read(Gadget("UDC")));   // the first UDC listed
        Assert.Equal("1\n", Read(Gadget("functions", "hid.usb1", "no_out_endpoint")));   // no output report, no OUT endpoint
        Assert.Equal("1\n", Read(Gadget("functions", "hid.usb2", "no_out_endpoint")));
        Assert.Contains("gadget edgecapture bound to fe980000.usb", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hid.usb0", "1", "1", KeyboardReportBuilder.ReportLength, "keyboard.hid")]
    [InlineData("hid.usb1", "0", "0", MouseReport.ReportLength, "mouse.hid")]
    [InlineData("hid.usb2", "0", "0", ConsumerControlReportBuilder.ReportLength, "consumer.hid")]
    [InlineData("hid.usb1", "0", "0", AbsolutePointerReport.ReportLength, "absolute-pointer.hid", "absolute")]
    public async Task Each_function_gets_its_descriptor_and_the_report_length_the_builders_write(
        string function, string subclass, string protocol, int reportLength, string descriptorFile, string pointerMode = "relative")
    {
        ExternalProcess.Result result = await Run("--pointer", pointerMode, "up");
        Assert.True(result.ExitCode == 0, result.ToString());

        byte[] descriptor = HidDescriptorText.ReadFile(RepositoryPaths.Firmware("hid", descriptorFile));
        Assert.Equal(descriptor, File.ReadAllBytes(Gadget("functions", function, "report_desc")));
        Assert.Equal($"{subclass}\n", Read(Gadget("functions", function, "subclass")));
        Assert.Equal($"{protocol}\n", Read(Gadget("functions", function, "protocol")));
        Assert.Equal($"{reportLength}\n", Read(Gadget("functions", function, "report_length")));

        // report_length is what f_hid uses as the IN endpoint's packet size: it must cover the largest input report.
        HidReport input = HidReportDescriptor.Parse(descriptor).Find(HidReportKind.Input)!;
        Assert.Equal(reportLength, input.WireLength);
    }

    [Fact]
    public async Task Up_twice_leaves_the_bound_gadget_untouched()
    {
        Assert.Equal(0, (await Run("--serial", "first", "up")).ExitCode);
        SortedSet<string> before = Tree();
        ExternalProcess.Result second = await Run("--serial", "second", "up");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("already bound to fe980000.usb", second.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(before, Tree());
        Assert.Equal("first\n", Read(Gadget("strings", "0x409", "serialnumber")));
    }

    [Fact]
    public async Task Up_completes_a_gadget_left_unbound()
    {
        Assert.Equal(0, (await Run("--serial", "S1", "up")).ExitCode);
        SortedSet<string> complete = Tree();

        // As after a failed bind: UDC empty, a function's attributes missing.
        await File.WriteAllTextAsync(Gadget("UDC"), "\n");
        File.Delete(Gadget("functions", "hid.usb1", "report_desc"));
        File.Delete(Gadget("configs", "c.1", "hid.usb2"));

        ExternalProcess.Result result = await Run("--serial", "S1", "up");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(complete, Tree());
        Assert.Equal("fe980000.usb\n", Read(Gadget("UDC")));
        Assert.Equal(HidDescriptorText.ReadFile(RepositoryPaths.Firmware("hid", "mouse.hid")), File.ReadAllBytes(Gadget("functions", "hid.usb1", "report_desc")));
    }

    /// <summary>
    /// Makes the stand-in behave as f_hid does once a function is linked into a config: every write to one of its
    /// attributes fails (the kernel answers EBUSY; /dev/full answers ENOSPC, which fails the write for root too).
    /// </summary>
    private void LockLinkedFunctionAttributes()
    {
        foreach (string link in Directory.EnumerateFileSystemEntries(Gadget("configs", "c.1")).Where(path => new FileInfo(path).LinkTarget is not null))
        {
            string function = Gadget("functions", Path.GetFileName(link));
            foreach (string attribute in Directory.EnumerateFiles(function))
            {
                File.Delete(attribute);
                File.CreateSymbolicLink(attribute, "/dev/full");
            }
        }
    }

    [Fact]
    public async Task Up_rebuilds_a_gadget_left_unbound_whose_linked_functions_refuse_attribute_writes()
    {
        Assert.Equal(0, (await Run("--serial", "S1", "up")).ExitCode);
        SortedSet<string> complete = Tree();

        // After a failed bind: UDC empty, the functions still linked into c.1, so their attributes refuse writes.
        await File.WriteAllTextAsync(Gadget("UDC"), "\n");
        LockLinkedFunctionAttributes();
        Assert.ThrowsAny<IOException>(() => File.WriteAllText(Gadget("functions", "hid.usb0", "protocol"), "1\n"));

        ExternalProcess.Result result = await Run("--serial", "S1", "up");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("exists but is not bound; tearing it down", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(complete, Tree());
        Assert.Equal("fe980000.usb\n", Read(Gadget("UDC")));
        Assert.Equal("1\n", Read(Gadget("functions", "hid.usb0", "protocol")));
        Assert.Equal(HidDescriptorText.ReadFile(RepositoryPaths.Firmware("hid", "keyboard.hid")), File.ReadAllBytes(Gadget("functions", "hid.usb0", "report_desc")));
    }

    [Fact]
    public async Task Up_on_a_bound_gadget_with_locked_functions_touches_nothing_and_force_rebuilds_it()
    {
        Assert.Equal(0, (await Run("up")).ExitCode);
        LockLinkedFunctionAttributes();
        SortedSet<string> locked = Tree();

        ExternalProcess.Result again = await Run("up");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("already bound", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(locked, Tree());

        ExternalProcess.Result forced = await Run("--force", "--pointer", "absolute", "up");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal(HidDescriptorText.ReadFile(RepositoryPaths.Firmware("hid", "absolute-pointer.hid")), File.ReadAllBytes(Gadget("functions", "hid.usb1", "report_desc")));
    }

    [Fact]
    public async Task A_bad_descriptor_leaves_an_unbound_gadget_as_it_was()
    {
        Assert.Equal(0, (await Run("up")).ExitCode);
        await File.WriteAllTextAsync(Gadget("UDC"), "\n");
        SortedSet<string> before = Tree();
        string descriptors = Path.Combine(_root.FullName, "broken");
        Directory.CreateDirectory(descriptors);
        await File.WriteAllTextAsync(Path.Combine(descriptors, "keyboard.hid"), "zz\n");

        ExternalProcess.Result result = await Run("--descriptors", descriptors, "up");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(before, Tree());
    }

    [Fact]
    public async Task Force_rebuilds_with_new_options()
    {
        Assert.Equal(0, (await Run("up")).ExitCode);
        ExternalProcess.Result rebuilt = await Run(
            "--force", "--power", "self", "--remote-wakeup", "--no-out-endpoint", "--udc", "zz-second.usb", "--serial", "X9", "up");
        Assert.True(rebuilt.ExitCode == 0, rebuilt.ToString());
        Assert.Equal("0xe0\n", Read(Gadget("configs", "c.1", "bmAttributes")));
        Assert.Equal("2\n", Read(Gadget("configs", "c.1", "MaxPower")));
        Assert.Equal("1\n", Read(Gadget("functions", "hid.usb0", "no_out_endpoint")));
        Assert.Equal("zz-second.usb\n", Read(Gadget("UDC")));
        Assert.Equal("X9\n", Read(Gadget("strings", "0x409", "serialnumber")));
    }

    [Fact]
    public async Task Options_come_from_the_environment_too()
    {
        ExternalProcess.Result result = await Run(
            new Dictionary<string, string> { ["EDGECAPTURE_UDC"] = "zz-second.usb", ["EDGECAPTURE_POWER"] = "self", ["EDGECAPTURE_PRODUCT"] = "Desk 7" },
            "up");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("zz-second.usb\n", Read(Gadget("UDC")));
        Assert.Equal("0xc0\n", Read(Gadget("configs", "c.1", "bmAttributes")));
        Assert.Equal("Desk 7\n", Read(Gadget("strings", "0x409", "product")));
    }

    [Fact]
    public async Task Shipped_gadget_env_makes_the_reference_wiring_self_powered()
    {
        string[] lines = await File.ReadAllLinesAsync(RepositoryPaths.Firmware("gadget", "gadget.env"));
        string script = await File.ReadAllTextAsync(Script);
        var environment = new Dictionary<string, string>();
        foreach (string line in lines.Where(line => line.Length > 0))
        {
            string assignment = line.TrimStart('#');
            int equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && assignment.StartsWith("EDGECAPTURE_", StringComparison.Ordinal))
            {
                // Every variable the file mentions, active or commented out, is one the script reads.
                Assert.Contains("${" + assignment[..equals] + ":-", script, StringComparison.Ordinal);
                if (!line.StartsWith('#'))
                {
                    environment[assignment[..equals]] = assignment[(equals + 1)..];
                }
            }
        }

        Assert.Equal("self", environment["EDGECAPTURE_POWER"]);
        ExternalProcess.Result result = await Run(environment, "up");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("0xc0\n", Read(Gadget("configs", "c.1", "bmAttributes")));
    }

    [Fact]
    public async Task Serial_number_comes_from_the_device_tree_then_the_machine_id()
    {
        string deviceTree = Path.Combine(_root.FullName, "serial-number");
        string machineId = Path.Combine(_root.FullName, "machine-id");
        await File.WriteAllBytesAsync(deviceTree, [.. "10000000a1b2c3d4"u8, 0]);
        await File.WriteAllTextAsync(machineId, "0123456789abcdef0123456789abcdef\n");
        var sources = new Dictionary<string, string> { ["EDGECAPTURE_SERIAL_FILES"] = $"{deviceTree}:{machineId}" };

        Assert.Equal(0, (await Run(sources, "up")).ExitCode);
        Assert.Equal("10000000a1b2c3d4\n", Read(Gadget("strings", "0x409", "serialnumber")));

        Assert.Equal(0, (await Run("down")).ExitCode);
        File.Delete(deviceTree);
        Assert.Equal(0, (await Run(sources, "up")).ExitCode);
        Assert.Equal("0123456789abcdef0123456789abcdef\n", Read(Gadget("strings", "0x409", "serialnumber")));
    }

    [Fact]
    public async Task Down_removes_everything_up_built_and_is_idempotent()
    {
        Assert.Equal(0, (await Run("--no-out-endpoint", "up")).ExitCode);
        ExternalProcess.Result down = await Run("down");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.False(Directory.Exists(Gadget()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(ConfigFs("usb_gadget")));

        ExternalProcess.Result again = await Run("down");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("nothing to do", again.StandardOutput, StringComparison.Ordinal);

        // And it can be built again afterwards.
        Assert.Equal(0, (await Run("up")).ExitCode);
    }

    [Fact]
    public async Task Status_reports_binding_and_udc_state()
    {
        ExternalProcess.Result absent = await Run("status");
        Assert.Equal(3, absent.ExitCode);
        Assert.Contains("absent", absent.StandardOutput, StringComparison.Ordinal);

        Assert.Equal(0, (await Run("up")).ExitCode);
        await File.WriteAllTextAsync(UdcClass("fe980000.usb", "state"), "configured\n");
        ExternalProcess.Result bound = await Run("status");
        Assert.Equal(0, bound.ExitCode);
        Assert.Contains("bound to fe980000.usb, state configured", bound.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_udc_fails_clearly_and_builds_nothing()
    {
        Directory.Delete(UdcClass(), recursive: true);
        Directory.CreateDirectory(UdcClass());
        ExternalProcess.Result result = await Run("up");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no UDC listed", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("dtoverlay=dwc2", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Gadget()));
    }

    [Fact]
    public async Task Malformed_descriptor_file_fails_before_anything_is_built()
    {
        string descriptors = Path.Combine(_root.FullName, "descriptors");
        Directory.CreateDirectory(descriptors);
        foreach (string file in Directory.EnumerateFiles(RepositoryPaths.Firmware("hid"), "*.hid"))
        {
            File.Copy(file, Path.Combine(descriptors, Path.GetFileName(file)));
        }

        await File.AppendAllTextAsync(Path.Combine(descriptors, "mouse.hid"), "c0 xyz\n");
        ExternalProcess.Result result = await Run("--descriptors", descriptors, "up");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("'xyz' is not two hex digits", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Gadget()));
    }

    [Fact]
    public async Task Missing_usb_gadget_directory_fails_clearly()
    {
        Directory.Delete(ConfigFs("usb_gadget"));
        ExternalProcess.Result result = await Run("up");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("libcomposite", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sideways")]
    [InlineData("--power", "battery", "up")]
    [InlineData("--udc")]
    [InlineData("up", "down")]
    [InlineData("--name", "../escape", "up")]
    [InlineData("--pointer", "tablet", "up")]
    public async Task Bad_arguments_fail_with_a_message(params string[] arguments)
    {
        ExternalProcess.Result result = await Run(arguments);
        Assert.NotEqual(0, result.ExitCode);
        Assert.StartsWith("edgecapture-gadget: ", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Gadget()));
    }

    [Fact]
    public async Task Help_describes_the_actions()
    {
        ExternalProcess.Result result = await Run("--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("up|down|status", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--configfs DIR", result.StandardOutput, StringComparison.Ordinal);
    }
}
