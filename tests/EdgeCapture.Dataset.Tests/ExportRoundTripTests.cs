using System.Security.Cryptography;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Dataset.Export;
using EdgeCapture.Dataset.Sources;
using EdgeCapture.Dataset.Timeline;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// A session recorded by the real recorder, sealed into a real outbox, exported by the custodian, and read back by
/// an independent Parquet reader (hyparquet, started with node): what the export holds is what the recorder sealed.
/// </summary>
public sealed class ExportRoundTripTests : IClassFixture<RecordedBox>
{
    private static readonly string[] DuckTrackFields = ["time_stamp", "action", "x", "y", "button", "pressed", "dx", "dy", "name"];
    private static readonly string[] EdgeCaptureExtraFields = ["hid_usage_page", "hid_usage_id", "t_ns", "coordinate_source", "correction_dx", "correction_dy", "marker"];

    private readonly RecordedBox _box;

    public ExportRoundTripTests(RecordedBox box) => _box = box;

    private static readonly string[] Sentences =
    [
        "The quick brown fox jumps over the lazy dog.",
        "Hello, World! Ready?",
        "Meeting moved to 10:30 with the \"Ops\" team.",
        "Invoice #4521: Total $1,250.00 (paid).",
        "Ship it & VERIFY the build_42 logs!",
        "Dear Ms. O'Neil, see the Q3 report <attached>.",
    ];

