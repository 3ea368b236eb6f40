using System.Text.Json;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Index;
using EdgeCapture.Dataset.Export;
using EdgeCapture.Dataset.Sources;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;

namespace EdgeCapture.Dataset.Tests;

/// <summary>
/// The export from the collector's store: the recorded box's segments uploaded through the collector's ingest, then
/// exported from the store. What comes out is what the recorder sealed; a blob altered in the store is named and no
/// output appears.
/// </summary>
public sealed class StoreExportTests : IClassFixture<RecordedBox>
{
    private const string DeviceId = "dataset-test-box";

    private readonly RecordedBox _box;

    public StoreExportTests(RecordedBox box) => _box = box;

    private (string Box, string Store) UploadedStore(DirectoryInfo work)
    {
        string box = _box.CopyBox(work);
        string store = Path.Combine(work.FullName, "store");
        Assert.Equal(RecordedBox.Sealed(box, _box.LoadIdentity()).Count, CollectorUpload.UploadBox(box, DeviceId, store));
        return (box, store);
    }

    [Fact]
    public async Task An_export_from_the_store_holds_exactly_what_the_recorder_sealed()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-store-");
        try
        {
            (string box, string store) = UploadedStore(work);
            string output = Path.Combine(work.FullName, "export");
            ExportResult result;
            using (CollectorStoreSegmentSource source = CollectorStoreSegmentSource.Open(store))
            {
                result = await DatasetExporter.ExportAsync(source, new ExportOptions { OutputDirectory = output, Identities = _box.LoadIdentity(), Format = ExportFormat.Both });
            }

            List<(SegmentKey Key, SegmentContents Contents)> sealedSegments = RecordedBox.Sealed(box, _box.LoadIdentity());
            Assert.Equal(sealedSegments.Count, result.Segments);
            Assert.Equal(2, result.Sessions.Count);
            Assert.StartsWith("collector store ", result.Source, StringComparison.Ordinal);

            var expected = new List<(long Time, string Action)>();
            foreach ((SegmentKey _, SegmentContents contents) in sealedSegments.OrderBy(segment => segment.Contents.Header.WallClockAnchorUnixNanoseconds).ThenBy(segment => segment.Key.SegmentIndex))
            {
                expected.AddRange(ExportRoundTripTests.ExpectedEvents(contents));
            }

            JsonElement events = ParquetReadBack.Read(output, "events");
            Assert.True(expected.Count > 100, $"only {expected.Count} events recorded");
            Assert.Equal(expected, [.. events.EnumerateArray().Select(row => (row.GetProperty("t_ns").GetInt64(), row.GetProperty("action").GetString()!))]);

            FrameRecord[] sealedFrames = [.. sealedSegments.SelectMany(segment => segment.Contents.Records.OfType<FrameRecord>())];
            Assert.NotEmpty(sealedFrames);
            Assert.Equal(sealedFrames.Length, result.Frames);
            foreach (FrameRecord frame in sealedFrames)
            {
                string[] files = Directory.GetFiles(Path.Combine(output, "raw"), $"{frame.MonotonicNanoseconds}.jpg", SearchOption.AllDirectories);
                Assert.Equal(frame.Image.ToArray(), File.ReadAllBytes(Assert.Single(files)));
            }

            Assert.Contains("collector store", File.ReadAllText(Path.Combine(output, "README.md")), StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_blob_altered_in_the_store_is_named_and_no_output_appears()
    {
        DirectoryInfo work = Directory.CreateTempSubdirectory("edgecapture-dataset-store-tamper-");
        try
        {
            (_, string store) = UploadedStore(work);
            StoredSegment victim;
            using (CollectorStore opened = CollectorStore.Open(new CollectorOptions { StoreDirectory = store }))
            {
                victim = opened.Index.ListSegments()[1];
                string blob = opened.Blobs.Locate(victim.Address);
                File.SetAttributes(blob, FileAttributes.Normal);
                using var file = new FileStream(blob, FileMode.Open, FileAccess.ReadWrite);
                file.Seek(-20, SeekOrigin.End);
                int value = file.ReadByte();
                file.Seek(-20, SeekOrigin.End);
                file.WriteByte((byte)(value ^ 0x20));
            }

            string output = Path.Combine(work.FullName, "export");
            using CollectorStoreSegmentSource source = CollectorStoreSegmentSource.Open(store);
            ExportFailedException error = await Assert.ThrowsAsync<ExportFailedException>(() =>
                DatasetExporter.ExportAsync(source, new ExportOptions { OutputDirectory = output, Identities = _box.LoadIdentity(), Format = ExportFormat.Both }));

            Assert.Contains($"segment {new SegmentKey(victim.Segment.SessionId, victim.Segment.SegmentIndex)}", error.Message, StringComparison.Ordinal);
            Assert.Contains(nameof(VerificationProblem.CiphertextAltered), error.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(output));
            Assert.Empty(work.GetDirectories(".export.partial-*"));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_folder_without_a_store_is_refused_and_not_created()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"edgecapture-no-store-{Guid.NewGuid():N}");

        SegmentSourceException error = Assert.Throws<SegmentSourceException>(() => CollectorStoreSegmentSource.Open(missing));

        Assert.Contains("No collector store", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }
}
