using System.Buffers.Binary;
using System.IO.Pipes;

namespace EdgeCapture.Crypto.Tests;

/// <summary>
/// A payload past 4 GiB (more than 2^16 chunks, lengths past 32 bits) streams through encryption and decryption
/// in constant memory: the plaintext is generated on the fly, the ciphertext flows through an OS pipe, and the
/// decrypted bytes are checked against the regenerated pattern. Nothing holds more than a few chunks.
/// </summary>
[Collection(nameof(AgeLargeFileTests))]
public sealed class AgeLargeFileTests
{
    private const long PayloadLength = (4L * 1024 * 1024 * 1024) + (3 * 65536) + 12345;

    [Fact]
    public async Task More_than_4_GiB_streams_through_in_constant_memory()
    {
        using AgeIdentity identity = AgeIdentity.Generate();
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);

        Task producer = Task.Run(() =>
        {
            using AgeEncryptingStream encrypting = AgeEncryptingStream.Create(server, [identity.Recipient], new AgeEncryptionOptions { MaxDegreeOfParallelism = 2 });
            byte[] block = new byte[1 << 20];
            for (long offset = 0; offset < PayloadLength; offset += block.Length)
            {
                int count = (int)Math.Min(block.Length, PayloadLength - offset);
                Fill(block.AsSpan(0, count), offset);
                encrypting.Write(block, 0, count);
            }

            encrypting.Complete();
        });

        long total = 0;
        long peakManaged = 0;
        using (AgeDecryptingStream decrypting = AgeDecryptingStream.Open(client, [identity], new AgeDecryptionOptions { MaxDegreeOfParallelism = 2, LeaveOpen = true }))
        {
            byte[] buffer = new byte[300_000];
            byte[] expected = new byte[buffer.Length + 8];
            int read;
            while ((read = decrypting.Read(buffer)) > 0)
            {
                // Compare against the pattern regenerated from the 8-aligned offset at or before this read.
                long aligned = total & ~7L;
                int skew = (int)(total - aligned);
                Fill(expected.AsSpan(0, ((skew + read + 7) & ~7)), aligned);
                if (!buffer.AsSpan(0, read).SequenceEqual(expected.AsSpan(skew, read)))
                {
                    Assert.Fail($"Plaintext differs in the {read} bytes at offset {total}.");
                }

                total += read;
                if ((total & ((1L << 30) - 1)) < read)
                {
                    peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(forceFullCollection: false));
                }
            }
        }

        await producer;
        Assert.Equal(PayloadLength, total);
        // Constant memory: the managed heap never grew anywhere near the payload size.
        Assert.True(peakManaged - managedBefore < 64L * 1024 * 1024, $"managed heap grew by {(peakManaged - managedBefore) >> 20} MiB");
    }

    /// <summary>Deterministic, position-dependent content: 64-bit word i is a mix of i.</summary>
    private static void Fill(Span<byte> destination, long offset)
    {
        long word = offset / 8;
        int i = 0;
        for (; i + 8 <= destination.Length; i += 8, word++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], Mix((ulong)word));
        }

        if (i < destination.Length)
        {
            Span<byte> last = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(last, Mix((ulong)word));
            last[..(destination.Length - i)].CopyTo(destination[i..]);
        }
    }

    private static ulong Mix(ulong value) => (value * 0x9E3779B97F4A7C15UL) ^ (value >> 29);
}

/// <summary>Runs the large-file test alone, so the heap it measures is its own.</summary>
[CollectionDefinition(nameof(AgeLargeFileTests), DisableParallelization = true)]
public sealed class AgeLargeFileRunsAlone;
