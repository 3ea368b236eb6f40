using System.Text.Json;
using EdgeCapture.Dataset.Export;
using EdgeCapture.Dataset.Sources;
using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Hid;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// A session recorded with the simulated gadget in absolute pointer mode (the relay integrates the motion on the captured
/// screen and sends positions; the recorder seals each as a pointer position record): the exported coordinates are the
/// sealed positions, say <c>absolute</c> in Parquet and in the raw JSONL, and carry no frame correction.
/// </summary>
public sealed class AbsolutePointerExportTests : IClassFixture<AbsolutePointerBox>
{
    private readonly RecordedBox _box;

    public AbsolutePointerExportTests(AbsolutePointerBox box) => _box = box.Box;

    [Fact]
    public async Task Exported_pointer_rows_carry_the_positions_the_recorder_sealed_and_say_absolute()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-absolute-");
        using var cleanup = new DirectoryCleanup(work);
        string box = _box.CopyBox(work);
        string output = Path.Combine(work.FullName, "export");
        ExportResult result;
        using (OutboxSegmentSource source = OutboxSegmentSource.Open(box))
        {
            result = await DatasetExporter.ExportAsync(source, new ExportOptions { OutputDirectory = output, Identities = _box.LoadIdentity(), Format = ExportFormat.Both });
        }

        List<(SegmentKey Key, SegmentContents Contents)> sealedSegments = RecordedBox.Sealed(box, _box.LoadIdentity());
        PointerPositionRecord[] positions = [.. sealedSegments.SelectMany(segment => segment.Contents.Records.OfType<PointerPositionRecord>())];
        Assert.True(positions.Length > 20, $"only {positions.Length} pointer positions sealed: the simulated gadget did not run the absolute pointer mode");
        Assert.All(positions, position => Assert.True(position.X is >= 0 and < 1920 && position.Y is >= 0 and < 1080, $"position {position} is off the 1920x1080 screen"));

        List<PointerRow> expected = [.. sealedSegments
            .GroupBy(segment => segment.Contents.Header.SessionId)
            .OrderBy(session => session.Min(segment => segment.Contents.Header.WallClockAnchorUnixNanoseconds))
            .SelectMany(session => ExpectedPointerRows(session.OrderBy(segment => segment.Key.SegmentIndex).Select(segment => segment.Contents)))];
        Assert.True(expected.Count(row => row.Source == CoordinateSource.Absolute && row.Action == "click") >= 2, "the script pressed no button after moving: " + string.Join("; ", expected.Where(row => row.Action != "move")));

        // Parquet, read by hyparquet.
        List<JsonElement> events = [.. ParquetReadBack.Read(output, "events").EnumerateArray()];
        List<PointerRow> parquet = [.. events
            .Where(row => row.GetProperty("action").GetString() is "move" or "click" or "scroll")
            .Select(row => ToPointerRow(row, "t_ns", "action", "x", "y", "coordinate_source"))];
        Assert.Equal(expected, parquet);
        Assert.All(
            events.Where(row => row.GetProperty("coordinate_source").ValueKind == JsonValueKind.String && row.GetProperty("coordinate_source").GetString() == CoordinateSource.Absolute),
            row => Assert.Equal(JsonValueKind.Null, row.GetProperty("correction_dx").ValueKind));

        // The raw folders' events.jsonl, session by session in the same order.
        var jsonl = new List<PointerRow>();
        foreach (SessionSummary session in result.Sessions)
        {
            foreach (string line in File.ReadLines(Path.Combine(output, "raw", session.SessionId.ToString("D"), "events.jsonl")))
            {
                using JsonDocument entry = JsonDocument.Parse(line);
                if (entry.RootElement.GetProperty("action").GetString() is "move" or "click" or "scroll")
                {
                    jsonl.Add(ToPointerRow(entry.RootElement, "t_ns", "action", "x", "y", "coordinate_source"));
                    Assert.False(entry.RootElement.TryGetProperty("correction_dx", out _) && entry.RootElement.GetProperty("coordinate_source").GetString() == CoordinateSource.Absolute, line);
                }
            }
        }

        Assert.Equal(expected, jsonl);

        // Steps: a click's coordinates are its press's sealed position, normalised.
        var presses = expected.Where(row => row.Action == "click").GroupBy(row => row.Time).ToDictionary(group => group.Key, group => group.First());
        List<JsonElement> clicks = [.. ParquetReadBack.Read(output, "steps").EnumerateArray()
            .Where(row => row.GetProperty("action").GetString() is "click" or "rightClick" && row.GetProperty("coordinate_source").GetString() == CoordinateSource.Absolute)];
        Assert.NotEmpty(clicks);
        foreach (JsonElement click in clicks)
        {
            PointerRow press = presses[click.GetProperty("t_start_ns").GetInt64()];
            Assert.Equal(Math.Round(press.X!.Value / 1920.0, 4), click.GetProperty("x").GetDouble(), 6);
            Assert.Equal(Math.Round(press.Y!.Value / 1080.0, 4), click.GetProperty("y").GetDouble(), 6);
        }

