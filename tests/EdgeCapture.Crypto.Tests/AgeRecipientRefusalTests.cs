namespace EdgeCapture.Crypto.Tests;

/// <summary>"Sealed at rest": a recipient that can never open anything is refused when it is read, never at the first seal.</summary>
public sealed class AgeRecipientRefusalTests
{
    /// <summary>Curve25519 points of small order (libsodium's blocklist): X25519 with any of them yields an all-zero secret.</summary>
    public static TheoryData<string> LowOrderPoints => new()
    {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };

    [Theory]
    [MemberData(nameof(LowOrderPoints))]
    public void A_low_order_point_is_refused_when_parsed(string hex)
    {
        string text = Bech32.Encode("age", Convert.FromHexString(hex), upperCase: false);

        AgeKeyFormatException error = Assert.Throws<AgeKeyFormatException>(() => AgeRecipient.Parse(text));

        Assert.Contains("low-order", error.Message, StringComparison.Ordinal);
        Assert.False(AgeRecipient.TryParse(text, out _));
        Assert.Throws<AgeKeyFormatException>(() => AgeRecipient.ParseList(new StringReader("# custodian\n" + text + "\n")));
    }

    [Theory]
    [InlineData("agx")]
    [InlineData("age-plugin-yubikey")]
    [InlineData("ssh")]
    public void A_recipient_with_another_human_readable_part_is_refused(string prefix)
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        byte[] key = new byte[64];
        Assert.True(Bech32.TryDecode(System.Text.Encoding.ASCII.GetBytes(identity.Recipient.ToString()), key, out _, out int length, out _));
        string text = Bech32.Encode(prefix, key.AsSpan(0, length), upperCase: false);

        Assert.Throws<AgeKeyFormatException>(() => AgeRecipient.Parse(text));
    }

    [Fact]
    public void A_generated_recipient_is_accepted()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        Assert.Equal(identity.Recipient, AgeRecipient.Parse(identity.Recipient.ToString()));
    }
}
