using System.Buffers;
using EdgeCapture.Dataset.Timeline;
using Parquet;
using Parquet.Schema;

namespace EdgeCapture.Dataset.Output;

/// <summary>
/// Buffers event and step rows column by column and writes them as row groups of the <c>events</c> and <c>steps</c>
/// configs when a buffer fills (memory stays bounded by <see cref="EventRowsPerGroup"/> rows and
/// <see cref="StepImageBytesPerGroup"/> image bytes, whatever the session's length).
/// </summary>
internal sealed class HuggingFaceSink : IDatasetSink, IAsyncDisposable
{
    public const int EventRowsPerGroup = 32 * 1024;
    public const long StepImageBytesPerGroup = 4L * 1024 * 1024;
    private const int StepRowsPerGroup = 4096;

    private readonly ParquetShardSet _events;
    private readonly ParquetShardSet _steps;
    private readonly DataField[] _eventFields;
    private readonly DataField[] _stepFields;
    private string _session = string.Empty;

    private readonly List<string?> _eventSession = [];
    private readonly List<long> _time = [];
    private readonly List<long> _wall = [];
    private readonly List<double> _timeStamp = [];
    private readonly List<string?> _action = [];
    private readonly List<int?> _x = [];
    private readonly List<int?> _y = [];
    private readonly List<int?> _dx = [];
    private readonly List<int?> _dy = [];
    private readonly List<string?> _button = [];
    private readonly List<bool?> _pressed = [];
    private readonly List<string?> _key = [];
    private readonly List<int?> _usagePage = [];
    private readonly List<int?> _usageId = [];
    private readonly List<string?> _source = [];
    private readonly List<int?> _correctionX = [];
    private readonly List<int?> _correctionY = [];
    private readonly List<string?> _marker = [];

    private readonly List<StepRow> _stepRows = [];
    private long _stepImageBytes;

    // A buffered step row's images are copies, in arrays reused row group after row group: a few hundred KiB each, they
    // were large objects that died young and raised the GC's large-object budget.
    private readonly ArrayPool<byte> _imagePool = ArrayPool<byte>.Create(MaximumPooledImageBytes, MaximumPooledImagesPerSize);
    private readonly List<byte[]> _rentedImages = [];
    private const int MaximumPooledImageBytes = 4 << 20;
    private const int MaximumPooledImagesPerSize = 256;

    public HuggingFaceSink(string root, long maximumShardBytes = ParquetShardSet.MaximumShardBytes)
    {
        _events = new ParquetShardSet(Path.Combine(root, "data", "events"), DatasetSchema.ToParquet(DatasetSchema.EventColumns), DatasetSchema.FooterJson(DatasetSchema.EventColumns), maximumShardBytes);
        // Steps are mostly JPEG bytes, which do not compress: written uncompressed (events use Snappy).
        _steps = new ParquetShardSet(Path.Combine(root, "data", "steps"), DatasetSchema.ToParquet(DatasetSchema.StepColumns), DatasetSchema.FooterJson(DatasetSchema.StepColumns), maximumShardBytes, CompressionMethod.None);
        _eventFields = _events.Schema.GetDataFields();
        _stepFields = _steps.Schema.GetDataFields();
    }

    public long EventRows => _events.Rows + _time.Count;

    public long StepRows => _steps.Rows + _stepRows.Count;

    public void BeginSession(SessionInfo session) => _session = session.SessionId.ToString("D");

    public void Event(in EventRow row)
    {
        _eventSession.Add(_session);
        _time.Add(row.TimeNanoseconds);
        _wall.Add(row.WallClockNanoseconds);
        _timeStamp.Add(row.WallClockNanoseconds / 1e9);
        _action.Add(row.Action);
        _x.Add(row.X);
        _y.Add(row.Y);
        _dx.Add(row.DeltaX);
        _dy.Add(row.DeltaY);
        _button.Add(row.Button);
        _pressed.Add(row.Pressed);
        _key.Add(row.Key);
        _usagePage.Add(row.UsagePage);
        _usageId.Add(row.UsageId);
        _source.Add(row.CoordinateSource);
        _correctionX.Add(row.CorrectionX);
        _correctionY.Add(row.CorrectionY);
        _marker.Add(row.Marker);
    }

    public void Frame(FrameReference frame)
    {
    }

    public void Step(StepRow step)
    {
        step.Session = _session;

        // Frames are slices of their whole decrypted segment: a buffered row keeps copies of its two images only, so
        // the row group holds its images and not every segment they came from.
        step.FrameBefore = Detached(step.FrameBefore);
        step.FrameAfter = Detached(step.FrameAfter);
        _stepRows.Add(step);
        _stepImageBytes += (step.FrameBefore?.Jpeg.Length ?? 0) + (step.FrameAfter?.Jpeg.Length ?? 0);
    }

    public void EndSession(SessionSummary summary)
    {
    }

