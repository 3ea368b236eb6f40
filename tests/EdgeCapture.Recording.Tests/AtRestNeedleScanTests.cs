using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;

namespace EdgeCapture.Recording.Tests;

/// <summary>
/// "Sealed at rest", checked with needles that would be there without encryption: the CBOR of a typed word's key records exactly
/// as the segment writer encodes them, and a frame's JPEG bytes. The same scan finds them in the unsealed segment (so it can
/// fail) and finds nothing in the outbox's database, its WAL and shared-memory files, or anything else in the data directory.
/// </summary>
public sealed class AtRestNeedleScanTests
{
    private const string Word = "hunter";

    /// <summary>Keeps a copy of every plaintext the recorder hands over for sealing: the unsealed segments.</summary>
    private sealed class PlaintextCopyingSink(ISegmentSink inner, List<byte[]> plaintexts) : ISegmentSink
    {
        public bool IsStorageFull => inner.IsStorageFull;

        public SealedSegment? Seal(in SegmentSealRequest request, ReadOnlySpan<byte> plaintext)
        {
            plaintexts.Add(plaintext.ToArray());
            return inner.Seal(request, plaintext);
        }

        public ForgetOutcome Forget(in ForgetWindowRequest window) => inner.Forget(window);

        public bool RetryIncompleteForget() => inner.RetryIncompleteForget();
    }

    [Fact]
    public void The_scan_finds_the_needles_in_the_unsealed_segment_and_nothing_in_the_outbox_files()
    {
        var plaintexts = new List<byte[]>();
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(30) }, wrapSink: inner => new PlaintextCopyingSink(inner, plaintexts));
        foreach (char letter in Word)
        {
            rig.Tap((ushort)typeof(KeyCodes).GetField(char.ToUpperInvariant(letter).ToString())!.GetValue(null)!);
        }

        byte[] jpeg = NoiseJpeg(160, 120);
        rig.Core.OnCapture(EdgeCapture.Video.CapturedFrame.Create(rig.Now, 1, 160, 120, EdgeCapture.Video.CapturedFrameFormat.Jpeg, EdgeCapture.Video.FrameKeepReason.Changed, jpeg));
        rig.Finish();

        // The needles, from what the custodian decrypts.
        var records = new List<SegmentRecord>();
        VerificationReport report = SegmentChainVerifier.Verify(rig.Outbox, rig.DeviceKey.PublicKey, [rig.Custodian], (_, contents) => records.AddRange(contents.Records));
        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        KeyRecord[] keys = [.. records.OfType<KeyRecord>()];
        Assert.Equal(Word.Length * 2, keys.Length);
        Assert.Equal(jpeg, Assert.Single(records.OfType<FrameRecord>()).Image.ToArray());
        byte[][] needles =
        [
            EncodeKeyRecordsAfterTheFirst(keys),
            jpeg,
            jpeg.AsSpan(jpeg.Length / 2, 48).ToArray(),
        ];

        // 1. The scan can fail: every needle is in the unsealed segment.
        byte[] unsealed = Assert.Single(plaintexts);
        Assert.Equal(needles.Length, Scan(unsealed, needles).Count);

        // 2. Nothing of it in the data directory while the outbox is open (WAL and shared memory present) ...
        // (The outbox's lock file is held exclusively while it is open; it is scanned after closing.)
        string[] open = [.. Directory.GetFiles(rig.Directory.FullName, "*", SearchOption.AllDirectories).Where(file => !file.EndsWith(".lock", StringComparison.Ordinal))];
        Assert.Contains(open, file => file.EndsWith("outbox.db-wal", StringComparison.Ordinal));
        AssertNothingFound(open, needles);

        // 3. ... and none after it is closed (checkpointed into the database file).
        rig.Outbox.Dispose();
        string[] closed = Directory.GetFiles(rig.Directory.FullName, "*", SearchOption.AllDirectories);
        Assert.Contains(closed, file => file.EndsWith("outbox.db", StringComparison.Ordinal));
        AssertNothingFound(closed, needles);
    }

    private static void AssertNothingFound(string[] files, byte[][] needles)
    {
        foreach (string file in files)
        {
            byte[] contents = File.ReadAllBytes(file);
            Assert.True(contents.Length > 0 || !file.EndsWith(".db", StringComparison.Ordinal), $"{file} is empty");
            List<int> found = Scan(contents, needles);
            Assert.True(found.Count == 0, $"{Path.GetFileName(file)} holds plaintext: needle(s) {string.Join(", ", found)}");
        }
    }

    /// <summary>Which needles occur in <paramref name="haystack"/>.</summary>
    private static List<int> Scan(byte[] haystack, byte[][] needles) =>
        [.. Enumerable.Range(0, needles.Length).Where(index => haystack.AsSpan().IndexOf(needles[index]) >= 0)];

    /// <summary>The key records as the segment writer encodes them (type, delta, page, id, down), without the first one (its delta depends on the header).</summary>
    private static byte[] EncodeKeyRecordsAfterTheFirst(KeyRecord[] keys)
    {
        using var writer = new CborSegmentWriter(4096);
        var encoder = new SegmentEncoder(writer);
        encoder.WriteHeader(new SegmentHeader(1, "x", Guid.Empty, 0, keys[0].MonotonicNanoseconds, 0, null, []));
        encoder.WriteKey(keys[0].MonotonicNanoseconds, keys[0].Usage, keys[0].IsDown);
        int afterFirst = writer.Length;
        foreach (KeyRecord key in keys.Skip(1))
        {
            encoder.WriteKey(key.MonotonicNanoseconds, key.Usage, key.IsDown);
        }

        return writer.WrittenSpan[afterFirst..].ToArray();
    }

    private static byte[] NoiseJpeg(int width, int height)
    {
        byte[] uyvy = new byte[width * height * 2];
        new Random(7).NextBytes(uyvy);
        using var encoder = new JpegEncoder(new JpegEncodingOptions { Quality = 90 });
        return encoder.EncodePacked(uyvy, PixelLayout.Uyvy, width, height, width * 2, out _, out _).ToArray();
    }
}
