using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCapture.Crypto.Tests;

public sealed class AgeRoundTripTests
{
    private const int Chunk = 64 * 1024;

    private static readonly int[] BoundarySizes = [0, 1, Chunk - 1, Chunk, Chunk + 1, 2 * Chunk, (2 * Chunk) + 1, 3 * Chunk, (5 * Chunk) - 1, 9 * Chunk];

    internal static byte[] Encrypt(ReadOnlySpan<byte> plaintext, IReadOnlyList<AgeRecipient> recipients, AgeEncryptionOptions? options = null, int writeSize = int.MaxValue)
    {
        using var output = new MemoryStream();
        using (AgeEncryptingStream encrypting = AgeEncryptingStream.Create(output, recipients, (options ?? new AgeEncryptionOptions()) with { LeaveOpen = true }))
        {
            while (!plaintext.IsEmpty)
            {
                int count = Math.Min(writeSize, plaintext.Length);
                encrypting.Write(plaintext[..count]);
                plaintext = plaintext[count..];
            }

            encrypting.Complete();
        }

        return output.ToArray();
    }

    internal static byte[] Decrypt(byte[] file, IReadOnlyList<AgeIdentity> identities, AgeDecryptionOptions? options = null)
    {
        using AgeDecryptingStream decrypting = AgeDecryptingStream.Open(new MemoryStream(file), identities, options);
        using var plaintext = new MemoryStream();
        decrypting.CopyTo(plaintext);
        return plaintext.ToArray();
    }

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property Sizes_around_chunk_boundaries_round_trip_in_every_mode()
    {
        Gen<int> sizes = Gen.OneOf(
            Gen.Elements(BoundarySizes),
            Gen.Choose(0, 10).Select(n => n * Chunk),
            Gen.Choose(-3, 3).SelectMany(delta => Gen.Choose(1, 6).Select(n => Math.Max(0, (n * Chunk) + delta))),
            Gen.Choose(0, 4 * Chunk));
        Gen<(int Size, int Parallelism, bool Armor, int WriteSize)> cases =
            from size in sizes
            from parallelism in Gen.Elements(1, 2)
            from armor in Gen.Elements(false, true)
            from writeSize in Gen.Elements(1 + 4095, 7, Chunk, 100_000, int.MaxValue)
            select (size, parallelism, armor, writeSize);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            using AgeIdentity identity = AgeIdentity.Generate();
            byte[] plaintext = RandomNumberGenerator.GetBytes(c.Size);
            byte[] file = Encrypt(plaintext, [identity.Recipient], new AgeEncryptionOptions { Armor = c.Armor, MaxDegreeOfParallelism = c.Parallelism }, c.WriteSize);
            int chunks = Math.Max(1, (c.Size + Chunk - 1) / Chunk);
            byte[] decrypted = Decrypt(file, [identity], new AgeDecryptionOptions { MaxDegreeOfParallelism = 3 - c.Parallelism });
            bool sizeOk = c.Armor || file.Length == HeaderLength(file) + 16 + c.Size + (chunks * 16);
            return decrypted.AsSpan().SequenceEqual(plaintext) && sizeOk;
        });
    }

    [Fact]
    public void Every_recipient_of_a_multi_recipient_file_can_open_it()
    {
        using AgeIdentity first = AgeIdentity.Generate();
        using AgeIdentity second = AgeIdentity.Generate();
        using AgeIdentity third = AgeIdentity.Generate();
        byte[] plaintext = RandomNumberGenerator.GetBytes(150_000);
        byte[] file = Encrypt(plaintext, [first.Recipient, second.Recipient, third.Recipient]);
        Assert.Equal(plaintext, Decrypt(file, [first]));
        Assert.Equal(plaintext, Decrypt(file, [third]));
        using AgeIdentity stranger = AgeIdentity.Generate();
        Assert.Equal(plaintext, Decrypt(file, [stranger, second]));
        Assert.Throws<AgeNoIdentityMatchException>(() => Decrypt(file, [stranger]));
    }

    [Fact]
    public void Disposing_without_complete_seals_the_file_and_nothing_can_be_written_after_complete()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        using var output = new MemoryStream();
        using (var encrypting = AgeEncryptingStream.Create(output, [identity.Recipient], new AgeEncryptionOptions { LeaveOpen = true }))
        {
            encrypting.Write("hello"u8);
        }

        Assert.Equal("hello"u8.ToArray(), Decrypt(output.ToArray(), [identity]));
        using var second = AgeEncryptingStream.Create(new MemoryStream(), [identity.Recipient]);
        second.Complete();
        Assert.Throws<InvalidOperationException>(() => second.Write("x"u8));
    }

    [Fact]
    public void Identity_and_recipient_text_round_trip_and_never_show_the_secret()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        var text = new StringWriter();
        identity.WriteTo(text, DateTimeOffset.UnixEpoch);
        string secretLine = text.ToString().Split('\n')[2];
        Assert.StartsWith("AGE-SECRET-KEY-1", secretLine, StringComparison.Ordinal);
        Assert.Equal(74, secretLine.Length);
        using AgeIdentity parsed = AgeIdentity.Parse(secretLine);
        Assert.Equal(identity.Recipient, parsed.Recipient);
        Assert.Equal(identity.Recipient, AgeRecipient.Parse(identity.Recipient.ToString()));
        Assert.DoesNotContain(secretLine, identity.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secretLine[16..], identity.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    private static int HeaderLength(byte[] file)
    {
        int mac = file.AsSpan().IndexOf("\n---"u8);
        return file.AsSpan(mac + 1).IndexOf((byte)'\n') + mac + 2;
    }
}