    private FrameReference? Detached(FrameReference? frame)
    {
        if (frame is null)
        {
            return null;
        }

        ReadOnlySpan<byte> jpeg = frame.Jpeg.Span;
        byte[] copy = _imagePool.Rent(jpeg.Length);
        _rentedImages.Add(copy);
        jpeg.CopyTo(copy);
        return new FrameReference(frame.TimeNanoseconds, frame.Width, frame.Height, copy.AsMemory(0, jpeg.Length));
    }

    private void ClearSteps()
    {
        _stepRows.Clear();
        _stepImageBytes = 0;
        foreach (byte[] image in _rentedImages)
        {
            _imagePool.Return(image);
        }

        _rentedImages.Clear();
    }

    /// <summary>Writes full buffers (all of them with <paramref name="force"/>).</summary>
    public async ValueTask FlushAsync(bool force, CancellationToken cancellationToken)
    {
        if (_time.Count >= EventRowsPerGroup || (force && _time.Count > 0))
        {
            await _events.WriteRowGroupAsync(_time.Count, WriteEventColumnsAsync, cancellationToken).ConfigureAwait(false);
            ClearEvents();
        }

        if (_stepRows.Count >= StepRowsPerGroup || _stepImageBytes >= StepImageBytesPerGroup || (force && _stepRows.Count > 0))
        {
            await _steps.WriteRowGroupAsync(_stepRows.Count, WriteStepColumnsAsync, cancellationToken).ConfigureAwait(false);
            ClearSteps();
        }
    }

    /// <summary>Flushes everything and gives the shards their final names.</summary>
    public async ValueTask<(IReadOnlyList<string> Events, IReadOnlyList<string> Steps)> CompleteAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(force: true, cancellationToken).ConfigureAwait(false);
        if (_events.Rows == 0)
        {
            await WriteEmptyGroupAsync(_events, _eventFields, cancellationToken).ConfigureAwait(false);
        }

        if (_steps.Rows == 0)
        {
            await WriteEmptyGroupAsync(_steps, _stepFields, cancellationToken).ConfigureAwait(false);
        }

