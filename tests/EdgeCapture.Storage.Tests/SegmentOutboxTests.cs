using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage.Tests;

public sealed class SegmentOutboxTests : IDisposable
{
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Appended_segment_reads_back_with_metadata_manifest_and_ciphertext()
    {
        using SegmentOutbox outbox = _directory.Open();
        var key = new SegmentKey(Guid.NewGuid(), 0);
        SealedSegmentRecord record = Segments.Create(key, ciphertextLength: 70_000);

        Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(record));

        OutboxSegment stored = Assert.Single(outbox.GetPendingUploads(10));
        Assert.Equal(key, stored.Key);
        Assert.Equal(UploadState.Pending, stored.State);
        Assert.Equal(record.MonotonicStartNanoseconds, stored.MonotonicStartNanoseconds);
        Assert.Equal(record.MonotonicEndNanoseconds, stored.MonotonicEndNanoseconds);
        Assert.Equal(record.WallClockStartUtc, stored.WallClockStartUtc);
        Assert.Equal(record.WallClockEndUtc, stored.WallClockEndUtc);
        Assert.Equal(record.Ciphertext.Length, stored.CiphertextLength);
        Assert.Equal(record.Manifest.ToArray(), stored.Manifest.ToArray());
        Assert.Equal(record.CiphertextSha256.ToArray(), stored.CiphertextSha256.ToArray());
        Assert.Equal(record.ManifestSha256.ToArray(), stored.ManifestSha256.ToArray());
        Assert.Equal(_directory.Time.GetUtcNow(), stored.CreatedUtc);
        Assert.Equal(record.Ciphertext.ToArray(), Segments.ReadCiphertext(outbox, key));
        Assert.Equal(record.Ciphertext.Length + record.Manifest.Length, outbox.StoredBytes);
        Assert.Null(outbox.StartupRecovery);
    }

    [Fact]
    public void Ciphertext_stream_reads_in_chunks_and_seeks()
    {
        using SegmentOutbox outbox = _directory.Open();
        var key = new SegmentKey(Guid.NewGuid(), 0);
        SealedSegmentRecord record = Segments.Create(key, ciphertextLength: 3 * 1024 * 1024 + 17);
        outbox.AppendSealedSegment(record);

        Assert.True(outbox.TryOpenCiphertext(key, out Stream? stream));
        using (stream)
        {
            Assert.False(stream.CanWrite);
            Assert.Equal(record.Ciphertext.Length, stream.Length);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] chunk = new byte[64 * 1024];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                hash.AppendData(chunk, 0, read);
            }

            Assert.Equal(record.CiphertextSha256.ToArray(), hash.GetHashAndReset());
            stream.Position = 1_000_000;
            Assert.Equal(1, stream.Read(chunk, 0, 1));
            Assert.Equal(record.Ciphertext.Span[1_000_000], chunk[0]);
        }
    }

    [Fact]
    public void Upload_states_move_forward_and_acknowledgement_deletes_the_ciphertext()
    {
        using SegmentOutbox outbox = _directory.Open();
        var key = new SegmentKey(Guid.NewGuid(), 0);
        SealedSegmentRecord record = Segments.Create(key);
        outbox.AppendSealedSegment(record);

        Assert.True(outbox.MarkUploading(key));
        Assert.Empty(outbox.GetPendingUploads(10));
        Assert.Equal(UploadState.Uploading, outbox.GetSegment(key)!.State);
        Assert.True(outbox.MarkUploaded(key));
        Assert.False(outbox.MarkUploading(key));
        Assert.Equal(UploadState.Uploaded, outbox.GetSegment(key)!.State);
        Assert.Equal(record.Ciphertext.ToArray(), Segments.ReadCiphertext(outbox, key));

        Assert.True(outbox.MarkAcknowledged(key));

        OutboxSegment tombstone = outbox.GetSegment(key)!;
        Assert.Equal(UploadState.Acknowledged, tombstone.State);
        Assert.True(tombstone.Manifest.IsEmpty);
        Assert.False(outbox.TryOpenCiphertext(key, out _));
        Assert.Equal(0, outbox.StoredBytes);
        Assert.False(outbox.MarkAcknowledged(key));
        Assert.False(outbox.ReturnToPending(key));
    }

    [Fact]
    public void Failed_upload_returns_to_pending()
    {
        using SegmentOutbox outbox = _directory.Open();
        var key = new SegmentKey(Guid.NewGuid(), 0);
        outbox.AppendSealedSegment(Segments.Create(key));
        outbox.MarkUploading(key);

        Assert.True(outbox.ReturnToPending(key));

        Assert.Equal(key, Assert.Single(outbox.GetPendingUploads(10)).Key);
    }

    [Fact]
    public void Marks_on_an_unknown_segment_return_false()
    {
        using SegmentOutbox outbox = _directory.Open();
        var key = new SegmentKey(Guid.NewGuid(), 4);

        Assert.False(outbox.MarkUploading(key));
        Assert.False(outbox.MarkUploaded(key));
        Assert.False(outbox.MarkAcknowledged(key));
        Assert.Null(outbox.GetSegment(key));
        Assert.False(outbox.TryOpenCiphertext(key, out _));
    }

    [Fact]
    public void Pending_uploads_come_oldest_first_and_respect_the_limit()
    {
        using SegmentOutbox outbox = _directory.Open();
        var session = Guid.NewGuid();
        for (int index = 0; index < 5; index++)
        {
            outbox.AppendSealedSegment(Segments.Create(new SegmentKey(session, index)));
        }

        Assert.Equal([0, 1, 2], outbox.GetPendingUploads(3).Select(segment => segment.Key.SegmentIndex));
        Assert.Empty(outbox.GetPendingUploads(0));
    }

    [Fact]
    public void Reopening_after_dispose_sees_everything_appended_and_requeues_interrupted_uploads()
    {
        var session = Guid.NewGuid();
        var records = Enumerable.Range(0, 6).Select(index => Segments.Create(new SegmentKey(session, index), ciphertextLength: 5000 + index)).ToList();
        using (SegmentOutbox outbox = _directory.Open())
        {
            records.ForEach(record => outbox.AppendSealedSegment(record));
            outbox.MarkUploading(records[0].Key);
            outbox.MarkUploaded(records[1].Key);
        }

        using SegmentOutbox reopened = _directory.Open();

        Assert.Null(reopened.StartupRecovery);
        Assert.Equal(records.Sum(record => (long)record.Ciphertext.Length + record.Manifest.Length), reopened.StoredBytes);
        Assert.Equal(UploadState.Pending, reopened.GetSegment(records[0].Key)!.State);
        // Uploaded is "sent, never confirmed": pending again too, or it would be stranded.
        Assert.Equal(UploadState.Pending, reopened.GetSegment(records[1].Key)!.State);
        foreach (SealedSegmentRecord record in records)
        {
            Assert.Equal(record.Ciphertext.ToArray(), Segments.ReadCiphertext(reopened, record.Key));
        }

        Assert.Contains(_directory.Logger.Entries, entry => entry.Message.Contains("pending again", StringComparison.Ordinal));
    }

    [Fact]
    public void Identical_retry_is_already_stored_and_different_content_is_rejected()
    {
        using SegmentOutbox outbox = _directory.Open();
        var key = new SegmentKey(Guid.NewGuid(), 0);
        SealedSegmentRecord record = Segments.Create(key);
        outbox.AppendSealedSegment(record);

        Assert.Equal(AppendResult.AlreadyStored, outbox.AppendSealedSegment(record));
        ArgumentException conflict = Assert.Throws<ArgumentException>(() => outbox.AppendSealedSegment(Segments.Create(key)));
        Assert.Contains("different content", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(record.Ciphertext.Length + record.Manifest.Length, outbox.StoredBytes);
    }

    [Fact]
    public void Segment_index_must_follow_the_session_chain()
    {
        using SegmentOutbox outbox = _directory.Open();
        var session = Guid.NewGuid();
        outbox.AppendSealedSegment(Segments.Create(new SegmentKey(session, 0)));

        ArgumentException gap = Assert.Throws<ArgumentException>(() => outbox.AppendSealedSegment(Segments.Create(new SegmentKey(session, 2))));

        Assert.Contains("does not follow", gap.Message, StringComparison.Ordinal);
        Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(Segments.Create(new SegmentKey(session, 1))));
    }

    [Fact]
    public void Invalid_records_are_rejected_with_a_clear_error_and_store_nothing()
    {
        using SegmentOutbox outbox = _directory.Open();
        SealedSegmentRecord valid = Segments.Create(new SegmentKey(Guid.NewGuid(), 0));
        byte[] wrongHash = valid.CiphertextSha256.ToArray();
        wrongHash[0] ^= 1;

        SealedSegmentRecord[] invalid =
        [
            Copy(valid, ciphertextSha256: wrongHash),
            Copy(valid, manifestSha256: new byte[16]),
            Copy(valid, key: new SegmentKey(Guid.Empty, 0)),
            Copy(valid, key: new SegmentKey(Guid.NewGuid(), -1)),
            Copy(valid, wallEnd: valid.WallClockStartUtc.AddTicks(-1)),
            Copy(valid, monotonicEnd: valid.MonotonicStartNanoseconds - 1),
            Copy(valid, ciphertext: ReadOnlyMemory<byte>.Empty, ciphertextSha256: SHA256.HashData([])),
        ];

        foreach (SealedSegmentRecord record in invalid)
        {
            ArgumentException error = Assert.Throws<ArgumentException>(() => outbox.AppendSealedSegment(record));
            Assert.Equal("segment", error.ParamName);
        }

        Assert.Empty(outbox.GetPendingUploads(10));
        Assert.Equal(0, outbox.StoredBytes);
    }

    [Fact]
    public void Chain_heads_follow_the_last_appended_segment_and_survive_acknowledgement_and_reopen()
    {
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        SealedSegmentRecord lastOfFirst;
        SealedSegmentRecord lastOfSecond;
        using (SegmentOutbox outbox = _directory.Open())
        {
            Assert.Null(outbox.GetLatestChainHead());
            outbox.AppendSealedSegment(Segments.Create(new SegmentKey(first, 0)));
            lastOfFirst = Segments.Create(new SegmentKey(first, 1));
            outbox.AppendSealedSegment(lastOfFirst);
            _directory.Time.Advance(TimeSpan.FromSeconds(1));
            lastOfSecond = Segments.Create(new SegmentKey(second, 0));
            outbox.AppendSealedSegment(lastOfSecond);
            outbox.MarkAcknowledged(lastOfSecond.Key);
        }

        using SegmentOutbox reopened = _directory.Open();

        SessionChainHead head = reopened.GetChainHead(first)!;
        Assert.Equal(1, head.LastSegmentIndex);
        Assert.Equal(lastOfFirst.ManifestSha256.ToArray(), head.LastManifestSha256.ToArray());
        SessionChainHead latest = reopened.GetLatestChainHead()!;
        Assert.Equal(second, latest.SessionId);
        Assert.Equal(lastOfSecond.ManifestSha256.ToArray(), latest.LastManifestSha256.ToArray());
        Assert.Null(reopened.GetChainHead(Guid.NewGuid()));
    }

    [Fact]
    public void Acknowledged_tombstones_are_pruned_after_the_retention()
    {
        using SegmentOutbox outbox = _directory.Open(new OutboxOptions { AcknowledgedRetention = TimeSpan.FromMinutes(10) });
        var session = Guid.NewGuid();
        var old = new SegmentKey(session, 0);
        var recent = new SegmentKey(session, 1);
        outbox.AppendSealedSegment(Segments.Create(old));
        outbox.AppendSealedSegment(Segments.Create(recent));
        outbox.MarkAcknowledged(old);
        _directory.Time.Advance(TimeSpan.FromMinutes(11));

        outbox.MarkAcknowledged(recent);

        Assert.Null(outbox.GetSegment(old));
        Assert.Equal(UploadState.Acknowledged, outbox.GetSegment(recent)!.State);
    }

    [Fact]
    public void Fresh_database_has_the_settings_the_readme_promises()
    {
        using (SegmentOutbox outbox = _directory.Open())
        {
            outbox.AppendSealedSegment(Segments.Create(new SegmentKey(Guid.NewGuid(), 0)));
            using var connection = new SqliteConnection($"Data Source={outbox.DatabasePath};Pooling=False");
            connection.Open();
            Assert.Equal("wal", Pragma(connection, "journal_mode"));
            Assert.Equal("2", Pragma(connection, "auto_vacuum"));
            Assert.Equal(SegmentOutbox.CurrentSchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Pragma(connection, "user_version"));
            Assert.Equal(0x45434F42L, long.Parse(Pragma(connection, "application_id"), System.Globalization.CultureInfo.InvariantCulture)); // "ECOB"
        }

        Assert.Equal(["outbox.db", "outbox.db.lock"], _directory.Files());
    }

    [Fact]
    public async Task Appends_and_uploader_reads_from_two_threads_lose_nothing()
    {
        using SegmentOutbox outbox = _directory.Open();
        var session = Guid.NewGuid();
        const int Count = 60;
        var records = Enumerable.Range(0, Count).Select(index => Segments.Create(new SegmentKey(session, index), ciphertextLength: 20_000)).ToArray();
        var acknowledged = new HashSet<SegmentKey>();

        var recorder = Task.Run(() =>
        {
            foreach (SealedSegmentRecord record in records)
            {
                Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(record));
            }
        });
        var uploader = Task.Run(() =>
        {
            while (acknowledged.Count < Count)
            {
                foreach (OutboxSegment pending in outbox.GetPendingUploads(8))
                {
                    Assert.True(outbox.MarkUploading(pending.Key));
                    byte[] ciphertext = Segments.ReadCiphertext(outbox, pending.Key);
                    Assert.Equal(pending.CiphertextSha256.ToArray(), SHA256.HashData(ciphertext));
                    Assert.True(outbox.MarkUploaded(pending.Key));
                    Assert.True(outbox.MarkAcknowledged(pending.Key));
                    acknowledged.Add(pending.Key);
                }

                if (recorder.IsFaulted)
                {
                    return;
                }
            }
        });

        await Task.WhenAll(recorder, uploader);

        Assert.Equal(records.Select(record => record.Key).ToHashSet(), acknowledged);
        Assert.Equal(0, outbox.StoredBytes);
        Assert.Equal(Count, outbox.GetStatistics().AcknowledgedTombstones);
    }

    [Fact]
    public void A_second_open_of_the_same_outbox_is_refused_until_the_first_is_disposed()
    {
        SegmentOutbox first = _directory.Open();
        first.AppendSealedSegment(Segments.Create(new SegmentKey(Guid.NewGuid(), 0)));

        IOException refused = Assert.Throws<IOException>(() => _directory.Open());

        Assert.Contains("already open", refused.Message, StringComparison.Ordinal);
        Assert.Single(first.GetPendingUploads(10));
        first.Dispose();
        using SegmentOutbox second = _directory.Open();
        Assert.Single(second.GetPendingUploads(10));
    }

    [Fact]
    public void Operations_after_dispose_throw()
    {
        SegmentOutbox outbox = _directory.Open();
        outbox.Dispose();
        outbox.Dispose();

        Assert.Throws<ObjectDisposedException>(() => outbox.GetPendingUploads(1));
        Assert.Throws<ObjectDisposedException>(() => outbox.AppendSealedSegment(Segments.Create(new SegmentKey(Guid.NewGuid(), 0))));
    }

    private static string Pragma(SqliteConnection connection, string name)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private static SealedSegmentRecord Copy(SealedSegmentRecord source, SegmentKey? key = null, ReadOnlyMemory<byte>? ciphertext = null,
        ReadOnlyMemory<byte>? ciphertextSha256 = null, ReadOnlyMemory<byte>? manifestSha256 = null, DateTimeOffset? wallEnd = null, long? monotonicEnd = null) =>
        new()
        {
            Key = key ?? source.Key,
            MonotonicStartNanoseconds = source.MonotonicStartNanoseconds,
            MonotonicEndNanoseconds = monotonicEnd ?? source.MonotonicEndNanoseconds,
            WallClockStartUtc = source.WallClockStartUtc,
            WallClockEndUtc = wallEnd ?? source.WallClockEndUtc,
            Ciphertext = ciphertext ?? source.Ciphertext,
            Manifest = source.Manifest,
            CiphertextSha256 = ciphertextSha256 ?? source.CiphertextSha256,
            ManifestSha256 = manifestSha256 ?? source.ManifestSha256,
        };
}
