using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Storage.Tests;

/// <summary>A temporary directory with an outbox path, deleted afterwards.</summary>
internal sealed class OutboxDirectory : IDisposable
{
    public OutboxDirectory()
    {
        DirectoryPath = Path.Combine(Path.GetTempPath(), "edgecapture-outbox-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DirectoryPath);
    }

    public string DirectoryPath { get; }

    public string DatabasePath => Path.Combine(DirectoryPath, "outbox.db");

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    public RecordingLogger<SegmentOutbox> Logger { get; } = new();

    public SegmentOutbox Open(OutboxOptions? options = null) =>
        SegmentOutbox.Open(DatabasePath, options ?? new OutboxOptions(), Logger, Time);

    public string[] Files() => [.. Directory.EnumerateFiles(DirectoryPath).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    public void Dispose()
    {
        try
        {
            Directory.Delete(DirectoryPath, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; never fail a test on cleanup.
        }
    }
}

/// <summary>Builds sealed segments with random "ciphertext" and matching hashes.</summary>
internal static class Segments
{
    public static readonly DateTimeOffset Epoch = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static SealedSegmentRecord Create(SegmentKey key, int ciphertextLength = 1000, int manifestLength = 200,
        DateTimeOffset? wallStart = null, TimeSpan? duration = null, Random? random = null)
    {
        random ??= Random.Shared;
        byte[] ciphertext = new byte[ciphertextLength];
        byte[] manifest = new byte[manifestLength];
        random.NextBytes(ciphertext);
        random.NextBytes(manifest);
        DateTimeOffset start = wallStart ?? Epoch.AddSeconds(key.SegmentIndex * 5);
        TimeSpan length = duration ?? TimeSpan.FromSeconds(5);
        long monotonicStart = 1_000_000_000L + (key.SegmentIndex * 5_000_000_000L);
        return new SealedSegmentRecord
        {
            Key = key,
            MonotonicStartNanoseconds = monotonicStart,
            MonotonicEndNanoseconds = monotonicStart + (long)length.TotalNanoseconds,
            WallClockStartUtc = start,
            WallClockEndUtc = start + length,
            Ciphertext = ciphertext,
            Manifest = manifest,
            CiphertextSha256 = SHA256.HashData(ciphertext),
            ManifestSha256 = SHA256.HashData(manifest),
        };
    }

    public static byte[] ReadCiphertext(SegmentOutbox outbox, SegmentKey key)
    {
        Assert.True(outbox.TryOpenCiphertext(key, out Stream? stream), $"ciphertext of {key} should be stored");
        using (stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
