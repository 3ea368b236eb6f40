using EdgeCapture.Crypto;
using EdgeCapture.Dataset.Export;
using EdgeCapture.Dataset.Sources;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Dataset.Tests;

/// <summary>A failed verification names the segment and why, and leaves no output (not even a partial one) behind.</summary>
public sealed class TamperAndGapTests : IClassFixture<RecordedBox>
{
    private readonly RecordedBox _box;

    public TamperAndGapTests(RecordedBox box) => _box = box;

    private static void AssertNothingLeft(DirectoryInfo work, string output)
    {
        Assert.False(Directory.Exists(output), $"{output} exists after a failed export");
        Assert.Empty(work.GetDirectories(".export.partial-*"));
    }

    private static async Task<ExportFailedException> ExportFailsAsync(ISegmentSource source, IReadOnlyList<AgeIdentity> identities, string output, bool allowGaps = false)
    {
        return await Assert.ThrowsAsync<ExportFailedException>(() => DatasetExporter.ExportAsync(source, new ExportOptions
        {
            OutputDirectory = output,
            Identities = identities,
            Format = ExportFormat.Both,
            AllowGaps = allowGaps,
        }));
    }

    /// <summary>Flips one byte near the end of one stored ciphertext (the second payload row); returns the segment the verifier then blames.</summary>
    private static SegmentKey TamperCiphertext(string box)
    {
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(box, "outbox.db")};Pooling=False"))
        {
            connection.Open();
            long rowId;
            using (SqliteCommand select = connection.CreateCommand())
            {
                select.CommandText = "SELECT segment_id FROM segment_payloads ORDER BY segment_id LIMIT 1 OFFSET 1;";
                rowId = (long)select.ExecuteScalar()!;
            }

            using var blob = new SqliteBlob(connection, "segment_payloads", "ciphertext", rowId);
            blob.Seek(-20, SeekOrigin.End);
            int value = blob.ReadByte();
            blob.Seek(-20, SeekOrigin.End);
            blob.WriteByte((byte)(value ^ 0x20));
        }

        using DeviceSigningKey key = DeviceSigningKey.Load(Path.Combine(box, "device.key"));
        using var outbox = SegmentOutbox.Open(Path.Combine(box, "outbox.db"), new OutboxOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
        VerificationIssue issue = Assert.Single(SegmentChainVerifier.Verify(outbox, key.PublicKey).Errors);
        Assert.Equal(VerificationProblem.CiphertextAltered, issue.Problem);
        return issue.Key;
    }

    [Fact]
    public async Task A_tampered_segment_is_named_and_no_output_appears()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-tamper-");
        try
        {
            string box = _box.CopyBox(work);
            SegmentKey tampered = TamperCiphertext(box);
            string output = Path.Combine(work.FullName, "export");
            using OutboxSegmentSource source = OutboxSegmentSource.Open(box);

            ExportFailedException error = await ExportFailsAsync(source, _box.LoadIdentity(), output);

            Assert.Contains($"segment {tampered}", error.Message, StringComparison.Ordinal);
            Assert.Contains(nameof(VerificationProblem.CiphertextAltered), error.Message, StringComparison.Ordinal);
            AssertNothingLeft(work, output);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_ciphertext_changed_after_the_verification_pass_is_caught_while_decrypting()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-race-");
        try
        {
            string box = _box.CopyBox(work);
            string output = Path.Combine(work.FullName, "export");
            using OutboxSegmentSource inner = OutboxSegmentSource.Open(box);
            using var source = new SwappingSource(inner);

            ExportFailedException error = await ExportFailsAsync(source, _box.LoadIdentity(), output);

            Assert.Contains($"segment {source.Swapped}", error.Message, StringComparison.Ordinal);
            AssertNothingLeft(work, output);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_foreign_identity_fails_decryption_naming_the_first_segment()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-identity-");
        try
        {
            string box = _box.CopyBox(work);
            string output = Path.Combine(work.FullName, "export");
            using OutboxSegmentSource source = OutboxSegmentSource.Open(box);
            using AgeIdentity stranger = AgeIdentity.Generate();

            ExportFailedException error = await ExportFailsAsync(source, [stranger], output);

            Assert.Contains(nameof(VerificationProblem.DecryptionFailed), error.Message, StringComparison.Ordinal);
            Assert.Matches(@"segment [0-9a-f-]{36}/0", error.Message);
            AssertNothingLeft(work, output);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_chain_gap_fails_without_allow_gaps_and_is_listed_in_the_card_with_it()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-gap-");
        try
        {
            string box = _box.CopyBox(work);
            string output = Path.Combine(work.FullName, "export");
            using OutboxSegmentSource inner = OutboxSegmentSource.Open(box);
            using var source = new MissingMiddleSource(inner);

            ExportFailedException error = await ExportFailsAsync(source, _box.LoadIdentity(), output);
            Assert.Contains(nameof(VerificationProblem.SegmentMissing), error.Message, StringComparison.Ordinal);
            Assert.Contains("--allow-gaps", error.Message, StringComparison.Ordinal);
            AssertNothingLeft(work, output);

            ExportResult result = await DatasetExporter.ExportAsync(source, new ExportOptions { OutputDirectory = output, Identities = _box.LoadIdentity(), AllowGaps = true });
            ChainGap gap = Assert.Single(result.Gaps);
            Assert.Equal(source.Removed.SessionId, gap.SessionId);
            string card = File.ReadAllText(Path.Combine(output, "README.md"));
            Assert.Contains($"- {source.Removed.SessionId:D}: ", card, StringComparison.Ordinal);
            Assert.Contains($"segments {source.Removed.SegmentIndex}..{source.Removed.SegmentIndex} are missing", card, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The outbox without one segment in the middle of the longest session (as if it had been deleted).</summary>
    private sealed class MissingMiddleSource(ISegmentSource inner) : ISegmentSource
    {
        public SegmentKey Removed { get; private set; }

        public string Description => inner.Description;

        public IReadOnlyList<SourceDevice> ListDevices()
        {
            SourceDevice device = inner.ListDevices().Single();
            IGrouping<Guid, VerifiableSegment> longest = device.Segments.GroupBy(segment => segment.Key.SessionId).OrderByDescending(session => session.Count()).First();
            Assert.True(longest.Count() >= 3, "the recording needs a session of at least three segments");
            Removed = longest.ElementAt(1).Key;
            return [device with { Segments = [.. device.Segments.Where(segment => segment.Key != Removed)] }];
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Serves the real ciphertext to the verification pass, then an altered copy of one segment to the decryption pass.</summary>
    private sealed class SwappingSource(ISegmentSource inner) : ISegmentSource
    {
        public SegmentKey Swapped { get; private set; }

        public string Description => inner.Description + " (swapped)";

        public IReadOnlyList<SourceDevice> ListDevices()
        {
            SourceDevice device = inner.ListDevices().Single();
            VerifiableSegment target = device.Segments[^1];
            Swapped = target.Key;
            int opened = 0;
            VerifiableSegment swapped = target with
            {
                OpenCiphertext = () =>
                {
                    Stream original = target.OpenCiphertext()!;
                    if (Interlocked.Increment(ref opened) == 1)
                    {
                        return original;
                    }

                    var copy = new MemoryStream();
                    original.CopyTo(copy);
                    original.Dispose();
                    copy.GetBuffer()[copy.Length - 5] ^= 0x01;
                    copy.Position = 0;
                    return copy;
                },
            };
            return [device with { Segments = [.. device.Segments.Take(device.Segments.Count - 1), swapped] }];
        }

        public void Dispose()
        {
        }
    }
}
