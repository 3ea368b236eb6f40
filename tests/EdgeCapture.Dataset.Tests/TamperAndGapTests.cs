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
    public async Task A_ciphertext_that_decrypts_but_is_not_the_signed_one_is_refused_while_decrypting()
    {
        // Anyone can seal to the custodian's public recipient, so age alone accepts a substituted file: only the hash the
        // signed manifest names refuses it. The export reads each ciphertext once, hashing it while it decrypts.
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-swap-");
        try
        {
            string box = _box.CopyBox(work);
            string output = Path.Combine(work.FullName, "export");
            using OutboxSegmentSource inner = OutboxSegmentSource.Open(box);
            using var source = new SubstitutingSource(inner);

            ExportFailedException error = await ExportFailsAsync(source, _box.LoadIdentity(), output);

            Assert.Contains($"segment {source.Substituted}: {nameof(VerificationProblem.CiphertextAltered)}", error.Message, StringComparison.Ordinal);
            AssertNothingLeft(work, output);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Each_ciphertext_is_opened_and_read_once_by_an_export()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-once-");
        try
        {
            string box = _box.CopyBox(work);
            using OutboxSegmentSource inner = OutboxSegmentSource.Open(box);
            using var source = new CountingSource(inner);

            ExportResult result = await DatasetExporter.ExportAsync(source, new ExportOptions { OutputDirectory = Path.Combine(work.FullName, "export"), Identities = _box.LoadIdentity() });

            Assert.Equal(result.Segments, source.Opens.Count);
            Assert.All(source.Opens, opened => Assert.Equal(1, opened.Value));
            Assert.Equal(result.CiphertextBytes, Interlocked.Read(ref source.BytesRead));
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

    /// <summary>Serves the first segment's ciphertext (a valid age file for the custodian) as the last segment's.</summary>
    private sealed class SubstitutingSource(ISegmentSource inner) : ISegmentSource
    {
        public SegmentKey Substituted { get; private set; }

        public string Description => inner.Description + " (substituted)";

        public IReadOnlyList<SourceDevice> ListDevices()
        {
            SourceDevice device = inner.ListDevices().Single();
            VerifiableSegment first = device.Segments[0];
            VerifiableSegment target = device.Segments[^1];
            Assert.NotEqual(first.Key, target.Key);
            Substituted = target.Key;
            return [device with { Segments = [.. device.Segments.Take(device.Segments.Count - 1), target with { OpenCiphertext = first.OpenCiphertext }] }];
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Counts how often each ciphertext is opened and how many bytes are read from all of them.</summary>
    private sealed class CountingSource(ISegmentSource inner) : ISegmentSource
    {
        public long BytesRead;

        public System.Collections.Concurrent.ConcurrentDictionary<SegmentKey, int> Opens { get; } = new();

        public string Description => inner.Description + " (counted)";

        public IReadOnlyList<SourceDevice> ListDevices() =>
            [.. inner.ListDevices().Select(device => device with
            {
                Segments = [.. device.Segments.Select(segment => segment with
                {
                    OpenCiphertext = () =>
                    {
                        Opens.AddOrUpdate(segment.Key, 1, (_, count) => count + 1);
                        Stream? stream = segment.OpenCiphertext();
                        return stream is null ? null : new CountingStream(stream, this);
                    },
                })],
            })];

        public void Dispose()
        {
        }

        private sealed class CountingStream(Stream inner, CountingSource owner) : Stream
        {
            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position
            {
                get => throw new NotSupportedException();
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override int Read(Span<byte> buffer)
            {
                int read = inner.Read(buffer);
                Interlocked.Add(ref owner.BytesRead, read);
                return read;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
