namespace EdgeCapture.Hid.Tests;

/// <summary>Static checks of firmware/: scripts pass shellcheck, units and boot fragments say what the README promises.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FirmwareFilesTests
{
    private static IEnumerable<string> ShellScripts() =>
        Directory.EnumerateFiles(RepositoryPaths.Firmware(), "*", SearchOption.AllDirectories)
            .Where(path => path.EndsWith(".sh", StringComparison.Ordinal) || File.ReadLines(path).FirstOrDefault() is string first && first.StartsWith("#!", StringComparison.Ordinal) && first.Contains("sh", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    [Fact]
    public async Task Every_firmware_shell_script_passes_shellcheck()
    {
        List<string> scripts = [.. ShellScripts()];
        Assert.Contains(scripts, path => path.EndsWith("edgecapture-gadget.sh", StringComparison.Ordinal));
        if (!ExternalProcess.RequireTool("shellcheck", "shellcheck"))
        {
            return;
        }

        ExternalProcess.Result result = await ExternalProcess.RunAsync("shellcheck", ["--severity=style", "--external-sources", .. scripts]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void Gadget_script_is_executable_and_strict()
    {
        string script = RepositoryPaths.Firmware("gadget", "edgecapture-gadget.sh");
        Assert.True((File.GetUnixFileMode(script) & UnixFileMode.UserExecute) != 0, "the script must be executable (git mode 100755)");
        string[] lines = File.ReadAllLines(script);
        Assert.Equal("#!/usr/bin/env bash", lines[0]);
        Assert.Contains("set -euo pipefail", lines);
    }

    private static Dictionary<string, List<string>> UnitKeys(string unit)
    {
        var keys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string section = string.Empty;
        foreach (string raw in File.ReadLines(RepositoryPaths.Firmware("systemd", unit)))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                section = line.Trim('[', ']');
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"{unit}: '{line}' is not key=value");
            string key = $"{section}.{line[..equals]}";
            if (!keys.TryGetValue(key, out List<string>? values))
            {
                keys[key] = values = [];
            }

            values.Add(line[(equals + 1)..]);
        }

        return keys;
    }

    [Fact]
    public void Gadget_unit_is_a_oneshot_that_runs_the_script_up_and_down_before_the_appliance()
    {
        Dictionary<string, List<string>> unit = UnitKeys("edgecapture-gadget.service");
        Assert.Equal(["oneshot"], unit["Service.Type"]);
        Assert.Equal(["yes"], unit["Service.RemainAfterExit"]);
        Assert.Equal(["/opt/edgecapture/firmware/gadget/edgecapture-gadget.sh up"], unit["Service.ExecStart"]);
        Assert.Equal(["/opt/edgecapture/firmware/gadget/edgecapture-gadget.sh down"], unit["Service.ExecStop"]);
        Assert.Contains("edgecapture.service", unit["Unit.Before"].Single(), StringComparison.Ordinal);
        Assert.Contains("sys-kernel-config.mount", unit["Unit.Requires"].Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Appliance_unit_needs_the_gadget_and_allows_only_its_devices()
    {
        Dictionary<string, List<string>> unit = UnitKeys("edgecapture.service");
        Assert.Contains("edgecapture-gadget.service", unit["Unit.Requires"].Single(), StringComparison.Ordinal);
        Assert.Contains("edgecapture-gadget.service", unit["Unit.After"].Single(), StringComparison.Ordinal);
        Assert.StartsWith("/opt/edgecapture/edgecapture run --config /etc/edgecapture/appliance.json", unit["Service.ExecStart"].Single(), StringComparison.Ordinal);
        Assert.Equal(["/opt/edgecapture/edgecapture hid check --descriptors /opt/edgecapture/firmware/hid"], unit["Service.ExecStartPre"]);
        // Ready only once the relay runs, and a watchdog the relay's loops feed (RelayWatchdog).
        Assert.Equal(["notify"], unit["Service.Type"]);
        Assert.Equal(["main"], unit["Service.NotifyAccess"]);
        Assert.Equal(["10s"], unit["Service.WatchdogSec"]);
        Assert.Equal(["on-failure"], unit["Service.Restart"]);
        Assert.Equal(["closed"], unit["Service.DevicePolicy"]);
        Assert.Equal(
            ["char-gpiochip rw", "char-hidg rw", "char-input rw", "char-video4linux rw"],
            unit["Service.DeviceAllow"].Order(StringComparer.Ordinal));
        Assert.Equal(["no"], unit["Service.PrivateDevices"]);
        Assert.Equal(["yes"], unit["Service.NoNewPrivileges"]);
        Assert.Equal(["strict"], unit["Service.ProtectSystem"]);
        Assert.Equal([string.Empty], unit["Service.CapabilityBoundingSet"]);
        Assert.NotEqual("root", unit["Service.User"].Single());
    }

    [Fact]
    public void Boot_fragments_put_the_otg_port_in_peripheral_mode_and_load_the_gadget_modules()
    {
        string[] config = [.. File.ReadLines(RepositoryPaths.Firmware("boot", "config.txt.fragment")).Where(line => !line.StartsWith('#'))];
        Assert.Contains("dtoverlay=dwc2,dr_mode=peripheral", config);
        string[] modules = [.. File.ReadLines(RepositoryPaths.Firmware("boot", "modules-load.conf")).Where(line => line.Length > 0 && !line.StartsWith('#'))];
        Assert.Equal(["dwc2", "libcomposite"], modules);
    }

    [Fact]
    public void Udev_rule_opens_the_gadget_nodes_to_the_appliance_group_only()
    {
        string rule = File.ReadLines(RepositoryPaths.Firmware("udev", "70-edgecapture.rules")).Single(line => !line.StartsWith('#') && line.Length > 0);
        Assert.Contains("KERNEL==\"hidg[0-9]*\"", rule, StringComparison.Ordinal);
        Assert.Contains("GROUP=\"edgecapture\"", rule, StringComparison.Ordinal);
        Assert.Contains("MODE=\"0660\"", rule, StringComparison.Ordinal);
    }
}
