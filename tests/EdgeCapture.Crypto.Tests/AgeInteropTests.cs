using System.Security.Cryptography;
using System.Text;

namespace EdgeCapture.Crypto.Tests;

/// <summary>
/// Interoperability with the reference `age` CLI (Debian package age 1.1.1). Under CI=true a missing `age` is a
/// failure; elsewhere the tests return early with a message.
/// </summary>
public sealed class AgeInteropTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgecapture-interop-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(65536, false)]
    [InlineData(65537, false)]
    [InlineData(300_000, true)]
    [InlineData(65536 * 2, true)]
    public void Files_we_write_open_with_age(int size, bool armor)
    {
        if (ExternalTool.Require("age", "the Debian package age") is not { } age)
        {
            return;
        }

        using AgeIdentity identity = AgeIdentity.Generate();
        string identityFile = Path.Combine(_directory, "ours.key");
        identity.SaveFile(identityFile, DateTimeOffset.UtcNow);
        byte[] plaintext = RandomNumberGenerator.GetBytes(size);
        byte[] file = AgeRoundTripTests.Encrypt(plaintext, [identity.Recipient], new AgeEncryptionOptions { Armor = armor, MaxDegreeOfParallelism = 2 });
        (int code, byte[] output, string error) = ExternalTool.Run(age, ["-d", "-i", identityFile], file);
        Assert.True(code == 0, error);
        Assert.Equal(plaintext, output);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(100, false)]
    [InlineData(65536, false)]
    [InlineData(200_001, false)]
    [InlineData(70_000, true)]
    public void Files_age_writes_open_with_ours(int size, bool armor)
    {
        if (ExternalTool.Require("age", "the Debian package age") is not { } age)
        {
            return;
        }

        using AgeIdentity identity = AgeIdentity.Generate();
        using AgeIdentity other = AgeIdentity.Generate();
        byte[] plaintext = RandomNumberGenerator.GetBytes(size);
        string[] arguments = armor
            ? ["-e", "-a", "-r", other.Recipient.ToString(), "-r", identity.Recipient.ToString()]
            : ["-e", "-r", other.Recipient.ToString(), "-r", identity.Recipient.ToString()];
        (int code, byte[] file, string error) = ExternalTool.Run(age, arguments, plaintext);
        Assert.True(code == 0, error);
        Assert.Equal(armor, file.AsSpan().StartsWith("-----BEGIN AGE ENCRYPTED FILE-----"u8));
        Assert.Equal(plaintext, AgeRoundTripTests.Decrypt(file, [identity]));
        Assert.Equal(plaintext, AgeRoundTripTests.Decrypt(file, [identity], new AgeDecryptionOptions { MaxDegreeOfParallelism = 2 }));
    }

    [Fact]
    public void Age_keygen_identities_load_in_ours_and_ours_load_in_age()
    {
        if (ExternalTool.Require("age", "the Debian package age") is not { } age || ExternalTool.Require("age-keygen", "the Debian package age") is not { } keygen)
        {
            return;
        }

        string theirs = Path.Combine(_directory, "theirs.key");
        (int code, _, string error) = ExternalTool.Run(keygen, ["-o", theirs]);
        Assert.True(code == 0, error);
        (code, byte[] recipient, error) = ExternalTool.Run(keygen, ["-y", theirs]);
        Assert.True(code == 0, error);
        IReadOnlyList<AgeIdentity> loaded = AgeIdentity.LoadFile(theirs);
        Assert.Equal(Encoding.ASCII.GetString(recipient).Trim(), Assert.Single(loaded).Recipient.ToString());
        loaded[0].Dispose();

        using AgeIdentity ours = AgeIdentity.Generate();
        string oursFile = Path.Combine(_directory, "ours.key");
        ours.SaveFile(oursFile, DateTimeOffset.UtcNow);
        (code, recipient, error) = ExternalTool.Run(keygen, ["-y", oursFile]);
        Assert.True(code == 0, error);
        Assert.Equal(ours.Recipient.ToString(), Encoding.ASCII.GetString(recipient).Trim());
        (code, byte[] file, error) = ExternalTool.Run(age, ["-e", "-i", oursFile], "from age"u8.ToArray());
        Assert.True(code == 0, error);
        Assert.Equal("from age"u8.ToArray(), AgeRoundTripTests.Decrypt(file, [ours]));
    }

    [Fact]
    public void Tampered_files_from_ours_are_refused_by_age_too()
    {
        if (ExternalTool.Require("age", "the Debian package age") is not { } age)
        {
            return;
        }

        using AgeIdentity identity = AgeIdentity.Generate();
        string identityFile = Path.Combine(_directory, "ours.key");
        identity.SaveFile(identityFile, DateTimeOffset.UtcNow);
        byte[] file = AgeRoundTripTests.Encrypt(RandomNumberGenerator.GetBytes(100_000), [identity.Recipient]);
        file[^100] ^= 0x40;
        (int code, _, _) = ExternalTool.Run(age, ["-d", "-i", identityFile], file);
        Assert.NotEqual(0, code);
    }
}
