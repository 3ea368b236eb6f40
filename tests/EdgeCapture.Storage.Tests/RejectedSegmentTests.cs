using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage.Tests;

/// <summary><see cref="UploadState.Rejected"/>: kept with its reason, never offered again, counted, and reached by a schema migration.</summary>
public sealed class RejectedSegmentTests : IDisposable
{
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Rejected_segment_is_kept_with_its_reason_and_never_offered_for_upload_again()
    {
        var session = Guid.NewGuid();
        var rejected = new SegmentKey(session, 0);
        var other = new SegmentKey(session, 1);
        SealedSegmentRecord record = Segments.Create(rejected);
        using (SegmentOutbox outbox = _directory.Open())
        {
#pragma warning disable CA1859 // The test drives the transport's seam, not the concrete outbox.
            IUploadBacklog backlog = outbox;
#pragma warning restore CA1859
            outbox.AppendSealedSegment(record);
            outbox.AppendSealedSegment(Segments.Create(other));
            Assert.True(backlog.MarkUploading(rejected));

            Assert.True(backlog.MarkRejected(rejected, "manifest signature does not verify"));
            Assert.True(backlog.MarkRejected(rejected, "manifest signature does not verify"));

            OutboxSegment stored = backlog.GetSegment(rejected)!;
            Assert.Equal(UploadState.Rejected, stored.State);
            Assert.Equal("manifest signature does not verify", stored.RejectionReason);
            Assert.Equal([other], backlog.GetPendingUploads(10).Select(segment => segment.Key));
            Assert.False(backlog.ReturnToPending(rejected));
            Assert.False(backlog.MarkUploading(rejected));
            Assert.False(backlog.MarkUploaded(rejected));
            Assert.False(backlog.MarkAcknowledged(rejected));
            Assert.Equal(record.Ciphertext.ToArray(), Segments.ReadCiphertext(outbox, rejected));
            Assert.Equal(1, outbox.GetStatistics().RejectedSegments);
            Assert.Equal(1, outbox.GetStatistics().PendingSegments);
            Assert.Null(backlog.GetSegment(other)!.RejectionReason);
        }

        // A restart requeues interrupted uploads, never a rejected segment; the bytes it holds still count against the quota.
        using (SegmentOutbox reopened = _directory.Open())
        {
            Assert.Equal(UploadState.Rejected, reopened.GetSegment(rejected)!.State);
            Assert.Equal([other], reopened.GetPendingUploads(10).Select(segment => segment.Key));
            Assert.Equal(2 * (record.Ciphertext.Length + record.Manifest.Length), reopened.StoredBytes);
            Assert.Equal(1, reopened.GetStatistics().RejectedSegments);
        }
    }

    [Fact]
    public void Acknowledged_or_unknown_segments_cannot_be_rejected_and_a_reason_is_required()
    {
        using SegmentOutbox outbox = _directory.Open();
        var key = new SegmentKey(Guid.NewGuid(), 0);
        outbox.AppendSealedSegment(Segments.Create(key));

        Assert.Throws<ArgumentException>(() => outbox.MarkRejected(key, "  "));
        Assert.Throws<ArgumentException>(() => outbox.MarkRejected(key, new string('x', SegmentOutbox.MaximumRejectionReasonLength + 1)));
        Assert.False(outbox.MarkRejected(new SegmentKey(Guid.NewGuid(), 0), "unknown"));
        Assert.True(outbox.MarkAcknowledged(key));
        Assert.False(outbox.MarkRejected(key, "too late"));
        Assert.Equal(UploadState.Acknowledged, outbox.GetSegment(key)!.State);
    }

    [Fact]
    public void Forget_deletes_a_rejected_segment_and_asks_for_a_retraction()
    {
        using SegmentOutbox outbox = _directory.Open();
        var key = new SegmentKey(Guid.NewGuid(), 0);
        SealedSegmentRecord record = Segments.Create(key);
        outbox.AppendSealedSegment(record);
        outbox.MarkRejected(key, "refused");

        ForgetResult result = outbox.ForgetWindow(record.WallClockStartUtc, record.WallClockEndUtc);

        Assert.Equal([key], result.RequireRetraction);
        Assert.Null(outbox.GetSegment(key));
        Assert.Equal(0, outbox.StoredBytes);
    }

