using System.Text;

namespace EdgeCapture.Crypto.Tests;

public sealed class DeviceKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgecapture-device-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Created_key_is_0600_reloads_and_signatures_verify()
    {
        string path = Path.Combine(_directory, "device.key");
        using DeviceSigningKey created = DeviceSigningKey.LoadOrCreate(path, DateTimeOffset.UnixEpoch);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using DeviceSigningKey loaded = DeviceSigningKey.LoadOrCreate(path, DateTimeOffset.UnixEpoch);
        Assert.Equal(created.PublicKey, loaded.PublicKey);

        byte[] manifest = Encoding.UTF8.GetBytes("segment 42 sha256=...");
        byte[] signature = loaded.Sign(manifest);
        Assert.Equal(DeviceSigningKey.SignatureSize, signature.Length);
        DevicePublicKey fleetCopy = DevicePublicKey.Parse(created.PublicKey.ToString());
        Assert.True(fleetCopy.Verify(manifest, signature));
        manifest[0] ^= 1;
        Assert.False(fleetCopy.Verify(manifest, signature));
        Assert.False(fleetCopy.Verify(manifest, signature.AsSpan(0, 63)));
        using DeviceSigningKey other = DeviceSigningKey.Generate();
        Assert.False(other.PublicKey.Verify("x"u8, created.Sign("x"u8)));
    }

    [Fact]
    public void File_format_is_the_documented_one_and_strings_never_show_the_seed()
    {
        using DeviceSigningKey key = DeviceSigningKey.Generate();
        var writer = new StringWriter();
        key.WriteTo(writer, DateTimeOffset.UnixEpoch);
        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("# created: 1970-01-01T00:00:00Z", lines[1]);
        Assert.Equal("# public key: " + key.PublicKey, lines[2]);
        Assert.Matches("^EDGECAPTURE-DEVICE-KEY-1 [A-Za-z0-9+/]{43}=$", lines[3]);
        Assert.Matches("^ed25519:[A-Za-z0-9+/]{43}=$", key.PublicKey.ToString());
        string seed = lines[3].Split(' ')[1];
        Assert.DoesNotContain(seed, key.ToString(), StringComparison.Ordinal);
        using DeviceSigningKey parsed = DeviceSigningKey.Parse(Encoding.ASCII.GetBytes(writer.ToString()));
        Assert.Equal(key.PublicKey, parsed.PublicKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing\n")]
    [InlineData("EDGECAPTURE-DEVICE-KEY-1 AAAA\n")]
    [InlineData("EDGECAPTURE-DEVICE-KEY-1 1tsXmf5A41EyNKvdc7Qgp/MIF3RIxb5IrPUUEjTxUmw\n")]
    [InlineData("EDGECAPTURE-DEVICE-KEY-1 1tsXmf5A41EyNKvdc7Qgp/MIF3RIxb5IrPUUEjTxUmx=\n")]
    [InlineData("EDGECAPTURE-DEVICE-KEY-2 1tsXmf5A41EyNKvdc7Qgp/MIF3RIxb5IrPUUEjTxUmw=\n")]
    [InlineData("EDGECAPTURE-DEVICE-KEY-1 1tsXmf5A41EyNKvdc7Qgp/MIF3RIxb5IrPUUEjTxUmw=\nEDGECAPTURE-DEVICE-KEY-1 1tsXmf5A41EyNKvdc7Qgp/MIF3RIxb5IrPUUEjTxUmw=\n")]
    public void Malformed_key_files_are_refused_without_echoing_them(string contents)
    {
        DeviceKeyFormatException error = Assert.Throws<DeviceKeyFormatException>(() => DeviceSigningKey.Parse(Encoding.ASCII.GetBytes(contents)));
        Assert.DoesNotContain("1tsXmf5A", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_file_readable_by_others_is_refused_and_existing_files_are_never_overwritten()
    {
        string path = Path.Combine(_directory, "device.key");
        using DeviceSigningKey key = DeviceSigningKey.Generate();
        key.Save(path, DateTimeOffset.UnixEpoch);
        Assert.Throws<IOException>(() => key.Save(path, DateTimeOffset.UnixEpoch));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Throws<DeviceKeyFormatException>(() => DeviceSigningKey.Load(path));
    }

    [Theory]
    [InlineData("ed25519:")]
    [InlineData("ed25519:AAAA")]
    [InlineData("ssh-ed25519 AAAA")]
    [InlineData("ed25519:D66tz1AzqPGAWASywAHCsib5swJx8jhXLNZG1/JG3HM")]
    public void Malformed_public_keys_are_refused(string text) =>
        Assert.Throws<DeviceKeyFormatException>(() => DevicePublicKey.Parse(text));
}