        // The card names the sources present, and gives the estimate's accuracy only when some position is estimated.
        string card = File.ReadAllText(Path.Combine(output, "README.md"));
        int absolute = expected.Count(row => row.Source == CoordinateSource.Absolute);
        long absoluteRecords = result.Sessions.Sum(session => session.AbsolutePointerRecords);
        long estimatedRecords = result.Sessions.Sum(session => session.EstimatedPointerRecords);
        Assert.True(absoluteRecords > 0 && absoluteRecords <= absolute, $"{absoluteRecords} absolute mouse records for {absolute} absolute rows");
        Assert.Contains($"In this export: `absolute` for {absoluteRecords} and `estimated` for {estimatedRecords} of {absoluteRecords + estimatedRecords} mouse records.", card, StringComparison.Ordinal);
        Assert.Equal(estimatedRecords > 0, card.Contains(PointerAccuracy.Summary, StringComparison.Ordinal));
        Assert.Contains("exact, so no frame correction is applied to them", card, StringComparison.Ordinal);
    }

    /// <summary>
    /// The rows the export must give for what was sealed: in each session, from the first pointer position on (until a
    /// dropped-events marker), pointer rows are absolute at the last sealed position; before it they are estimated.
    /// </summary>
    private static IEnumerable<PointerRow> ExpectedPointerRows(IEnumerable<SegmentContents> session)
    {
        (int X, int Y)? position = null;
        MouseButtons buttons = MouseButtons.None;
        foreach (SegmentContents contents in session)
        {
            IReadOnlyList<SegmentRecord> records = contents.Records;
            for (int index = 0; index < records.Count; index++)
            {
                switch (records[index])
                {
                    case MouseRecord mouse:
                        if (index + 1 < records.Count && records[index + 1] is PointerPositionRecord next && next.MonotonicNanoseconds == mouse.MonotonicNanoseconds)
                        {
                            position = (next.X, next.Y);
                            index++;
                        }

                        PointerRow Row(string action) => position is { } at
                            ? new PointerRow(mouse.MonotonicNanoseconds, action, CoordinateSource.Absolute, at.X, at.Y)
                            : new PointerRow(mouse.MonotonicNanoseconds, action, CoordinateSource.Estimated, null, null);
                        if (mouse.DeltaX != 0 || mouse.DeltaY != 0)
                        {
                            yield return Row("move");
                        }

                        for (int bit = 0; bit < 5; bit++)
                        {
                            if ((((int)mouse.Buttons ^ (int)buttons) & (1 << bit)) != 0)
                            {
                                yield return Row("click");
                            }
                        }

                        buttons = mouse.Buttons;
                        if (mouse.Wheel != 0 || mouse.Pan != 0)
                        {
                            yield return Row("scroll");
                        }

                        break;
                    case PointerPositionRecord alone:
                        position = (alone.X, alone.Y);
                        break;
                    case MarkerRecord { Kind: MarkerKind.DroppedEvents }:
                        position = null;
                        break;
                    default:
                        break;
                }
            }
        }
    }

    private static PointerRow ToPointerRow(JsonElement row, string time, string action, string x, string y, string source)
    {
        string coordinateSource = row.GetProperty(source).GetString()!;
        bool exact = coordinateSource == CoordinateSource.Absolute;
        return new PointerRow(
            row.GetProperty(time).GetInt64(),
            row.GetProperty(action).GetString()!,
            coordinateSource,
            exact ? row.GetProperty(x).GetInt32() : null,
            exact ? row.GetProperty(y).GetInt32() : null);
    }

    /// <summary>A pointer row as compared: estimated rows by time, action and source only (their position is an estimate).</summary>
    private sealed record PointerRow(long Time, string Action, string Source, int? X, int? Y);
}

/// <summary>
/// The recorded box of <see cref="RecordedBox"/>, with the simulated gadget in absolute pointer mode; seed 25's user presses
/// a button after moving at 0.97 s and 2.12 s (first session) and at 4.44 s and 4.94 s (second session).
/// </summary>
public sealed class AbsolutePointerBox : IAsyncLifetime
{
    public RecordedBox Box { get; } = new(PointerMode.Absolute, seed: 25);

    public Task InitializeAsync() => Box.InitializeAsync();

    public Task DisposeAsync() => Box.DisposeAsync();
}
