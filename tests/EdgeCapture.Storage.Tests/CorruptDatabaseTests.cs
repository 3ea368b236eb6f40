using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Storage.Tests;

public sealed class CorruptDatabaseTests : IDisposable
{
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void File_of_random_bytes_is_moved_aside()
    {
        byte[] garbage = new byte[64 * 1024];
        new Random(1).NextBytes(garbage);
        File.WriteAllBytes(_directory.DatabasePath, garbage);

        CorruptDatabaseRecovery recovery = OpenExpectingRecovery(CorruptionReason.NotADatabase);

        Assert.Equal(garbage, File.ReadAllBytes(recovery.MovedAsidePath));
    }

    [Fact]
    public void Zero_length_file_is_moved_aside()
    {
        File.WriteAllBytes(_directory.DatabasePath, []);

        OpenExpectingRecovery(CorruptionReason.EmptyFile);
    }

    [Fact]
    public void File_shorter_than_a_sqlite_header_is_moved_aside()
    {
        File.WriteAllBytes(_directory.DatabasePath, "SQLite format 3\0"u8.ToArray());

        OpenExpectingRecovery(CorruptionReason.NotADatabase);
    }

    [Fact]
    public void Truncated_outbox_is_moved_aside()
    {
        CreatePopulatedOutbox();
        long length = new FileInfo(_directory.DatabasePath).Length;
        using (var file = new FileStream(_directory.DatabasePath, FileMode.Open))
        {
            file.SetLength(length / 2);
        }

        OpenExpectingRecovery(CorruptionReason.Malformed, CorruptionReason.IntegrityCheckFailed);
    }

    [Fact]
    public void Outbox_with_damaged_pages_fails_the_integrity_check_and_is_moved_aside()
    {
        CreatePopulatedOutbox();
        int pageSize = 4096;
        using (var file = new FileStream(_directory.DatabasePath, FileMode.Open))
        {
            // Overwrite pages 2..4 (b-tree roots of the first tables) with a pattern; the header page stays valid.
            byte[] damage = new byte[3 * pageSize];
            Array.Fill(damage, (byte)0xA5);
            file.Position = pageSize;
            file.Write(damage);
        }

        OpenExpectingRecovery(CorruptionReason.Malformed, CorruptionReason.IntegrityCheckFailed);
    }

    [Fact]
    public void Garbage_write_ahead_log_moves_the_whole_set_aside()
    {
        CreatePopulatedOutbox();
        byte[] garbage = new byte[8192];
        new Random(2).NextBytes(garbage);
        File.WriteAllBytes(_directory.DatabasePath + "-wal", garbage);

        CorruptDatabaseRecovery recovery = OpenExpectingRecovery(CorruptionReason.GarbageWriteAheadLog);

        Assert.Equal(garbage, File.ReadAllBytes(recovery.MovedAsidePath + "-wal"));
        Assert.True(File.Exists(recovery.MovedAsidePath));
    }

