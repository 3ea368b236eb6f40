namespace EdgeCapture.Video.Tests.Firmware;

/// <summary>
/// Runs the boot-time capture setup script against a stand-in v4l2-ctl (a shell script that logs its arguments),
/// since there is no TC358743 here: what the script asks the driver for is checked, not the driver.
/// </summary>
public sealed class CaptureSetupScriptTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("capture-setup-").FullName;

    private static string Script => RepositoryPaths.Firmware("capture", "edgecapture-capture-setup.sh");

    [Fact]
    public void Shellcheck_finds_nothing()
    {
        string? shellcheck = ExternalTool.Require("shellcheck", "the Debian package shellcheck");
        if (shellcheck is null)
        {
            return;
        }

        (int exitCode, byte[] output, string error) = ExternalTool.Run(shellcheck, ["-x", "--source-path=SCRIPTDIR", Script]);
        Assert.True(exitCode == 0, System.Text.Encoding.UTF8.GetString(output) + error);
    }

    [Theory]
    [InlineData("2", true, "edgecapture-1080p50.bin")]
    [InlineData("4", true, "edgecapture-1080p60.bin")]
    [InlineData("2", false, "edgecapture-1080p50.bin")]
    public void It_loads_the_edid_for_the_lane_count_and_locks_timings_only_with_a_signal(string lanes, bool signal, string expectedEdid)
    {
        (int exitCode, string log, string calls) = RunScript(lanes, driver: "tc358743", signal);
        Assert.True(exitCode == 0, log);
        string[] lines = calls.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains($"--set-edid=pad=0,file={RepositoryPaths.Firmware("edid", expectedEdid)},format=raw --fix-edid-checksums", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("--query-dv-timings", StringComparison.Ordinal));
        Assert.Equal(signal, lines.Any(l => l.EndsWith("--set-dv-bt-timings query", StringComparison.Ordinal)));
        Assert.Equal(signal, lines.Any(l => l.EndsWith("--set-fmt-video=pixelformat=UYVY", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_usb_dongle_gets_no_edid()
    {
        (int exitCode, string log, string calls) = RunScript("2", driver: "uvcvideo", signal: true);
        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("--set-edid", calls, StringComparison.Ordinal);
        Assert.Contains("not the TC358743", log, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pi5_camera_front_end_is_refused_with_the_reason()
    {
        // rp1-cfe: EDID and DV timings would have to go to /dev/v4l-subdevN; not supported, so nothing is loaded anywhere.
        (int exitCode, string log, string calls) = RunScript("2", driver: "rp1-cfe", signal: true);
        Assert.Equal(2, exitCode);
        Assert.Contains("rp1-cfe", log, StringComparison.Ordinal);
        Assert.Contains("/dev/v4l-subdevN", log, StringComparison.Ordinal);
        Assert.Contains("USB HDMI dongle", log, StringComparison.Ordinal);
        Assert.DoesNotContain("--set-edid", calls, StringComparison.Ordinal);
        Assert.DoesNotContain("--set-dv-bt-timings", calls, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_lane_count_is_a_clear_error()
    {
        (int exitCode, string log, _) = RunScript("3", driver: "tc358743", signal: true);
        Assert.Equal(2, exitCode);
        Assert.Contains("CSI_LANES must be 2 or 4", log, StringComparison.Ordinal);
    }

    private (int ExitCode, string Log, string Calls) RunScript(string lanes, string driver, bool signal)
    {
        string device = Path.Combine(_directory, "video0");
        File.WriteAllText(device, string.Empty);
        string calls = Path.Combine(_directory, "calls.log");
        File.WriteAllText(calls, string.Empty);
        string fake = Path.Combine(_directory, "v4l2-ctl");
        File.WriteAllText(fake, $"""
            #!/bin/sh
            echo "$*" >> '{calls}'
            case "$*" in
              *--info*) echo "Driver Info:"; echo "	Driver name      : {driver}" ;;
              *--query-dv-timings*) {(signal ? "exit 0" : "echo 'VIDIOC_QUERY_DV_TIMINGS: failed: No link has been severed' >&2; exit 255")} ;;
            esac
            exit 0
            """.ReplaceLineEndings("\n"));
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The capture setup script runs on Linux only.");
        }

        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        start.Environment["EDGECAPTURE_CAPTURE_CONFIG"] = Path.Combine(_directory, "absent");
        start.Environment["CAPTURE_DEVICE"] = device;
        start.Environment["CSI_LANES"] = lanes;
        start.Environment["EDID_DIRECTORY"] = RepositoryPaths.Firmware("edid");
        start.Environment["V4L2_CTL"] = fake;
        start.Environment["DEVICE_WAIT_SECONDS"] = "0";
        using var process = System.Diagnostics.Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, File.ReadAllText(calls));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
