using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Tests;

/// <summary>Operator and custodian signing key files: 0600, never overwritten, one kind never loaded as the other.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PersonalSigningKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fleet-keys-").FullName;

    [Fact]
    public void A_saved_key_is_mode_0600_loads_back_and_signs_verifiably()
    {
        string path = Path.Combine(_directory, "operator.key");
        using PersonalSigningKey key = PersonalSigningKey.Generate(PersonalSigningKeyKind.Operator);
        key.Save(path, DateTimeOffset.UnixEpoch);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using PersonalSigningKey loaded = PersonalSigningKey.Load(path, PersonalSigningKeyKind.Operator);
        Assert.Equal(key.PublicKey, loaded.PublicKey);
        Assert.True(key.PublicKey.Verify("x"u8, loaded.Sign("x"u8)));
        Assert.Throws<IOException>(() => key.Save(path, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void An_operator_key_file_is_not_a_custodian_key_and_a_readable_file_is_refused()
    {
        string path = Path.Combine(_directory, "operator.key");
        using (PersonalSigningKey key = PersonalSigningKey.Generate(PersonalSigningKeyKind.Operator))
        {
            key.Save(path, DateTimeOffset.UnixEpoch);
        }

        Assert.Throws<DeviceKeyFormatException>(() => PersonalSigningKey.Load(path, PersonalSigningKeyKind.CustodianSigning));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Throws<DeviceKeyFormatException>(() => PersonalSigningKey.Load(path, PersonalSigningKeyKind.Operator));
    }

    [Fact]
    public void The_box_configuration_lists_each_key_once_with_one_role()
    {
        using PersonalSigningKey key = PersonalSigningKey.Generate(PersonalSigningKeyKind.Operator);
        string one = $$"""{"trustedSigners":[{"name":"a","role":"operator","publicKey":"{{key.PublicKey}}"}],"groups":["floor-3"]}""";
        FleetBoxConfiguration configuration = FleetBoxConfiguration.Parse(System.Text.Encoding.UTF8.GetBytes(one), "fleet.json");
        Assert.Equal(FleetRole.Operator, Assert.Single(configuration.TrustedSigners).Role);
        string twice = $$"""{"trustedSigners":[{"name":"a","role":"operator","publicKey":"{{key.PublicKey}}"},{"name":"b","role":"custodian","publicKey":"{{key.PublicKey}}"}]}""";
        Assert.Contains("listed twice", Assert.Throws<FleetMessageFormatException>(() => FleetBoxConfiguration.Parse(System.Text.Encoding.UTF8.GetBytes(twice), "fleet.json")).Message, StringComparison.Ordinal);
        string badRole = $$"""{"trustedSigners":[{"name":"a","role":"root","publicKey":"{{key.PublicKey}}"}]}""";
        Assert.Throws<FleetMessageFormatException>(() => FleetBoxConfiguration.Parse(System.Text.Encoding.UTF8.GetBytes(badRole), "fleet.json"));
        Assert.Throws<FleetMessageFormatException>(() => FleetBoxConfiguration.Parse("{\"trustedSigners\":[],\"indicator\":false}"u8.ToArray(), "fleet.json"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
