using EdgeCapture.Crypto;

namespace EdgeCapture.Appliance.Tests;

/// <summary>"The switch wins": the box does not start on a pinout that anyone but root could change.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PinoutStartCheckTests : IDisposable
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode FolderMode = FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-pinout-start-");
    private readonly AgeIdentity _custodian = AgeIdentity.Generate();

    public void Dispose()
    {
        _custodian.Dispose();
        _directory.Delete(recursive: true);
    }

    [Theory]
    [InlineData(false, UnixFileMode.GroupWrite)]
    [InlineData(false, UnixFileMode.OtherWrite)]
    [InlineData(true, UnixFileMode.GroupWrite)]
    [InlineData(true, UnixFileMode.OtherWrite)]
    public void The_appliance_refuses_to_start_on_a_pinout_its_group_or_others_can_write(bool folderWritable, UnixFileMode extra)
    {
        string folder = Path.Combine(_directory.FullName, "etc");
        Directory.CreateDirectory(folder);
        string pinout = Path.Combine(folder, "pinout.json");
        File.WriteAllText(pinout, "{}");
        File.SetUnixFileMode(pinout, FileMode | (folderWritable ? 0 : extra));
        File.SetUnixFileMode(folder, FolderMode | (folderWritable ? extra : 0));
        string data = Path.Combine(_directory.FullName, "box");
        var configuration = new ApplianceConfiguration
        {
            DeviceId = "test-box",
            DataDirectory = data,
            Recipients = [_custodian.Recipient],
            PinoutPath = pinout,
            InputDirectory = _directory.FullName,
            Gadget = null,
        };

        ApplianceStartException error = Assert.Throws<ApplianceStartException>(() => Appliance.Start(configuration, simulation: null));

        Assert.Equal("pinout", error.Component);
        Assert.Contains(folderWritable ? $"the pinout's folder {folder} is writable" : $"the pinout file {pinout} is writable", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data), "nothing was started: no outbox, no device key");
    }
}