    private async Task<(ExportResult Result, string Output, string Box, DirectoryInfo Work)> ExportAsync(ExportFormat format = ExportFormat.Both)
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-export-");
        string box = _box.CopyBox(work);
        string output = Path.Combine(work.FullName, "export");
        IReadOnlyList<AgeIdentity> identities = _box.LoadIdentity();
        using OutboxSegmentSource source = OutboxSegmentSource.Open(box);
        ExportResult result = await DatasetExporter.ExportAsync(source, new ExportOptions
        {
            OutputDirectory = output,
            Identities = identities,
            Format = format,
        });
        return (result, output, box, work);
    }

    [Fact]
    public async Task The_export_holds_exactly_the_events_and_frames_the_recorder_sealed()
    {
        (ExportResult result, string output, string box, DirectoryInfo work) = await ExportAsync();
        try
        {
            List<(SegmentKey Key, SegmentContents Contents)> sealedSegments = RecordedBox.Sealed(box, _box.LoadIdentity());
            Assert.Equal(2, result.Sessions.Count);
            Assert.Equal(sealedSegments.Count, result.Segments);

            // Every sealed input record and privacy marker is one or more event rows at the same monotonic time, in order.
            var expected = new List<(long Time, string Action)>();
            foreach ((SegmentKey _, SegmentContents contents) in sealedSegments.OrderBy(segment => segment.Contents.Header.WallClockAnchorUnixNanoseconds).ThenBy(segment => segment.Key.SegmentIndex))
            {
                expected.AddRange(ExpectedEvents(contents));
            }

            JsonElement events = ParquetReadBack.Read(output, "events");
            List<(long, string)> exported = [.. events.EnumerateArray().Select(row => (row.GetProperty("t_ns").GetInt64(), row.GetProperty("action").GetString()!))];
            Assert.True(expected.Count > 100, $"only {expected.Count} events recorded");
            Assert.Equal(expected, exported);

            // Frames: the raw folders hold the sealed JPEGs byte for byte.
            FrameRecord[] sealedFrames = [.. sealedSegments.SelectMany(segment => segment.Contents.Records.OfType<FrameRecord>())];
            Assert.NotEmpty(sealedFrames);
            Assert.Equal(sealedFrames.Length, result.Frames);
            foreach (FrameRecord frame in sealedFrames)
            {
                string[] files = Directory.GetFiles(Path.Combine(output, "raw"), $"{frame.MonotonicNanoseconds}.jpg", SearchOption.AllDirectories);
                Assert.Equal(frame.Image.ToArray(), File.ReadAllBytes(Assert.Single(files)));
            }

            // Steps: typed sentences come back as write steps (Shift applied through the US layout), with AgentNet code;
            // every step's image_before is a sealed frame from before the step.
            var rows = ParquetReadBack.Read(output, "steps").EnumerateArray().ToList();
            Assert.NotEmpty(rows);
            var writes = rows.Where(row => row.GetProperty("action").GetString() == "write").ToList();
            Assert.NotEmpty(writes);
            Assert.All(writes, row => Assert.Contains(Sentences, sentence => sentence.Contains(row.GetProperty("text").GetString()!, StringComparison.Ordinal)));
            Assert.All(writes, row => Assert.StartsWith("pyautogui.write(message='", row.GetProperty("code").GetString(), StringComparison.Ordinal));
            var framesByHash = sealedFrames.ToDictionary(frame => Convert.ToHexStringLower(SHA256.HashData(frame.Image.Span)), frame => frame.MonotonicNanoseconds);
            foreach (JsonElement row in rows)
            {
                JsonElement before = row.GetProperty("image_before");
                if (before.GetProperty("bytes").ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                long frameTime = framesByHash[before.GetProperty("bytes").GetProperty("sha256").GetString()!];
                Assert.True(frameTime <= row.GetProperty("t_start_ns").GetInt64(), $"image_before of step {row} is from after the step began");
                Assert.EndsWith($"/frames/{frameTime}.jpg", before.GetProperty("path").GetString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    internal static IEnumerable<(long Time, string Action)> ExpectedEvents(SegmentContents contents)
    {
        MouseButtons buttons = MouseButtons.None;
        foreach (SegmentRecord record in contents.Records)
        {
            switch (record)
            {
                case KeyRecord key:
                    yield return (key.MonotonicNanoseconds, key.IsDown ? "press" : "release");
                    break;
                case MouseRecord mouse:
                    if (mouse.DeltaX != 0 || mouse.DeltaY != 0)
                    {
                        yield return (mouse.MonotonicNanoseconds, "move");
                    }

                    for (int bit = 0; bit < 5; bit++)
                    {
                        if ((((int)mouse.Buttons ^ (int)buttons) & (1 << bit)) != 0)
                        {
                            yield return (mouse.MonotonicNanoseconds, "click");
                        }
                    }

                    buttons = mouse.Buttons;
                    if (mouse.Wheel != 0 || mouse.Pan != 0)
                    {
                        yield return (mouse.MonotonicNanoseconds, "scroll");
                    }

                    break;
                case MarkerRecord { Kind: MarkerKind.PrivacyEngaged } marker:
                    yield return (marker.MonotonicNanoseconds, "pause");
                    break;
                case MarkerRecord { Kind: MarkerKind.PrivacyReleased } marker:
                    yield return (marker.MonotonicNanoseconds, "resume");
                    break;
                case MarkerRecord { Kind: MarkerKind.LockScreenSuppressionStarted or MarkerKind.LockScreenSuppressionEnded } marker:
                    yield return (marker.MonotonicNanoseconds, "suppressed");
                    break;
                default:
                    break;
            }
        }
    }

    [Fact]
    public async Task The_private_interval_appears_only_as_pause_and_resume_markers()
    {
        (ExportResult _, string output, string box, DirectoryInfo work) = await ExportAsync();
        try
        {
            var rows = ParquetReadBack.Read(output, "events").EnumerateArray()
                .Select(row => (Time: row.GetProperty("t_ns").GetInt64(), Action: row.GetProperty("action").GetString()!, Session: row.GetProperty("session").GetString()!))
                .ToList();
            string first = rows[0].Session;
            long pause = Assert.Single(rows, row => row.Action == "pause").Time;
            (long resume, string second) = rows.Where(row => row.Session != first).Select(row => (row.Time, row.Session)).First();
            string head = string.Join(", ", rows.Take(4)) + " ... " + string.Join(", ", rows.Where(row => row.Session == second).Take(4));
            Assert.True(rows.First(row => row.Session == second).Action == "resume", head);
            Assert.Equal("pause", rows.Last(row => row.Session == first).Action);
            Assert.True(resume - pause > TimeSpan.FromSeconds(0.5).Ticks * 100, $"private interval {pause}..{resume} is too short");
            Assert.DoesNotContain(rows, row => row.Time > pause && row.Time < resume);

            // No frame from inside the private interval either.
            foreach (string frame in Directory.EnumerateFiles(Path.Combine(output, "raw"), "*.jpg", SearchOption.AllDirectories))
            {
                long time = long.Parse(Path.GetFileNameWithoutExtension(frame), System.Globalization.CultureInfo.InvariantCulture);
                Assert.False(time > pause && time < resume, $"frame {frame} lies inside the private interval");
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_independent_reader_sees_the_schema_row_counts_footer_features_and_card()
    {
        (ExportResult result, string output, string _, DirectoryInfo work) = await ExportAsync(ExportFormat.HuggingFace);
        using var cleanup = new DirectoryCleanup(work);

        JsonElement files = ParquetReadBack.ReadFiles(Path.Combine(output, "data", "events"));
        JsonElement file = Assert.Single(files.EnumerateArray());
        Assert.EndsWith("train-00000-of-00001.parquet", file.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal(result.EventRows, file.GetProperty("rows").GetInt64());
        var schema = file.GetProperty("schema").EnumerateArray().ToDictionary(element => element.GetProperty("name").GetString()!, element => element);
        Assert.Equal("INT64", schema["t_ns"].GetProperty("type").GetString());
        Assert.Equal("STRING", schema["action"].GetProperty("logicalType").GetString());
        Assert.Equal("INT32", schema["hid_usage_id"].GetProperty("type").GetString());
        Assert.Equal("BOOLEAN", schema["pressed"].GetProperty("type").GetString());
        using JsonDocument footer = JsonDocument.Parse(file.GetProperty("keyValueMetadata").GetProperty("huggingface").GetString()!);
        JsonElement features = footer.RootElement.GetProperty("info").GetProperty("features");
        Assert.Equal("string", features.GetProperty("coordinate_source").GetProperty("dtype").GetString());
        Assert.Equal("Value", features.GetProperty("t_ns").GetProperty("_type").GetString());

        // Sample values: key rows carry a name and their HID usage; pointer rows say where their coordinates come from.
        var data = file.GetProperty("data").EnumerateArray().ToList();
        JsonElement press = data.First(row => row.GetProperty("action").GetString() == "press");
        Assert.Equal(7, press.GetProperty("hid_usage_page").GetInt32());
        Assert.False(string.IsNullOrEmpty(press.GetProperty("key").GetString()));
        Assert.True(press.GetProperty("pressed").GetBoolean());
        Assert.Contains(data, row => row.GetProperty("key").GetString() == "shiftleft" && row.GetProperty("hid_usage_id").GetInt32() == 0xE1);
        Assert.All(data.Where(row => row.GetProperty("action").GetString() is "move" or "click" or "scroll"), row => Assert.Equal("estimated", row.GetProperty("coordinate_source").GetString()));
        JsonElement move = data.First(row => row.GetProperty("action").GetString() == "move");
        Assert.InRange(move.GetProperty("x").GetInt32(), 0, 1919);
        JsonElement pause = Assert.Single(data, row => row.GetProperty("action").GetString() == "pause");
        Assert.Equal("privacy", pause.GetProperty("marker").GetString());
        Assert.Equal(JsonValueKind.Null, pause.GetProperty("x").ValueKind);

        JsonElement stepFile = Assert.Single(ParquetReadBack.ReadFiles(Path.Combine(output, "data", "steps")).EnumerateArray());
        Assert.Equal(result.StepRows, stepFile.GetProperty("rows").GetInt64());
        var stepSchema = stepFile.GetProperty("schema").EnumerateArray().Select(element => element.GetProperty("name").GetString()).ToList();
        Assert.Equal(["image_before", "bytes", "path"], stepSchema.SkipWhile(name => name != "image_before").Take(3));
        using JsonDocument stepFooter = JsonDocument.Parse(stepFile.GetProperty("keyValueMetadata").GetProperty("huggingface").GetString()!);
        Assert.Equal("Image", stepFooter.RootElement.GetProperty("info").GetProperty("features").GetProperty("image_after").GetProperty("_type").GetString());

        string card = File.ReadAllText(Path.Combine(output, "README.md"));
        Assert.StartsWith("---\nconfigs:\n- config_name: events\n  data_files:\n  - split: train\n    path: data/events/train-*\n", card, StringComparison.Ordinal);
        Assert.Contains("- config_name: steps\n  default: true\n", card, StringComparison.Ordinal);
        Assert.Contains("  - name: image_before\n    dtype: image\n", card, StringComparison.Ordinal);
        Assert.Contains($"    num_examples: {result.EventRows}\n", card, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "raw")));
    }

    [Fact]
    public async Task The_card_the_footer_and_the_parquet_schema_agree_as_load_dataset_needs_them()
    {
        // datasets.load_dataset(OUT) takes the configs and features from the card's YAML and the features of each file
        // from the Parquet footer's huggingface key, then casts the Arrow columns to them: all three must say the same.
        (ExportResult _, string output, string _, DirectoryInfo work) = await ExportAsync(ExportFormat.HuggingFace);
        using var cleanup = new DirectoryCleanup(work);
        string card = File.ReadAllText(Path.Combine(output, "README.md"));
        Assert.Contains(PointerAccuracy.Summary, card, StringComparison.Ordinal);
        Assert.Contains("within 2 px of the host's pointer", card, StringComparison.Ordinal);

        foreach (string config in new[] { "events", "steps" })
        {
            JsonElement file = Assert.Single(ParquetReadBack.ReadFiles(Path.Combine(output, "data", config)).EnumerateArray());
            using JsonDocument footer = JsonDocument.Parse(file.GetProperty("keyValueMetadata").GetProperty("huggingface").GetString()!);
            var features = footer.RootElement.GetProperty("info").GetProperty("features").EnumerateObject()
                .Select(feature => (feature.Name, Type: feature.Value.GetProperty("_type").GetString()!, Dtype: feature.Value.TryGetProperty("dtype", out JsonElement dtype) ? dtype.GetString()! : "image"))
                .ToList();

            // The Parquet columns hyparquet sees, top level, in order, with what each holds.
            JsonElement[] schema = [.. file.GetProperty("schema").EnumerateArray()];
            var columns = new List<(string Name, string Holds)>();
            for (int index = 0; index < schema.Length; index++)
            {
                JsonElement column = schema[index];
                int children = column.GetProperty("children").GetInt32();
                string name = column.GetProperty("name").GetString()!;
                if (children == 0)
                {
                    columns.Add((name, Holds(column)));
                    continue;
                }

                string[] parts = [.. schema.Skip(index + 1).Take(children).Select(child => child.GetProperty("name").GetString() + ":" + Holds(child))];
                columns.Add((name, "struct{" + string.Join(',', parts) + "}"));
                index += children;
            }

            Assert.Equal(features.Select(feature => feature.Name), columns.Select(column => column.Name));
            foreach (((string name, string type, string dtype), (string _, string holds)) in features.Zip(columns))
            {
                string expected = type == "Image" ? "struct{bytes:binary,path:string}" : dtype switch
                {
                    "string" => "string",
                    "int64" => "int64",
                    "int32" => "int32",
                    "float64" => "float64",
                    "bool" => "bool",
                    _ => "unknown dtype " + dtype,
                };
                Assert.True(expected == holds, $"{config}.{name}: the footer says {type}/{dtype}, the Parquet column holds {holds}");
                Assert.True(type is "Value" or "Image", $"{config}.{name}: feature type {type}");
            }

            // The card's dataset_info lists the same features, in the same order, with the same dtypes.
            string section = card[card.IndexOf($"- config_name: {config}\n  features:\n", StringComparison.Ordinal)..];
            section = section[..section.IndexOf("  splits:", StringComparison.Ordinal)];
            var declared = System.Text.RegularExpressions.Regex.Matches(section, @"  - name: (\S+)\n    dtype: (\S+)\n")
                .Select(match => (match.Groups[1].Value, match.Groups[2].Value))
                .ToList();
            Assert.Equal(features.Select(feature => (feature.Name, feature.Dtype)), declared);
        }

        static string Holds(JsonElement column)
        {
            string? type = column.GetProperty("type").GetString();
            string? logical = column.GetProperty("logicalType").GetString();
            return (type, logical) switch
            {
                ("BYTE_ARRAY", "STRING") => "string",
                ("BYTE_ARRAY", null) => "binary",
                ("INT64", null or "INTEGER") => "int64",
                ("INT32", null or "INTEGER") => "int32",
                ("DOUBLE", null) => "float64",
                ("BOOLEAN", null) => "bool",
                _ => $"{type}/{logical}",
            };
        }
    }

    [Fact]
    public async Task The_raw_events_jsonl_uses_ducktrack_fields_plus_the_hid_usage()
    {
        (ExportResult result, string output, string _, DirectoryInfo work) = await ExportAsync(ExportFormat.Raw);
        using var cleanup = new DirectoryCleanup(work);

        Assert.False(Directory.Exists(Path.Combine(output, "data")));
        foreach (string session in Directory.GetDirectories(Path.Combine(output, "raw")))
        {
            using JsonDocument metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(session, "metadata.json")));
            Assert.Equal(1920, metadata.RootElement.GetProperty("screen_width").GetInt32());
            Assert.Equal(1080, metadata.RootElement.GetProperty("screen_height").GetInt32());
            Assert.True(metadata.RootElement.GetProperty("stop_time").GetDouble() > metadata.RootElement.GetProperty("start_time").GetDouble());
            string[] lines = File.ReadAllLines(Path.Combine(session, "events.jsonl"));
            Assert.NotEmpty(lines);
            foreach (string line in lines)
            {
                using JsonDocument entry = JsonDocument.Parse(line);
                string action = entry.RootElement.GetProperty("action").GetString()!;
                var fields = entry.RootElement.EnumerateObject().Select(property => property.Name).ToList();
                Assert.All(fields, field => Assert.True(DuckTrackFields.Contains(field) || EdgeCaptureExtraFields.Contains(field), $"unexpected field {field} in {line}"));
                string[] required = action switch
                {
                    "move" => ["time_stamp", "x", "y"],
                    "click" => ["time_stamp", "x", "y", "button", "pressed"],
                    "scroll" => ["time_stamp", "x", "y", "dx", "dy"],
                    "press" or "release" => ["time_stamp", "name", "hid_usage_page", "hid_usage_id"],
                    "pause" or "resume" or "suppressed" => ["time_stamp", "marker"],
                    _ => throw new Xunit.Sdk.XunitException($"unexpected action {action}"),
                };
                Assert.All(required, field => Assert.Contains(field, fields));
                if (action == "click")
                {
                    Assert.StartsWith("Button.", entry.RootElement.GetProperty("button").GetString(), StringComparison.Ordinal);
                }
            }

            string[] trajectory = File.ReadAllLines(Path.Combine(session, "trajectory.jsonl"));
            Assert.NotEmpty(trajectory);
            foreach (string line in trajectory)
            {
                using JsonDocument step = JsonDocument.Parse(line);
                Assert.StartsWith("pyautogui.", step.RootElement.GetProperty("value").GetProperty("code").GetString(), StringComparison.Ordinal);
                if (step.RootElement.GetProperty("image").GetString() is { } image)
                {
                    Assert.True(File.Exists(Path.Combine(session, image)), image);
                }
            }
        }

        Assert.Equal(result.Sessions.Count, Directory.GetDirectories(Path.Combine(output, "raw")).Length);
    }
}

/// <summary>Deletes a test's work folder at the end of a using block.</summary>
internal sealed class DirectoryCleanup(DirectoryInfo directory) : IDisposable
{
    public void Dispose() => directory.Delete(recursive: true);
}
