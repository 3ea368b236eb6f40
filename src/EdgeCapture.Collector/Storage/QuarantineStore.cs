using System.Buffers;
using EdgeCapture.Linux;

namespace EdgeCapture.Collector.Storage;

/// <summary>
/// Evidence of what was quarantined (the message, or the ciphertext a device committed that did not match its signed
/// manifest), kept apart from the good store in <c>ROOT/quarantine</c> and bounded by a quota: once full, entries are
/// still recorded in the index, without their bytes. Quarantined bytes are never served as stored segments.
/// </summary>
public sealed class QuarantineStore
{
    private const int CopyBufferLength = 256 * 1024;
    private readonly string _root;
    private readonly long _quotaBytes;
    private readonly Lock _lock = new();
    private long _usedBytes;

    /// <summary>Opens (creating if needed) the quarantine directory.</summary>
    /// <param name="root">The directory.</param>
    /// <param name="quotaBytes">Most evidence bytes kept.</param>
    public QuarantineStore(string root, long quotaBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = Path.GetFullPath(root);
        _quotaBytes = quotaBytes;
        Directory.CreateDirectory(_root);
        _usedBytes = new DirectoryInfo(_root).EnumerateFiles().Sum(file => file.Length);
    }

    /// <summary>Evidence bytes kept.</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    /// <summary>Keeps <paramref name="data"/> as evidence, or returns null when the quota does not allow it.</summary>
    /// <param name="reason">Short reason, part of the file name.</param>
    /// <param name="data">The bytes.</param>
    /// <returns>The evidence path or null.</returns>
    public string? Keep(string reason, ReadOnlySpan<byte> data)
    {
        if (!Reserve(data.Length))
        {
            return null;
        }

        string path = NewPath(reason);
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(data);
            file.Flush(flushToDisk: true);
        }

        DirectorySync.Sync(_root);
        return path;
    }

    /// <summary>Keeps a stream's contents as evidence, or returns null when the quota does not allow its length.</summary>
    /// <param name="reason">Short reason, part of the file name.</param>
    /// <param name="content">A readable stream of known length.</param>
    /// <returns>The evidence path or null.</returns>
    public string? Keep(string reason, Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!Reserve(content.Length))
        {
            return null;
        }

        string path = NewPath(reason);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferLength);
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            int read;
            while ((read = content.Read(buffer, 0, CopyBufferLength)) > 0)
            {
                file.Write(buffer, 0, read);
            }

            file.Flush(flushToDisk: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        DirectorySync.Sync(_root);
        return path;
    }

    private bool Reserve(long length)
    {
        lock (_lock)
        {
            if (_usedBytes + length > _quotaBytes)
            {
                return false;
            }

            _usedBytes += length;
            return true;
        }
    }

    private string NewPath(string reason)
    {
        string safeReason = new([.. reason.Where(character => char.IsAsciiLetterOrDigit(character) || character == '-').Take(40)]);
        return Path.Combine(_root, $"{DateTimeOffset.UtcNow:yyyyMMddTHHmmssfffZ}-{safeReason}-{Guid.NewGuid():N}.bin");
    }
}
