using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace EdgeCapture.Dataset.Output;

/// <summary>
/// Writes one config's rows as Hugging Face shards, <c>data/{config}/train-0000k-of-0000n.parquet</c>: a new row group
/// each time the caller flushes, a new shard after <see cref="MaximumShardBytes"/>; shards are written under a
/// provisional name and take their final <c>-of-n</c> name in <see cref="CompleteAsync"/>, when n is known. Every
/// shard's footer carries the <c>huggingface</c> key with the config's features.
/// </summary>
internal sealed class ParquetShardSet : IAsyncDisposable
{
    private readonly string _directory;
    private readonly ParquetSchema _schema;
    private readonly string _featuresJson;
    private readonly long _maximumShardBytes;
    private readonly List<string> _shards = [];
    private readonly CompressionMethod _compression;
    private FileStream? _stream;
    private ParquetWriter? _writer;

    public ParquetShardSet(string directory, ParquetSchema schema, string featuresJson, long maximumShardBytes, CompressionMethod compression = CompressionMethod.Snappy)
    {
        _compression = compression;
        _directory = directory;
        _schema = schema;
        _featuresJson = featuresJson;
        _maximumShardBytes = maximumShardBytes;
        Directory.CreateDirectory(directory);
    }

    /// <summary>Default upper bound of one shard file (Hugging Face recommends shards of a few hundred MB).</summary>
    public const long MaximumShardBytes = 512L * 1024 * 1024;

    public ParquetSchema Schema => _schema;

    public long Rows { get; private set; }

    public IReadOnlyList<string> ShardFiles => _shards;

    /// <summary>Writes one row group; <paramref name="writeColumns"/> writes every column in schema order.</summary>
    public async ValueTask WriteRowGroupAsync(int rowCount, Func<ParquetRowGroupWriter, ValueTask> writeColumns, CancellationToken cancellationToken)
    {
        if (rowCount == 0)
        {
            return;
        }

        if (_writer is null)
        {
            string path = Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"train-{_shards.Count:00000}.parquet.partial"));
            _shards.Add(path);
            _stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
            _writer = await ParquetWriter.CreateAsync(_schema, _stream, new ParquetOptions
            {
                CompressionMethod = _compression,

                // Parquet.Net keeps freed column buffers in a process-wide pool (64 MiB + 16 MiB by default): one step row
                // group's image column is enough to reuse, so the pool does not add its own 80 MiB to the export's memory.
                MaximumLargePoolFreeBytes = 24 * 1024 * 1024,
                MaximumSmallPoolFreeBytes = 4 * 1024 * 1024,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
            _writer.CustomMetadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["huggingface"] = _featuresJson };
        }

        using (ParquetRowGroupWriter group = _writer.CreateRowGroup())
        {
            await writeColumns(group).ConfigureAwait(false);
            group.CompleteValidate();
        }

        Rows += rowCount;
        if (_stream!.Length >= _maximumShardBytes)
        {
            await CloseShardAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the last shard and renames every shard to its final <c>train-0000k-of-0000n.parquet</c> name.</summary>
    /// <returns>The final paths.</returns>
    public async ValueTask<IReadOnlyList<string>> CompleteAsync()
    {
        await CloseShardAsync().ConfigureAwait(false);
        var final = new List<string>(_shards.Count);
        for (int index = 0; index < _shards.Count; index++)
        {
            string path = Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"train-{index:00000}-of-{_shards.Count:00000}.parquet"));
            File.Move(_shards[index], path);
            final.Add(path);
        }

        _shards.Clear();
        _shards.AddRange(final);
        return final;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseShardAsync().ConfigureAwait(false);
    }

    private async ValueTask CloseShardAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
        }

        if (_stream is not null)
        {
            await _stream.FlushAsync().ConfigureAwait(false);
            _stream.Flush(flushToDisk: true);
            await _stream.DisposeAsync().ConfigureAwait(false);
            _stream = null;
        }
    }
}