        return (await _events.CompleteAsync().ConfigureAwait(false), await _steps.CompleteAsync().ConfigureAwait(false));
    }

    public async ValueTask DisposeAsync()
    {
        await _events.DisposeAsync().ConfigureAwait(false);
        await _steps.DisposeAsync().ConfigureAwait(false);
    }

    private static async ValueTask WriteEmptyGroupAsync(ParquetShardSet set, DataField[] fields, CancellationToken cancellationToken)
    {
        // An export with no rows still gets one (empty) shard, so the config loads as an empty split.
        await set.WriteRowGroupAsync(1, async group =>
        {
            foreach (DataField field in fields)
            {
                await WriteEmptyAsync(group, field).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private static ValueTask WriteEmptyAsync(ParquetRowGroupWriter group, DataField field) => field.ClrType switch
    {
        _ when field.ClrType == typeof(long) => WriteAsync(group, field, Array.Empty<long>()),
        _ when field.ClrType == typeof(double) && !field.IsNullable => WriteAsync(group, field, Array.Empty<double>()),
        _ when field.ClrType == typeof(string) => new ValueTask(group.WriteAsync(field, Array.Empty<string>())),
        _ when field.ClrType == typeof(byte[]) => new ValueTask(group.WriteAsync(field, Array.Empty<byte[]>())),
        _ when field.ClrType == typeof(int) => WriteNullableAsync(group, field, Array.Empty<int?>()),
        _ when field.ClrType == typeof(bool) => WriteNullableAsync(group, field, Array.Empty<bool?>()),
        _ => WriteNullableAsync(group, field, Array.Empty<double?>()),
    };

    private async ValueTask WriteEventColumnsAsync(ParquetRowGroupWriter group)
    {
        DataField[] f = _eventFields;
        await group.WriteAsync(f[0], _eventSession).ConfigureAwait(false);
        await WriteAsync(group, f[1], _time.ToArray()).ConfigureAwait(false);
        await WriteAsync(group, f[2], _wall.ToArray()).ConfigureAwait(false);
        await WriteAsync(group, f[3], _timeStamp.ToArray()).ConfigureAwait(false);
        await group.WriteAsync(f[4], _action).ConfigureAwait(false);
        await WriteNullableAsync(group, f[5], _x.ToArray()).ConfigureAwait(false);
        await WriteNullableAsync(group, f[6], _y.ToArray()).ConfigureAwait(false);
        await WriteNullableAsync(group, f[7], _dx.ToArray()).ConfigureAwait(false);
        await WriteNullableAsync(group, f[8], _dy.ToArray()).ConfigureAwait(false);
        await group.WriteAsync(f[9], _button).ConfigureAwait(false);
        await WriteNullableAsync(group, f[10], _pressed.ToArray()).ConfigureAwait(false);
        await group.WriteAsync(f[11], _key).ConfigureAwait(false);
        await WriteNullableAsync(group, f[12], _usagePage.ToArray()).ConfigureAwait(false);
        await WriteNullableAsync(group, f[13], _usageId.ToArray()).ConfigureAwait(false);
        await group.WriteAsync(f[14], _source).ConfigureAwait(false);
        await WriteNullableAsync(group, f[15], _correctionX.ToArray()).ConfigureAwait(false);
        await WriteNullableAsync(group, f[16], _correctionY.ToArray()).ConfigureAwait(false);
        await group.WriteAsync(f[17], _marker).ConfigureAwait(false);
    }

    private async ValueTask WriteStepColumnsAsync(ParquetRowGroupWriter group)
    {
        DataField[] f = _stepFields;
        List<StepRow> rows = _stepRows;
        await group.WriteAsync(f[0], rows.Select(step => (string?)step.Session).ToArray()!).ConfigureAwait(false);
        await WriteNullableAsync(group, f[1], rows.Select(step => (int?)step.Index).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(f[2], rows.Select(step => step.Action).ToArray()).ConfigureAwait(false);
        await WriteAsync(group, f[3], rows.Select(step => step.StartNanoseconds).ToArray()).ConfigureAwait(false);
        await WriteAsync(group, f[4], rows.Select(step => step.EndNanoseconds).ToArray()).ConfigureAwait(false);
        await WriteAsync(group, f[5], rows.Select(step => step.StartWallClockNanoseconds / 1e9).ToArray()).ConfigureAwait(false);
        await WriteNullableAsync(group, f[6], rows.Select(step => step.X).ToArray()).ConfigureAwait(false);
        await WriteNullableAsync(group, f[7], rows.Select(step => step.Y).ToArray()).ConfigureAwait(false);
        await WriteNullableAsync(group, f[8], rows.Select(step => step.EndX).ToArray()).ConfigureAwait(false);
        await WriteNullableAsync(group, f[9], rows.Select(step => step.EndY).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(f[10], rows.Select(step => step.Text).ToArray()!).ConfigureAwait(false);
        await group.WriteAsync(f[11], rows.Select(step => step.Keys).ToArray()!).ConfigureAwait(false);
        await WriteNullableAsync(group, f[12], rows.Select(step => step.Amount).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(f[13], rows.Select(step => step.Button).ToArray()!).ConfigureAwait(false);
        await group.WriteAsync(f[14], rows.Select(step => step.Code).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(f[15], rows.Select(step => step.CoordinateSource).ToArray()!).ConfigureAwait(false);
        await WriteImageBytesAsync(group, f[16], rows.Select(step => step.FrameBefore)).ConfigureAwait(false);
        await group.WriteAsync(f[17], rows.Select(step => step.FrameBefore is null ? null : ImagePath(step.Session, step.FrameBefore)).ToArray()!).ConfigureAwait(false);
        await WriteImageBytesAsync(group, f[18], rows.Select(step => step.FrameAfter)).ConfigureAwait(false);
        await group.WriteAsync(f[19], rows.Select(step => step.FrameAfter is null ? null : ImagePath(step.Session, step.FrameAfter)).ToArray()!).ConfigureAwait(false);
    }

    /// <summary>The Image struct's path: where the raw folder keeps the same frame, relative to <c>OUT/raw</c>.</summary>
    internal static string ImagePath(string session, FrameReference frame) => $"{session}/frames/{frame.FileName}";

    /// <summary>The sealed JPEGs as they are: Parquet.Net reads them where they lie (no copy per image).</summary>
    private static ValueTask WriteImageBytesAsync(ParquetRowGroupWriter group, DataField field, IEnumerable<FrameReference?> frames)
    {
        ReadOnlyMemory<byte>?[] images = [.. frames.Select(frame => frame is null ? (ReadOnlyMemory<byte>?)null : frame.Jpeg)];
        return new(group.WriteAsync<ReadOnlyMemory<byte>>(field, images.AsMemory()));
    }

    private static ValueTask WriteAsync<T>(ParquetRowGroupWriter group, DataField field, T[] values)
        where T : struct => new(group.WriteAsync<T>(field, values.AsMemory()));

    private static ValueTask WriteNullableAsync<T>(ParquetRowGroupWriter group, DataField field, T?[] values)
        where T : struct => new(group.WriteAsync<T>(field, values.AsMemory()));

    private void ClearEvents()
    {
        _eventSession.Clear();
        _time.Clear();
        _wall.Clear();
        _timeStamp.Clear();
        _action.Clear();
        _x.Clear();
        _y.Clear();
        _dx.Clear();
        _dy.Clear();
        _button.Clear();
        _pressed.Clear();
        _key.Clear();
        _usagePage.Clear();
        _usageId.Clear();
        _source.Clear();
        _correctionX.Clear();
        _correctionY.Clear();
        _marker.Clear();
    }
}
