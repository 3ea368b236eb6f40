using Microsoft.Data.Sqlite;

namespace EdgeCapture.Storage;

/// <summary>
/// Read-only, seekable view of one segment's ciphertext through SQLite incremental BLOB I/O, on its own connection and
/// read transaction: memory stays bounded by the caller's buffer, the writer is never blocked, and the stream sees one
/// consistent snapshot even if the segment is acknowledged or forgotten meanwhile.
/// </summary>
internal sealed class CiphertextReadStream : Stream
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SqliteBlob _blob;

    internal CiphertextReadStream(SqliteConnection connection, SqliteTransaction transaction, SqliteBlob blob)
    {
        _connection = connection;
        _transaction = transaction;
        _blob = blob;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _blob.Length;

    public override long Position
    {
        get => _blob.Position;
        set => _blob.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => _blob.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _blob.Read(buffer);

    public override long Seek(long offset, SeekOrigin origin) => _blob.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("The ciphertext of a sealed segment is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The ciphertext of a sealed segment is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _blob.Dispose();
            _transaction.Dispose();
            _connection.Dispose();
        }

        base.Dispose(disposing);
    }
}
