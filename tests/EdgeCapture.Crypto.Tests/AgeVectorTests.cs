using System.Security.Cryptography;

namespace EdgeCapture.Crypto.Tests;

/// <summary>
/// Every C2SP CCTV age vector ends in exactly the outcome class it names, and the plaintext released before
/// the end (all of it, or what came before a payload failure) hashes to the vector's payload hash.
/// </summary>
public sealed class AgeVectorTests
{
    /// <summary>
    /// Vectors whose recipients (scrypt passphrases, ML-KEM hybrids) we do not implement. Listed by name: each
    /// must end in the "no matching identity / unsupported" class, whatever the vector itself expects, with one
    /// listed exception in <see cref="UnsupportedButMalformedHeader"/>.
    /// </summary>
    public static readonly string[] UnsupportedVectors =
    [
        "armor_hybrid", "armor_scrypt",
        "hybrid", "hybrid_and_x25519", "hybrid_bad_tag", "hybrid_currupted_enc_mlkem", "hybrid_currupted_enc_x25519",
        "hybrid_extra_argument", "hybrid_grease", "hybrid_identity", "hybrid_long_file_key", "hybrid_long_share",
        "hybrid_low_order", "hybrid_multiple_recipients", "hybrid_no_match", "hybrid_not_canonical_body",
        "hybrid_not_canonical_enc", "hybrid_short_share", "hybrid_uppercase", "hybrid_x25519_arg",
        "scrypt", "scrypt_and_x25519", "scrypt_bad_tag", "scrypt_double", "scrypt_extra_argument", "scrypt_long_file_key",
        "scrypt_no_match", "scrypt_not_canonical_body", "scrypt_not_canonical_salt", "scrypt_salt_long", "scrypt_salt_missing",
        "scrypt_salt_short", "scrypt_uppercase", "scrypt_work_factor_23", "scrypt_work_factor_hex",
        "scrypt_work_factor_leading_garbage", "scrypt_work_factor_leading_plus", "scrypt_work_factor_leading_zero_decimal",
        "scrypt_work_factor_leading_zero_octal", "scrypt_work_factor_missing", "scrypt_work_factor_negative",
        "scrypt_work_factor_overflow", "scrypt_work_factor_trailing_garbage", "scrypt_work_factor_wrong", "scrypt_work_factor_zero",
    ];

    /// <summary>
    /// scrypt vectors that break a rule every stanza obeys (canonical base64 body), so the header parser refuses
    /// them before any identity is tried: header failure, which is also what the vector expects.
    /// </summary>
    public static readonly string[] UnsupportedButMalformedHeader = ["scrypt_not_canonical_body"];

    public static TheoryData<string> SupportedVectorNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in AgeVectors.Names().Where(n => !UnsupportedVectors.Contains(n)))
        {
            data.Add(name);
        }

        return data;
    }

    public static TheoryData<string> UnsupportedVectorNames() => new(UnsupportedVectors);

    [Fact]
    public void The_restored_set_has_every_group_with_the_published_counts()
    {
        string[] names = AgeVectors.Names().ToArray();
        Assert.Equal(AgeVectors.ExpectedCount, names.Length);
        var groups = names.GroupBy(n => n.Split('_')[0]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(
            new Dictionary<string, int> { ["armor"] = 33, ["empty"] = 1, ["header"] = 1, ["hmac"] = 8, ["hybrid"] = 18, ["scrypt"] = 25, ["stanza"] = 14, ["stream"] = 28, ["version"] = 1, ["x25519"] = 14 },
            groups);
        Assert.All(UnsupportedVectors, n => Assert.Contains(n, names));
        Assert.Equal(names.Count(n => n.StartsWith("scrypt", StringComparison.Ordinal) || n.StartsWith("hybrid", StringComparison.Ordinal)) + 2, UnsupportedVectors.Length);
    }

    [Theory]
    [MemberData(nameof(SupportedVectorNames))]
    public void Supported_vector_ends_in_its_expected_class_with_the_expected_plaintext(string name)
    {
        AgeVector vector = AgeVectors.Load(name);
        foreach (int parallelism in new[] { 1, 2 })
        {
            // Both chunk ciphers: the platform's (what reading uses where it has one) and NSec's (its fallback).
            foreach (bool useLibsodium in new[] { false, true })
            {
                (string outcome, string released) = Run(vector, parallelism, vector.Armored ? AgeInputFormat.Armored : AgeInputFormat.Binary, useLibsodium);
                Assert.Equal(vector.Expect, outcome);
                if (vector.PayloadHash is not null)
                {
                    Assert.Equal(vector.PayloadHash, released);
                }
            }
        }

        if (!vector.Armored)
        {
            // Detection must not change the outcome of a binary file.
            Assert.Equal(vector.Expect, Run(vector, 1, AgeInputFormat.Detect).Outcome);
        }
    }

    [Theory]
    [MemberData(nameof(UnsupportedVectorNames))]
    public void Unsupported_recipient_vector_ends_in_no_match(string name)
    {
        AgeVector vector = AgeVectors.Load(name);
        (string outcome, string released) = Run(vector, 1, vector.Armored ? AgeInputFormat.Armored : AgeInputFormat.Binary);
        if (UnsupportedButMalformedHeader.Contains(name))
        {
            Assert.Equal("header failure", vector.Expect);
            Assert.Equal("header failure", outcome);
        }
        else
        {
            Assert.Equal("no match", outcome);
        }

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(ReadOnlySpan<byte>.Empty)), released);
    }

    [Fact]
    public void Post_quantum_identity_is_refused_as_unsupported_not_as_malformed()
    {
        AgeVector vector = AgeVectors.Load("hybrid");
        Assert.Throws<AgeUnsupportedIdentityException>(() => AgeIdentity.Parse(vector.Identities[0]));
    }

    /// <summary>Decrypts a vector the way an application would and classifies the result as the vectors do.</summary>
    internal static (string Outcome, string ReleasedHash) Run(AgeVector vector, int parallelism, AgeInputFormat format, bool useLibsodium = false)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var identities = new List<AgeIdentity>();
        string outcome;
        try
        {
            foreach (string identity in vector.Identities)
            {
                identities.Add(AgeIdentity.Parse(identity));
            }

            using AgeDecryptingStream plaintext = AgeDecryptingStream.Open(
                new MemoryStream(vector.File),
                identities,
                new AgeDecryptionOptions { Format = format, MaxDegreeOfParallelism = parallelism, UseLibsodium = useLibsodium });
            byte[] buffer = new byte[7000];
            int read;
            while ((read = plaintext.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            outcome = "success";
        }
        catch (AgeHeaderException)
        {
            outcome = "header failure";
        }
        catch (AgeHmacException)
        {
            outcome = "HMAC failure";
        }
        catch (AgePayloadException)
        {
            outcome = "payload failure";
        }
        catch (AgeNoIdentityMatchException)
        {
            outcome = "no match";
        }
        catch (AgeArmorException)
        {
            outcome = "armor failure";
        }
        finally
        {
            foreach (AgeIdentity identity in identities)
            {
                identity.Dispose();
            }
        }

        return (outcome, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