    [Fact]
    public void Schema_version_from_the_future_is_moved_aside()
    {
        CreatePopulatedOutbox();
        ExecuteRaw(_directory.DatabasePath, "PRAGMA user_version = 99;");

        CorruptDatabaseRecovery recovery = OpenExpectingRecovery(CorruptionReason.NewerSchemaVersion);

        Assert.Contains("99", recovery.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Foreign_sqlite_database_is_moved_aside()
    {
        ExecuteRaw(_directory.DatabasePath, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'x');");

        OpenExpectingRecovery(CorruptionReason.UnknownSchema);
    }

    [Fact]
    public void Outbox_missing_a_table_is_moved_aside()
    {
        CreatePopulatedOutbox();
        ExecuteRaw(_directory.DatabasePath, "DROP TABLE retraction_segments;");

        CorruptDatabaseRecovery recovery = OpenExpectingRecovery(CorruptionReason.UnknownSchema);

        Assert.Contains("retraction_segments", recovery.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ahead_log_without_its_database_is_moved_aside()
    {
        byte[] wal = new byte[4096];
        new Random(3).NextBytes(wal);
        File.WriteAllBytes(_directory.DatabasePath + "-wal", wal);

        CorruptDatabaseRecovery recovery = OpenExpectingRecovery(CorruptionReason.OrphanedWriteAheadLog);

        Assert.Equal(wal, File.ReadAllBytes(recovery.MovedAsidePath + "-wal"));
    }

    [Fact]
    public void Write_ahead_log_cut_mid_frame_is_normal_crash_recovery_not_corruption()
    {
        // Snapshot the files of an open outbox (as a kill would leave them), then cut the last WAL frame short.
        var session = Guid.NewGuid();
        SealedSegmentRecord first = Segments.Create(new SegmentKey(session, 0), ciphertextLength: 10_000);
        SealedSegmentRecord second = Segments.Create(new SegmentKey(session, 1), ciphertextLength: 10_000);
        using var copy = new OutboxDirectory();
        using (SegmentOutbox outbox = _directory.Open())
        {
            outbox.AppendSealedSegment(first);
            outbox.AppendSealedSegment(second);
            File.Copy(_directory.DatabasePath, copy.DatabasePath);
            File.Copy(_directory.DatabasePath + "-wal", copy.DatabasePath + "-wal");
        }

        using (var wal = new FileStream(copy.DatabasePath + "-wal", FileMode.Open))
        {
            wal.SetLength(wal.Length - 100);
        }

        using SegmentOutbox reopened = copy.Open();

        Assert.Null(reopened.StartupRecovery);
        Assert.Equal(first.Ciphertext.ToArray(), Segments.ReadCiphertext(reopened, first.Key));
        Assert.Null(reopened.GetSegment(second.Key));
        Assert.Equal(0, reopened.GetChainHead(session)!.LastSegmentIndex);
        Assert.Equal(first.Ciphertext.Length + first.Manifest.Length, reopened.StoredBytes);
    }

    [Fact]
    public void All_zero_write_ahead_log_header_is_accepted()
    {
        CreatePopulatedOutbox();
        File.WriteAllBytes(_directory.DatabasePath + "-wal", new byte[4096]);

        using SegmentOutbox outbox = _directory.Open();

        Assert.Null(outbox.StartupRecovery);
        Assert.Equal(4, outbox.GetPendingUploads(10).Count);
    }

    [Fact]
    public void Leftover_of_an_interrupted_creation_is_cleaned_up_silently()
    {
        File.WriteAllBytes(_directory.DatabasePath + ".creating", [1, 2, 3]);
        File.WriteAllBytes(_directory.DatabasePath + ".creating-wal", [4, 5, 6]);

        using (SegmentOutbox outbox = _directory.Open())
        {
            Assert.Null(outbox.StartupRecovery);
        }

        Assert.Equal(["outbox.db", "outbox.db.lock"], _directory.Files());
    }

    [Fact]
    public void Full_integrity_check_also_accepts_a_healthy_outbox()
    {
        CreatePopulatedOutbox();

        using SegmentOutbox outbox = _directory.Open(new OutboxOptions { StartupCheck = OutboxStartupCheck.Full });

        Assert.Null(outbox.StartupRecovery);
        Assert.Equal(4, outbox.GetPendingUploads(10).Count);
    }

    [Fact]
    public void Schema_only_check_accepts_a_healthy_outbox_and_still_refuses_a_foreign_database()
    {
        CreatePopulatedOutbox();
        using (SegmentOutbox outbox = _directory.Open(new OutboxOptions { StartupCheck = OutboxStartupCheck.SchemaOnly }))
        {
            Assert.Null(outbox.StartupRecovery);
            Assert.Equal(4, outbox.GetAllSegments().Count);
        }

        File.Delete(_directory.DatabasePath);
        ExecuteRaw(_directory.DatabasePath, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);");
        using SegmentOutbox foreign = _directory.Open(new OutboxOptions { StartupCheck = OutboxStartupCheck.SchemaOnly });
        Assert.Equal(CorruptionReason.UnknownSchema, foreign.StartupRecovery?.Reason);
    }

    [Fact]
    public void Schema_only_check_scans_no_page_so_a_damaged_page_is_left_to_the_reader_and_the_file_stays_in_place()
    {
        // The custodian's export opens a copy this way: it proves every segment it uses itself (signature, chain,
        // ciphertext hash), and the copy is its evidence, so it is neither scanned nor moved aside. The same damage makes
        // the box's own open (quick_check) move the file aside.
        CreatePopulatedOutbox();
        using (var file = new FileStream(_directory.DatabasePath, FileMode.Open))
        {
            byte[] damage = new byte[3 * 4096];
            Array.Fill(damage, (byte)0xA5);
            file.Position = 4096;
            file.Write(damage);
        }

        using (SegmentOutbox outbox = _directory.Open(new OutboxOptions { StartupCheck = OutboxStartupCheck.SchemaOnly }))
        {
            Assert.Null(outbox.StartupRecovery);
        }

        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(_directory.DatabasePath)!, "*.corrupt-*"));
        OpenExpectingRecovery(CorruptionReason.Malformed, CorruptionReason.IntegrityCheckFailed);
    }

    [Fact]
    public void Only_the_newest_corrupt_copies_are_kept()
    {
        var names = new List<string>();
        for (int round = 0; round < 4; round++)
        {
            File.WriteAllBytes(_directory.DatabasePath, [(byte)round, 1, 2, 3]);
            _directory.Time.Advance(TimeSpan.FromSeconds(1));
            using SegmentOutbox outbox = _directory.Open(new OutboxOptions { MaximumCorruptCopies = 2 });
            names.Add(Path.GetFileName(outbox.StartupRecovery!.MovedAsidePath));
            outbox.Dispose();
            File.Delete(_directory.DatabasePath);
        }

        Assert.Equal(names.TakeLast(2), _directory.Files().Where(name => name.Contains(".corrupt-", StringComparison.Ordinal)));
    }

    private CorruptDatabaseRecovery OpenExpectingRecovery(params CorruptionReason[] acceptable)
    {
        CorruptDatabaseRecovery recovery;
        var key = new SegmentKey(Guid.NewGuid(), 0);
        SealedSegmentRecord record = Segments.Create(key);
        using (SegmentOutbox outbox = _directory.Open())
        {
            recovery = outbox.StartupRecovery ?? throw new Xunit.Sdk.XunitException("the unusable database was not reported");
            Assert.Contains(recovery.Reason, acceptable);
            Assert.False(string.IsNullOrWhiteSpace(recovery.Detail));
            Assert.Equal(_directory.Time.GetUtcNow(), recovery.DetectedUtc);
            Assert.StartsWith(_directory.DatabasePath + ".corrupt-", recovery.MovedAsidePath, StringComparison.Ordinal);
            Assert.True(File.Exists(recovery.MovedAsidePath) || File.Exists(recovery.MovedAsidePath + "-wal"));
            Assert.Contains(_directory.Logger.Entries, entry => entry.Level == LogLevel.Error && entry.EventId.Id == 4001
                && entry.Message.Contains(recovery.MovedAsidePath, StringComparison.Ordinal));

            // The fresh outbox works.
            Assert.Equal(0, outbox.StoredBytes);
            Assert.Equal(AppendResult.Stored, outbox.AppendSealedSegment(record));
        }

        // And it is healthy on the next start: no crash loop, no second recovery.
        using SegmentOutbox reopened = _directory.Open();
        Assert.Null(reopened.StartupRecovery);
        Assert.Equal(record.Ciphertext.ToArray(), Segments.ReadCiphertext(reopened, key));
        return recovery;
    }

    private void CreatePopulatedOutbox()
    {
        using SegmentOutbox outbox = _directory.Open();
        var session = Guid.NewGuid();
        for (int index = 0; index < 4; index++)
        {
            outbox.AppendSealedSegment(Segments.Create(new SegmentKey(session, index), ciphertextLength: 30_000));
        }
    }

    private static void ExecuteRaw(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
