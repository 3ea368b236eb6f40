using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCapture.Crypto.Tests;

/// <summary>Any change to a file is refused, and no plaintext past the damaged chunk is ever released.</summary>
public sealed class AgeTamperTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly AgeIdentity _identity = AgeIdentity.Generate();

    public void Dispose() => _identity.Dispose();

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Flipping_any_single_byte_is_detected()
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes((2 * Chunk) + 100);
        byte[] file = AgeRoundTripTests.Encrypt(plaintext, [_identity.Recipient]);
        Gen<(int Position, byte Mask, int Parallelism)> cases =
            from position in Gen.OneOf(Gen.Choose(0, 300), Gen.Choose(0, file.Length - 1))
            from mask in Gen.Choose(1, 255)
            from parallelism in Gen.Elements(1, 2)
            select (position, (byte)mask, parallelism);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            byte[] damaged = (byte[])file.Clone();
            damaged[c.Position % damaged.Length] ^= c.Mask;
            (Exception? error, byte[] released) = TryDecrypt(damaged, c.Parallelism);
            // Released plaintext is always a prefix of the original, never beyond the damaged chunk.
            return error is AgeException && plaintext.AsSpan().StartsWith(released) && released.Length <= plaintext.Length;
        });
    }

    [Fact]
    public void Flipping_every_byte_of_a_small_file_is_detected()
    {
        byte[] file = AgeRoundTripTests.Encrypt("short plaintext"u8, [_identity.Recipient]);
        for (int position = 0; position < file.Length; position++)
        {
            byte[] damaged = (byte[])file.Clone();
            damaged[position] ^= 0x01;
            (Exception? error, byte[] released) = TryDecrypt(damaged, 1);
            Assert.True(error is AgeException, $"byte {position} flipped went undetected");
            Assert.Empty(released);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Reordered_chunks_fail_at_the_first_moved_chunk(int parallelism)
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes((4 * Chunk) + 10);
        byte[] file = AgeRoundTripTests.Encrypt(plaintext, [_identity.Recipient]);
        int payload = PayloadStart(file);
        byte[] swapped = (byte[])file.Clone();
        int second = payload + (Chunk + 16);
        int third = payload + (2 * (Chunk + 16));
        file.AsSpan(third, Chunk + 16).CopyTo(swapped.AsSpan(second));
        file.AsSpan(second, Chunk + 16).CopyTo(swapped.AsSpan(third));
        (Exception? error, byte[] released) = TryDecrypt(swapped, parallelism);
        Assert.IsType<AgePayloadException>(error);
        Assert.Equal(plaintext.AsSpan(0, Chunk).ToArray(), released);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Truncation_at_a_chunk_boundary_is_refused_after_the_complete_chunks(int parallelism)
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes(3 * Chunk);
        byte[] file = AgeRoundTripTests.Encrypt(plaintext, [_identity.Recipient]);
        byte[] truncated = file[..(PayloadStart(file) + (2 * (Chunk + 16)))];
        (Exception? error, byte[] released) = TryDecrypt(truncated, parallelism);
        Assert.IsType<AgePayloadException>(error);
        Assert.Equal(plaintext.AsSpan(0, 2 * Chunk).ToArray(), released);
    }

    [Fact]
    public void Trailing_data_after_the_last_chunk_is_refused()
    {
        byte[] file = [.. AgeRoundTripTests.Encrypt("data"u8, [_identity.Recipient]), 0];
        Assert.IsType<AgePayloadException>(TryDecrypt(file, 1).Error);
    }

    [Fact]
    public void Header_change_with_a_valid_stanza_is_an_hmac_failure()
    {
        using AgeIdentity other = AgeIdentity.Generate();
        byte[] file = AgeRoundTripTests.Encrypt("data"u8, [_identity.Recipient, other.Recipient]);
        // Drop the second stanza: the first still unwraps the file key, but the MAC no longer matches.
        string text = System.Text.Encoding.Latin1.GetString(file);
        int secondStanza = text.IndexOf("-> X25519", text.IndexOf("-> X25519", StringComparison.Ordinal) + 1, StringComparison.Ordinal);
        int mac = text.IndexOf("---", StringComparison.Ordinal);
        byte[] edited = [.. file.AsSpan(0, secondStanza), .. file.AsSpan(mac)];
        Assert.IsType<AgeHmacException>(TryDecrypt(edited, 1).Error);
    }

    private static int PayloadStart(byte[] file)
    {
        int mac = file.AsSpan().IndexOf("\n---"u8);
        return file.AsSpan(mac + 1).IndexOf((byte)'\n') + mac + 2 + 16;
    }

    private (Exception? Error, byte[] Released) TryDecrypt(byte[] file, int parallelism)
    {
        using var released = new MemoryStream();
        try
        {
            using AgeDecryptingStream decrypting = AgeDecryptingStream.Open(new MemoryStream(file), [_identity], new AgeDecryptionOptions { MaxDegreeOfParallelism = parallelism });
            byte[] buffer = new byte[5000];
            int read;
            while ((read = decrypting.Read(buffer)) > 0)
            {
                released.Write(buffer, 0, read);
            }

            return (null, released.ToArray());
        }
        catch (AgeException error)
        {
            return (error, released.ToArray());
        }
    }
}
