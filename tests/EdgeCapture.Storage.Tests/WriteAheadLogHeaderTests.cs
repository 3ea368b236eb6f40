namespace EdgeCapture.Storage.Tests;

public sealed class WriteAheadLogHeaderTests : IDisposable
{
    private readonly OutboxDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Header_written_by_sqlite_is_accepted_and_any_flipped_bit_is_not()
    {
        byte[] header = RealHeader();
        Assert.Null(WriteAheadLogHeader.Describe(header));

        for (int bit = 0; bit < WriteAheadLogHeader.HeaderLength * 8; bit++)
        {
            byte[] damaged = (byte[])header.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            // Bytes 8..23 (page size, checkpoint sequence, salts) are covered by the checksum, so every flip is detected.
            Assert.NotNull(WriteAheadLogHeader.Describe(damaged));
        }
    }

    [Fact]
    public void Empty_short_and_all_zero_headers_are_accepted_as_what_a_crash_leaves()
    {
        Assert.Null(WriteAheadLogHeader.Describe([]));
        Assert.Null(WriteAheadLogHeader.Describe(new byte[10]));
        Assert.Null(WriteAheadLogHeader.Describe(new byte[WriteAheadLogHeader.HeaderLength]));
    }

    [Fact]
    public void Unknown_magic_is_described()
    {
        byte[] header = RealHeader();
        header[0] = 0x12;

        Assert.Contains("magic", WriteAheadLogHeader.Describe(header), StringComparison.Ordinal);
    }

    private byte[] RealHeader()
    {
        using SegmentOutbox outbox = _directory.Open();
        outbox.AppendSealedSegment(Segments.Create(new SegmentKey(Guid.NewGuid(), 0)));
        using var wal = new FileStream(_directory.DatabasePath + "-wal", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        byte[] header = new byte[WriteAheadLogHeader.HeaderLength];
        wal.ReadExactly(header);
        return header;
    }
}
