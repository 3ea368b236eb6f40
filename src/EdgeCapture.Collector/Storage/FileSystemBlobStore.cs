using System.Buffers;
using EdgeCapture.Linux;
using System.Security.Cryptography;

namespace EdgeCapture.Collector.Storage;

/// <summary>
/// Stored segments as files: <c>ROOT/ab/abcdef….age</c>, named by the SHA-256 of the ciphertext, each a complete age
/// file that the stock <c>age</c> CLI opens with the custodian's identity. A blob is written under a temporary name,
/// hashed while it is written, fsynced, renamed into place without replacing anything, and its directory fsynced, so a
/// crash leaves either no blob or a complete one. Several collector processes may share the directory.
/// </summary>
public sealed class FileSystemBlobStore : ISegmentBlobStore
{
    /// <summary>File name extension of a stored segment.</summary>
    public const string Extension = ".age";

    private const int CopyBufferLength = 256 * 1024;
    private const UnixFileMode BlobMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    private readonly string _root;
    private readonly string _incoming;

    /// <summary>Opens (creating if needed) a blob store in <paramref name="root"/>.</summary>
    /// <param name="root">The directory holding the blobs.</param>
    public FileSystemBlobStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = Path.GetFullPath(root);
        _incoming = Path.Combine(_root, ".incoming");
        Directory.CreateDirectory(_incoming);
    }

    /// <summary>The directory holding the blobs.</summary>
    public string Root => _root;

    /// <inheritdoc/>
    public bool Exists(ContentAddress address) => File.Exists(Locate(address));

    /// <inheritdoc/>
    public string Locate(ContentAddress address) => Path.Combine(_root, address.Hex[..2], address.Hex + Extension);

    /// <inheritdoc/>
    public BlobPutResult Put(ContentAddress address, long expectedLength, Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        string target = Locate(address);
        if (File.Exists(target))
        {
            return BlobPutResult.AlreadyStored;
        }

        string temporary = Path.Combine(_incoming, Guid.NewGuid().ToString("N") + ".tmp");
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferLength);
        try
        {
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            using (var file = new FileStream(temporary, CreateOptions()))
            {
                long length = 0;
                int read;
                while ((read = content.Read(buffer, 0, CopyBufferLength)) > 0)
                {
                    length += read;
                    if (length > expectedLength)
                    {
                        return BlobPutResult.ContentMismatch;
                    }

                    hash.AppendData(buffer, 0, read);
                    file.Write(buffer, 0, read);
                }

                Span<byte> actual = stackalloc byte[ContentAddress.HashLength];
                hash.GetHashAndReset(actual);
                if (length != expectedLength || !CryptographicOperations.FixedTimeEquals(actual, address.ToHash()))
                {
                    return BlobPutResult.ContentMismatch;
                }

                file.Flush(flushToDisk: true);
            }

            string shard = Path.GetDirectoryName(target)!;
            if (!Directory.Exists(shard))
            {
                Directory.CreateDirectory(shard);
                DirectorySync.Sync(_root);
            }

            try
            {
                File.Move(temporary, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                // Another collector instance stored the same content first: same bytes, same name.
                return BlobPutResult.AlreadyStored;
            }

            DirectorySync.Sync(shard);
            return BlobPutResult.Stored;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            File.Delete(temporary);
        }
    }

    /// <inheritdoc/>
    public Stream? OpenRead(ContentAddress address)
    {
        try
        {
            return new FileStream(Locate(address), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public bool Delete(ContentAddress address)
    {
        string path = Locate(address);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        DirectorySync.Sync(Path.GetDirectoryName(path)!);
        return true;
    }

    /// <summary>Removes temporary files left by writers that died mid-write (call when no writer of this process runs).</summary>
    /// <param name="olderThan">Only files last written before this moment (another instance may still be writing newer ones).</param>
    /// <returns>How many were removed.</returns>
    public int RemoveAbandonedTemporaries(DateTimeOffset olderThan)
    {
        int removed = 0;
        foreach (FileInfo file in new DirectoryInfo(_incoming).EnumerateFiles("*.tmp"))
        {
            if (file.LastWriteTimeUtc < olderThan.UtcDateTime)
            {
                file.Delete();
                removed++;
            }
        }

        return removed;
    }

    private static FileStreamOptions CreateOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = BlobMode;
        }

        return options;
    }
}