    [Fact]
    public void Version_1_database_migrates_keeping_segments_payloads_and_states()
    {
        var key = new SegmentKey(Guid.NewGuid(), 0);
        SealedSegmentRecord record = Segments.Create(key, ciphertextLength: 5000);
        WriteVersion1Database(_directory.DatabasePath, record, state: 2);

        using SegmentOutbox outbox = _directory.Open();

        Assert.Null(outbox.StartupRecovery);
        OutboxSegment migrated = outbox.GetSegment(key)!;
        // Migrated as Uploaded (state 2), then requeued by the reopen like every sent-but-unconfirmed segment.
        Assert.Equal(UploadState.Pending, migrated.State);
        Assert.Equal(record.Manifest.ToArray(), migrated.Manifest.ToArray());
        Assert.Equal(record.Ciphertext.ToArray(), Segments.ReadCiphertext(outbox, key));
        Assert.True(outbox.MarkRejected(key, "after migration"));
        Assert.Equal(UploadState.Rejected, outbox.GetSegment(key)!.State);
        using var connection = new SqliteConnection($"Data Source={outbox.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using SqliteCommand version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)SegmentOutbox.CurrentSchemaVersion, (long)version.ExecuteScalar()!);
    }

    [Fact]
    public void Every_upload_state_is_admitted_by_the_schema()
    {
        using (SegmentOutbox outbox = _directory.Open())
        {
            outbox.AppendSealedSegment(Segments.Create(new SegmentKey(Guid.NewGuid(), 0)));
        }

        using var connection = new SqliteConnection($"Data Source={_directory.DatabasePath};Pooling=False");
        connection.Open();
        foreach (UploadState state in Enum.GetValues<UploadState>())
        {
            using SqliteCommand update = connection.CreateCommand();
            update.CommandText = "UPDATE segments SET state = $state, rejection_reason = $reason;";
            update.Parameters.AddWithValue("$state", (int)state);
            update.Parameters.AddWithValue("$reason", state == UploadState.Rejected ? "reason" : DBNull.Value);
            Assert.Equal(1, update.ExecuteNonQuery());
        }
    }

    /// <summary>Writes a database exactly as schema version 1 (the first shipped outbox) laid it out.</summary>
    private static void WriteVersion1Database(string path, SealedSegmentRecord record, int state)
    {
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA auto_vacuum = INCREMENTAL;
                PRAGMA journal_mode = WAL;
                PRAGMA application_id = 1162039106;
                CREATE TABLE segments (
                    id INTEGER PRIMARY KEY, session_id TEXT NOT NULL, segment_index INTEGER NOT NULL CHECK (segment_index >= 0),
                    monotonic_start_ns INTEGER NOT NULL, monotonic_end_ns INTEGER NOT NULL,
                    wall_start_utc_ticks INTEGER NOT NULL, wall_end_utc_ticks INTEGER NOT NULL,
                    ciphertext_length INTEGER NOT NULL CHECK (ciphertext_length >= 0), manifest_length INTEGER NOT NULL CHECK (manifest_length >= 0),
                    ciphertext_sha256 BLOB NOT NULL CHECK (length(ciphertext_sha256) = 32), manifest_sha256 BLOB NOT NULL CHECK (length(manifest_sha256) = 32),
                    state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3), created_utc_ticks INTEGER NOT NULL, state_changed_utc_ticks INTEGER NOT NULL,
                    UNIQUE (session_id, segment_index)) STRICT;
                CREATE INDEX segments_by_state ON segments (state, id);
                CREATE INDEX segments_by_wall_start ON segments (wall_start_utc_ticks);
                CREATE TABLE segment_payloads (segment_id INTEGER PRIMARY KEY REFERENCES segments (id) ON DELETE CASCADE, manifest BLOB NOT NULL, ciphertext BLOB NOT NULL) STRICT;
                CREATE TABLE forgotten_segments (session_id TEXT NOT NULL, segment_index INTEGER NOT NULL, wall_start_utc_ticks INTEGER NOT NULL,
                    wall_end_utc_ticks INTEGER NOT NULL, state_when_forgotten INTEGER NOT NULL, forgotten_utc_ticks INTEGER NOT NULL,
                    PRIMARY KEY (session_id, segment_index)) STRICT;
                CREATE TABLE retractions (id INTEGER PRIMARY KEY, document BLOB NOT NULL, created_utc_ticks INTEGER NOT NULL) STRICT;
                CREATE TABLE retraction_segments (retraction_id INTEGER NOT NULL REFERENCES retractions (id) ON DELETE CASCADE, session_id TEXT NOT NULL,
                    segment_index INTEGER NOT NULL, PRIMARY KEY (retraction_id, session_id, segment_index)) STRICT;
                CREATE TABLE session_chains (session_id TEXT PRIMARY KEY, last_segment_index INTEGER NOT NULL,
                    last_manifest_sha256 BLOB NOT NULL CHECK (length(last_manifest_sha256) = 32), updated_utc_ticks INTEGER NOT NULL) STRICT;
                PRAGMA user_version = 1;
                INSERT INTO segments VALUES (1, $session, $index, $monotonicStart, $monotonicEnd, $wallStart, $wallEnd, $ciphertextLength,
                    $manifestLength, $ciphertextSha256, $manifestSha256, $state, 0, 0);
                INSERT INTO segment_payloads VALUES (1, $manifest, $ciphertext);
                INSERT INTO session_chains VALUES ($session, $index, $manifestSha256, 0);
                """;
            command.Parameters.AddWithValue("$session", record.Key.SessionId.ToString("D"));
            command.Parameters.AddWithValue("$index", record.Key.SegmentIndex);
            command.Parameters.AddWithValue("$monotonicStart", record.MonotonicStartNanoseconds);
            command.Parameters.AddWithValue("$monotonicEnd", record.MonotonicEndNanoseconds);
            command.Parameters.AddWithValue("$wallStart", record.WallClockStartUtc.UtcTicks);
            command.Parameters.AddWithValue("$wallEnd", record.WallClockEndUtc.UtcTicks);
            command.Parameters.AddWithValue("$ciphertextLength", (long)record.Ciphertext.Length);
            command.Parameters.AddWithValue("$manifestLength", (long)record.Manifest.Length);
            command.Parameters.AddWithValue("$ciphertextSha256", record.CiphertextSha256.ToArray());
            command.Parameters.AddWithValue("$manifestSha256", record.ManifestSha256.ToArray());
            command.Parameters.AddWithValue("$state", state);
            command.Parameters.AddWithValue("$manifest", record.Manifest.ToArray());
            command.Parameters.AddWithValue("$ciphertext", record.Ciphertext.ToArray());
            command.ExecuteNonQuery();
        }
    }
}
