using EdgeCapture.Privacy.Pinout;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Privacy.Tests;

/// <summary>"The switch wins": a pinout anyone but root could change is refused, whether the file or its folder is the weak point.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PinoutFilePermissionsTests : IDisposable
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode FolderMode = FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly string _folder;
    private readonly string _pinout;

    public PinoutFilePermissionsTests()
    {
        _folder = Directory.CreateTempSubdirectory("pinout-permissions-").FullName;
        File.SetUnixFileMode(_folder, FolderMode);
        _pinout = Path.Combine(_folder, "pinout.json");
        File.Copy(PinoutLoaderTests.RepositoryPinoutPath(), _pinout);
        File.SetUnixFileMode(_pinout, FileMode);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void A_pinout_file_writable_by_its_group_or_by_others_is_refused_naming_it(UnixFileMode extra)
    {
        File.SetUnixFileMode(_pinout, FileMode | extra);

        PinoutException error = Assert.Throws<PinoutException>(() => PinoutLoader.LoadInstalled(_pinout));

        Assert.Contains($"the pinout file {_pinout} is writable by its group or by others", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherWrite)]
    [InlineData(UnixFileMode.OtherWrite | UnixFileMode.GroupWrite | UnixFileMode.StickyBit)]
    public void A_folder_writable_by_its_group_or_by_others_is_refused_naming_it(UnixFileMode extra)
    {
        // Whoever can write the folder can replace the file, even a root-owned 0644 one (sticky /tmp-like folders included).
        File.SetUnixFileMode(_folder, FolderMode | extra);

        PinoutException error = Assert.Throws<PinoutException>(() => PinoutLoader.LoadInstalled(_pinout));

        Assert.Contains($"the pinout's folder {_folder} is writable by its group or by others", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_pinout_in_a_writable_folder_is_refused_because_anyone_could_create_it()
    {
        File.Delete(_pinout);
        File.SetUnixFileMode(_folder, FolderMode | UnixFileMode.OtherWrite);

        PinoutException error = Assert.Throws<PinoutException>(() => PinoutLoader.LoadInstalled(_pinout));

        Assert.Contains($"the pinout's folder {_folder} is writable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_link_is_refused()
    {
        string link = Path.Combine(_folder, "link.json");
        File.CreateSymbolicLink(link, _pinout);

        PinoutException error = Assert.Throws<PinoutException>(() => PinoutLoader.LoadInstalled(link));

        Assert.Contains($"the pinout file {link} is a symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_owned_by_anyone_but_root_is_refused_and_a_root_owned_one_accepted()
    {
        if (Environment.IsPrivilegedProcess)
        {
            // As root the temporary files are root's: accepted; handed to another user (the service user, say), refused.
            Assert.Equal("Raspberry Pi 4 Model B", PinoutLoader.LoadInstalled(_pinout).Board);
            using (var chown = System.Diagnostics.Process.Start("chown", ["65534", _pinout]))
            {
                chown.WaitForExit();
                Assert.Equal(0, chown.ExitCode);
            }

            PinoutException error = Assert.Throws<PinoutException>(() => PinoutLoader.LoadInstalled(_pinout));
            Assert.Contains($"the pinout file {_pinout} is owned by uid 65534, not root", error.Message, StringComparison.Ordinal);
        }
        else
        {
            // Not root: the temporary file is this user's, the very user a service could run as.
            PinoutException error = Assert.Throws<PinoutException>(() => PinoutLoader.LoadInstalled(_pinout));
            Assert.Contains($"the pinout file {_pinout} is owned by uid", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_rule_on_described_files_accepts_only_root_owned_unwritable_ones()
    {
        var file = new UnixFileStatus(UnixFileStatus.RegularFile, 0, 0, FileMode);
        var folder = new UnixFileStatus(UnixFileStatus.Directory, 0, 0, FolderMode);
        PinoutFilePermissions.Check("/etc/edgecapture/pinout.json", path => path.EndsWith(".json", StringComparison.Ordinal) ? file : folder);

        Assert.Null(PinoutFilePermissions.Problem("/f", file, directory: false));
        Assert.Null(PinoutFilePermissions.Problem("/d", folder, directory: true));
        Assert.Contains("owned by uid 998", PinoutFilePermissions.Problem("/f", file with { OwnerId = 998 }, directory: false), StringComparison.Ordinal);
        Assert.Contains("owned by uid 998", PinoutFilePermissions.Problem("/d", folder with { OwnerId = 998 }, directory: true), StringComparison.Ordinal);
        Assert.Contains("mode 0664", PinoutFilePermissions.Problem("/f", file with { Mode = FileMode | UnixFileMode.GroupWrite }, directory: false), StringComparison.Ordinal);
        Assert.Contains("not a directory", PinoutFilePermissions.Problem("/d", file, directory: true), StringComparison.Ordinal);
        Assert.Contains("not a regular file", PinoutFilePermissions.Problem("/f", folder, directory: false), StringComparison.Ordinal);

        PinoutException error = Assert.Throws<PinoutException>(() => PinoutFilePermissions.Check(
            "/etc/edgecapture/pinout.json",
            path => path.EndsWith(".json", StringComparison.Ordinal) ? file : folder with { Mode = FolderMode | UnixFileMode.GroupWrite }));
        Assert.Contains("the pinout's folder /etc/edgecapture is writable by its group", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Privacy_hardware_started_from_a_writable_pinout_stays_private_with_the_reason()
    {
        File.SetUnixFileMode(_pinout, FileMode | UnixFileMode.OtherWrite);
        var time = new FakeTimeProvider();

        using PrivacyHardware hardware = PrivacyHardware.Start(_pinout, new PrivacyOptions(), new MonotonicClock(time, time.GetTimestamp()), driverFactory: _ => new Simulation.SimulatedGpioDriver());

        Assert.Null(hardware.Pinout);
        Assert.Equal((PrivacyState.Private, PrivacyReason.PinoutInvalid), (hardware.Status.State, hardware.Status.Reason));
        Assert.Contains("writable by its group or by others", hardware.Status.Detail, StringComparison.Ordinal);
    }
}
