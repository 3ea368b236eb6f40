using System.Security.Cryptography;

namespace EdgeCapture.Crypto.Tests;

/// <summary>
/// The parallel reader: batches are opened by thread-pool workers or by the reading thread itself, and a stream
/// disposed with batches still queued or being opened must not fail, leak a worker into freed buffers, or keep the input.
/// </summary>
public sealed class AgeParallelDecryptionTests : IDisposable
{
    private const int Chunk = 64 * 1024;

    private readonly AgeIdentity _identity = AgeIdentity.Generate();

    public void Dispose() => _identity.Dispose();

    [Fact]
    public void Disposing_part_way_through_a_parallel_read_releases_everything()
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes((40 * Chunk) + 123);
        byte[] file = AgeRoundTripTests.Encrypt(plaintext, [_identity.Recipient]);
        byte[] buffer = new byte[7000];
        for (int stopAfter = 0; stopAfter < 60; stopAfter += 3)
        {
            var input = new MemoryStream(file);
            var received = new MemoryStream();
            using (AgeDecryptingStream decrypting = AgeDecryptingStream.Open(input, [_identity], new AgeDecryptionOptions { MaxDegreeOfParallelism = 2 }))
            {
                for (int i = 0; i < stopAfter; i++)
                {
                    int read = decrypting.Read(buffer);
                    received.Write(buffer, 0, read);
                }
            }

            Assert.False(input.CanRead);
            Assert.Equal(plaintext.AsSpan(0, (int)received.Length).ToArray(), received.ToArray());
        }
    }

    [Fact]
    public void Small_reads_and_copy_to_give_the_same_plaintext_in_parallel()
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes((33 * Chunk) - 5);
        byte[] file = AgeRoundTripTests.Encrypt(plaintext, [_identity.Recipient], new AgeEncryptionOptions { MaxDegreeOfParallelism = 2 });
        using AgeDecryptingStream decrypting = AgeDecryptingStream.Open(new MemoryStream(file), [_identity], new AgeDecryptionOptions { MaxDegreeOfParallelism = 2 });
        var received = new MemoryStream();
        byte[] buffer = new byte[1000];
        for (int i = 0; i < 50; i++)
        {
            received.Write(buffer, 0, decrypting.Read(buffer));
        }

        decrypting.CopyTo(received);
        Assert.Equal(0, decrypting.Read(buffer));
        Assert.Equal(plaintext, received.ToArray());
    }
}
