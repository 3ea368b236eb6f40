using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Storage.Tests;

/// <summary>
/// Entry point of this test assembly (GenerateProgramFile is off). `dotnet EdgeCapture.Storage.Tests.dll crash-child &lt;db&gt; &lt;seed&gt;`
/// is the process <see cref="CrashSafetyTests"/> kills with SIGKILL: it appends segments in a loop and prints each one only
/// after <see cref="SegmentOutbox.AppendSealedSegment"/> returned, and every so often acknowledges an older one.
/// Any other invocation does nothing.
/// </summary>
public static class CrashChildProgram
{
    public const string Mode = "crash-child";

    // Bounded so that an orphaned child (its test runner died) stops by itself within seconds.
    private const int MaximumSegments = 3000;

    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length != 3 || args[0] != Mode)
        {
            return 0;
        }

        var random = new Random(int.Parse(args[2], CultureInfo.InvariantCulture));
        using SegmentOutbox outbox = SegmentOutbox.Open(args[1], new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
        Console.Out.WriteLine($"opened {outbox.StartupRecovery?.Reason.ToString() ?? "healthy"}");

        // A restarted recorder begins a new session; the previous chain head stays readable.
        var session = Guid.NewGuid();
        var stored = new List<SegmentKey>();
        for (int index = 0; index < MaximumSegments; index++)
        {
            int length = random.Next(10) == 0 ? random.Next(1 << 20, 3 << 20) : random.Next(1_000, 200_000);
            byte[] ciphertext = new byte[length];
            byte[] manifest = new byte[random.Next(100, 400)];
            random.NextBytes(ciphertext);
            random.NextBytes(manifest);
            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            var key = new SegmentKey(session, index);
            AppendResult result = outbox.AppendSealedSegment(new SealedSegmentRecord
            {
                Key = key,
                MonotonicStartNanoseconds = index * 1_000L,
                MonotonicEndNanoseconds = (index * 1_000L) + 999,
                WallClockStartUtc = now,
                WallClockEndUtc = now,
                Ciphertext = ciphertext,
                Manifest = manifest,
                CiphertextSha256 = SHA256.HashData(ciphertext),
                ManifestSha256 = SHA256.HashData(manifest),
            });
            if (result != AppendResult.Stored)
            {
                Console.Error.WriteLine($"append of {key} returned {result}");
                return 2;
            }

            Console.Out.WriteLine($"stored {key.SessionId:D} {index} {Convert.ToHexString(SHA256.HashData(ciphertext))}");
            stored.Add(key);

            if (stored.Count > 4 && random.Next(4) == 0)
            {
                SegmentKey oldest = stored[0];
                stored.RemoveAt(0);
                outbox.MarkUploaded(oldest);
                if (outbox.MarkAcknowledged(oldest))
                {
                    Console.Out.WriteLine($"acknowledged {oldest.SessionId:D} {oldest.SegmentIndex}");
                }
            }
        }

        return 0;
    }
}
