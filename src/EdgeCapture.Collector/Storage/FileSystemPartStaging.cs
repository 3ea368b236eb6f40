using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using EdgeCapture.Protocol;
using Microsoft.Win32.SafeHandles;

namespace EdgeCapture.Collector.Storage;

/// <summary>
/// Staged parts as files in a directory all collector instances share:
/// <c>ROOT/DEVICE/SESSION-INDEX/LENGTH-PARTSIZE/ciphertext</c> holds the parts at their offsets, and an empty marker
/// <c>PART-SHA256.part</c> next to it says a part was written completely (created only after its bytes). Parts are not
/// fsynced: they are a cache the box can always refill, and every assembly is checked against the signed hash, each part
/// against its own hash when that fails.
/// </summary>
public sealed class FileSystemPartStaging : IPartStaging
{
    private const string CiphertextFileName = "ciphertext";
    private const string MarkerExtension = ".part";
    private const string MismatchFileName = "mismatches";
    private const int ReadBufferLength = 256 * 1024;
    private readonly string _root;
    private readonly long _quotaBytes;
    private long _stagedBytes;

    /// <summary>Opens (creating if needed) staging in <paramref name="root"/>.</summary>
    /// <param name="root">The shared staging directory.</param>
    /// <param name="quotaBytes">Most bytes staged at once.</param>
    public FileSystemPartStaging(string root, long quotaBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quotaBytes);
        _root = Path.GetFullPath(root);
        _quotaBytes = quotaBytes;
        Directory.CreateDirectory(_root);
        ListSegments();
    }

    /// <inheritdoc/>
    public long StagedBytes => Interlocked.Read(ref _stagedBytes);

    /// <inheritdoc/>
    public PartStageResult Stage(StagedSegmentId segment, PartLayout layout, int partIndex, ReadOnlySpan<byte> partSha256, ReadOnlySpan<byte> data)
    {
        string directory = LayoutDirectory(segment, layout);
        string marker = Path.Combine(directory, MarkerName(partIndex, partSha256));
        if (File.Exists(marker))
        {
            return PartStageResult.AlreadyStaged;
        }

        if (StagedBytes + data.Length > _quotaBytes)
        {
            return PartStageResult.OverQuota;
        }

        Directory.CreateDirectory(directory);
        foreach (string stale in Directory.EnumerateFiles(directory, PartPrefix(partIndex) + "*" + MarkerExtension))
        {
            // A different copy of the same part replaces the old one; the marker goes first so nothing vouches for half-written bytes.
            File.Delete(stale);
        }

        using (SafeFileHandle handle = File.OpenHandle(Path.Combine(directory, CiphertextFileName), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            RandomAccess.Write(handle, data, layout.OffsetOf(partIndex));
        }

        File.Create(marker, 1, FileOptions.None).Dispose();
        Interlocked.Add(ref _stagedBytes, data.Length);
        return PartStageResult.Staged;
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> StagedParts(StagedSegmentId segment, PartLayout layout) =>
        [.. ReadMarkers(LayoutDirectory(segment, layout)).Select(marker => marker.Index).Where(index => index < layout.PartCount).Distinct().Order()];

    /// <inheritdoc/>
    public Stream? OpenCiphertext(StagedSegmentId segment, PartLayout layout)
    {
        try
        {
            var stream = new FileStream(Path.Combine(LayoutDirectory(segment, layout), CiphertextFileName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            return stream.Length == layout.CiphertextLength ? stream : DisposeAndReturnNull(stream);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> RemoveDamagedParts(StagedSegmentId segment, PartLayout layout)
    {
        string directory = LayoutDirectory(segment, layout);
        var removed = new List<int>();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadBufferLength);
        try
        {
            using SafeFileHandle? handle = File.Exists(Path.Combine(directory, CiphertextFileName))
                ? File.OpenHandle(Path.Combine(directory, CiphertextFileName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete)
                : null;
            foreach ((int index, ContentAddress hash, string path) in ReadMarkers(directory))
            {
                if (handle is null || index >= layout.PartCount || !PartMatches(handle, layout, index, hash, buffer))
                {
                    File.Delete(path);
                    removed.Add(index);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return [.. removed.Order()];
    }

    /// <inheritdoc/>
    public int MismatchCount(StagedSegmentId segment)
    {
        string path = Path.Combine(SegmentDirectory(segment), MismatchFileName);
        return File.Exists(path) && int.TryParse(File.ReadAllText(path), NumberStyles.None, CultureInfo.InvariantCulture, out int count) ? count : 0;
    }

    /// <inheritdoc/>
    public int RecordMismatch(StagedSegmentId segment)
    {
        string directory = SegmentDirectory(segment);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, MismatchFileName);
        int count = MismatchCount(segment) + 1;
        File.WriteAllText(path, count.ToString(CultureInfo.InvariantCulture));
        foreach (string layoutDirectory in Directory.EnumerateDirectories(directory))
        {
            Directory.Delete(layoutDirectory, recursive: true);
        }

        return count;
    }

    /// <inheritdoc/>
    public void Remove(StagedSegmentId segment)
    {
        string directory = SegmentDirectory(segment);
        if (!Directory.Exists(directory))
        {
            return;
        }

        long bytes = CountBytes(new DirectoryInfo(directory));
        try
        {
            Directory.Delete(directory, recursive: true);
            Interlocked.Add(ref _stagedBytes, -bytes);
        }
        catch (DirectoryNotFoundException)
        {
            // Another instance finished the same segment at the same moment.
        }
        catch (IOException)
        {
            // A late part arrived while deleting: the sweeper removes what is left.
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<StagedSegmentSummary> ListSegments()
    {
        var summaries = new List<StagedSegmentSummary>();
        long total = 0;
        foreach (DirectoryInfo device in new DirectoryInfo(_root).EnumerateDirectories())
        {
            if (!DeviceDirectoryName.TryParse(device.Name, out string deviceId))
            {
                continue;
            }

            foreach (DirectoryInfo segmentDirectory in device.EnumerateDirectories())
            {
                if (!TryParseSegmentDirectory(segmentDirectory.Name, out SegmentReference reference))
                {
                    continue;
                }

                int parts = 0;
                long bytes = 0;
                DateTime lastWrite = segmentDirectory.LastWriteTimeUtc;
                foreach (FileInfo file in segmentDirectory.EnumerateFiles("*", SearchOption.AllDirectories))
                {
                    bytes += file.Length;
                    parts += file.Name.EndsWith(MarkerExtension, StringComparison.Ordinal) ? 1 : 0;
                    lastWrite = file.LastWriteTimeUtc > lastWrite ? file.LastWriteTimeUtc : lastWrite;
                }

                total += bytes;
                summaries.Add(new StagedSegmentSummary(new StagedSegmentId(deviceId, reference), parts, bytes, new DateTimeOffset(lastWrite, TimeSpan.Zero)));
            }
        }

        Interlocked.Exchange(ref _stagedBytes, total);
        return summaries;
    }

    private static Stream? DisposeAndReturnNull(Stream stream)
    {
        stream.Dispose();
        return null;
    }

    private static bool PartMatches(SafeFileHandle handle, PartLayout layout, int index, ContentAddress hash, byte[] buffer)
    {
        using var incremental = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = layout.OffsetOf(index);
        long remaining = layout.LengthOf(index);
        while (remaining > 0)
        {
            int read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, remaining)), offset);
            if (read == 0)
            {
                return false;
            }

            incremental.AppendData(buffer, 0, read);
            offset += read;
            remaining -= read;
        }

        return CryptographicOperations.FixedTimeEquals(incremental.GetHashAndReset(), hash.ToHash());
    }

    private static long CountBytes(DirectoryInfo directory) =>
        directory.EnumerateFiles("*", SearchOption.AllDirectories).Sum(file => file.Length);

    private string SegmentDirectory(StagedSegmentId segment) =>
        Path.Combine(_root, DeviceDirectoryName.For(segment.DeviceId), string.Create(CultureInfo.InvariantCulture, $"{segment.Segment.SessionId:D}-{segment.Segment.SegmentIndex}"));

    private string LayoutDirectory(StagedSegmentId segment, PartLayout layout) =>
        Path.Combine(SegmentDirectory(segment), string.Create(CultureInfo.InvariantCulture, $"{layout.CiphertextLength}-{layout.PartSize}"));

    private static string PartPrefix(int partIndex) => partIndex.ToString("D7", CultureInfo.InvariantCulture) + "-";

    private static string MarkerName(int partIndex, ReadOnlySpan<byte> sha256) => PartPrefix(partIndex) + Convert.ToHexStringLower(sha256) + MarkerExtension;

    private static List<(int Index, ContentAddress Hash, string Path)> ReadMarkers(string directory)
    {
        var markers = new List<(int, ContentAddress, string)>();
        if (!Directory.Exists(directory))
        {
            return markers;
        }

        try
        {
            foreach (string path in Directory.EnumerateFiles(directory, "*" + MarkerExtension))
            {
                string[] fields = Path.GetFileNameWithoutExtension(path).Split('-');
                if (fields.Length == 2
                    && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                    && ContentAddress.TryParse(fields[1], out ContentAddress hash))
                {
                    markers.Add((index, hash, path));
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Finished by another instance while listing.
        }

        return markers;
    }

    private static bool TryParseSegmentDirectory(string name, out SegmentReference reference)
    {
        reference = default;
        int dash = name.LastIndexOf('-');
        if (dash != 36 || !Guid.TryParseExact(name[..dash], "D", out Guid session)
            || !int.TryParse(name[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return false;
        }

        reference = new SegmentReference(session, index);
        return true;
    }
}
