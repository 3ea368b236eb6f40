using System.Text;

namespace EdgeCapture.Crypto.Tests;

public sealed class AgeKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgecapture-keys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("A12UEL5L")]
    [InlineData("a12uel5l")]
    [InlineData("an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs")]
    [InlineData("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")]
    [InlineData("split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w")]
    public void Bip173_valid_strings_decode(string text)
    {
        Span<byte> data = stackalloc byte[200];
        bool ok = Bech32.TryDecode(Encoding.ASCII.GetBytes(text), data, out _, out _, out string error);
        // Some BIP 173 vectors carry 5-bit data that is not whole bytes; the checksum must still verify.
        Assert.True(ok || error.Contains("padding", StringComparison.Ordinal), error);
    }

    [Theory]
    [InlineData("pzry9x0s0muk")]
    [InlineData("1pzry9x0s0muk")]
    [InlineData("x1b4n0q5v")]
    [InlineData("li1dgmt3")]
    [InlineData("A1G7SGD8")]
    [InlineData("10a06t8")]
    [InlineData("1qzzfhee")]
    [InlineData("a12UEL5L")]
    public void Bip173_invalid_strings_are_refused(string text)
    {
        Span<byte> data = stackalloc byte[200];
        Assert.False(Bech32.TryDecode(Encoding.ASCII.GetBytes(text), data, out _, out _, out _));
    }

    [Fact]
    public void Bip173_longest_valid_string_decodes()
    {
        Span<byte> data = stackalloc byte[200];
        Assert.True(Bech32.TryDecode(Encoding.ASCII.GetBytes("11" + new string('q', 82) + "c8247j"), data, out int hrp, out int length, out string error), error);
        Assert.Equal(1, hrp);
        Assert.Equal(51, length);
    }

    [Fact]
    public void Long_strings_beyond_90_characters_round_trip()
    {
        byte[] payload = Enumerable.Range(0, 200).Select(i => (byte)i).ToArray();
        string text = Bech32.Encode("age", payload, upperCase: false);
        Assert.True(text.Length > 300);
        Span<byte> data = stackalloc byte[400];
        Assert.True(Bech32.TryDecode(Encoding.ASCII.GetBytes(text), data, out int hrp, out int length, out _));
        Assert.Equal(3, hrp);
        Assert.Equal(payload, data[..length].ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("age1")]
    [InlineData("AGE1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS3290GQ")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN")]
    [InlineData("age1pq1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq")]
    [InlineData("age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gx")]
    public void Malformed_recipients_are_refused_with_a_reason(string text)
    {
        AgeKeyFormatException error = Assert.Throws<AgeKeyFormatException>(() => AgeRecipient.Parse(text));
        Assert.StartsWith("Invalid age recipient", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Identity_file_with_comments_loads_and_errors_name_the_line_not_the_key()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        string path = Path.Combine(_directory, "id.txt");
        identity.SaveFile(path, DateTimeOffset.UnixEpoch);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        string[] lines = File.ReadAllLines(path);
        Assert.StartsWith("# created: 1970-01-01T00:00:00Z", lines[0], StringComparison.Ordinal);
        Assert.Equal("# public key: " + identity.Recipient, lines[1]);

        IReadOnlyList<AgeIdentity> loaded = AgeIdentity.LoadFile(path);
        Assert.Equal(identity.Recipient, Assert.Single(loaded).Recipient);
        loaded[0].Dispose();

        string secret = lines[2];
        string damaged = secret[..^1] + (secret[^1] == 'Q' ? 'P' : 'Q');
        byte[] contents = Encoding.ASCII.GetBytes($"# comment\n\n{secret}\r\n{damaged}\n");
        AgeKeyFormatException error = Assert.Throws<AgeKeyFormatException>(() => AgeIdentity.ParseFile(contents));
        Assert.Contains("line 4", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[16..40], error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<AgeKeyFormatException>(() => AgeIdentity.ParseFile(Encoding.ASCII.GetBytes("# only comments\n")));
        Assert.Throws<AgeKeyFormatException>(() => AgeIdentity.Parse(secret.ToLowerInvariant()));
    }

    [Fact]
    public void Saving_never_overwrites_an_existing_file()
    {
        string path = Path.Combine(_directory, "taken.txt");
        File.WriteAllText(path, "precious");
        using AgeIdentity identity = AgeIdentity.Generate();
        Assert.Throws<IOException>(() => identity.SaveFile(path, DateTimeOffset.UnixEpoch));
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void Recipients_file_skips_comments_and_names_bad_lines()
    {
        using AgeIdentity a = AgeIdentity.Generate();
        using AgeIdentity b = AgeIdentity.Generate();
        IReadOnlyList<AgeRecipient> parsed = AgeRecipient.ParseList(new StringReader($"# team\n{a.Recipient}\n\n  {b.Recipient}  \n"));
        Assert.Equal([a.Recipient, b.Recipient], parsed);
        AgeKeyFormatException error = Assert.Throws<AgeKeyFormatException>(() => AgeRecipient.ParseList(new StringReader($"{a.Recipient}\nage1nope\n")));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }
}
