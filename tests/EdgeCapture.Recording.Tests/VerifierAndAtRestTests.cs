using System.Text;
using EdgeCapture.Hid;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Data.Sqlite;

namespace EdgeCapture.Recording.Tests;

public sealed class VerifierAndAtRestTests
{
    private static RecorderRig RecordThreeSegments()
    {
        var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(1) });
        for (int segment = 0; segment < 3; segment++)
        {
            rig.Tap(KeyCodes.A);
            rig.Move(segment + 1, 0);
            rig.Advance(TimeSpan.FromMilliseconds(1100));
        }

        rig.Finish();
        return rig;
    }

    private static List<VerifiableSegment> Held(RecorderRig rig) => [.. SegmentChainVerifier.CollectFromOutbox(rig.Outbox)];

    [Fact]
    public void An_untouched_outbox_verifies_and_decrypts()
    {
        using RecorderRig rig = RecordThreeSegments();
        VerificationReport report = rig.Verify();
        Assert.True(report.IsValid);
        Assert.Empty(report.Warnings);
        Assert.Equal(rig.Sealed.Count, report.SegmentsDecrypted);
        SessionVerification session = Assert.Single(report.Sessions);
        Assert.Equal(SessionEndReason.Shutdown, session.EndReason);
        Assert.Equal(6, session.Counts.Keys);
    }

    [Fact]
    public void Altered_ciphertext_is_detected()
    {
        using RecorderRig rig = RecordThreeSegments();
        List<VerifiableSegment> segments = Held(rig);
        VerifiableSegment target = segments[1];
        segments[1] = target with
        {
            OpenCiphertext = () =>
            {
                using Stream original = target.OpenCiphertext()!;
                var copy = new MemoryStream();
                original.CopyTo(copy);
                copy.GetBuffer()[copy.Length - 3] ^= 0x40;
                copy.Position = 0;
                return copy;
            },
        };

        VerificationReport report = SegmentChainVerifier.Verify(segments, rig.DeviceKey.PublicKey, [rig.Custodian]);
        VerificationIssue issue = Assert.Single(report.Errors);
        Assert.Equal((target.Key, VerificationProblem.CiphertextAltered), (issue.Key, issue.Problem));
    }

    [Fact]
    public void An_altered_manifest_fails_its_signature()
    {
        using RecorderRig rig = RecordThreeSegments();
        List<VerifiableSegment> segments = Held(rig);
        DecodedManifest decoded = ManifestCodec.Decode(segments[0].Manifest);
        byte[] forgedBody = ManifestCodec.EncodeBody(decoded.Manifest with { EndsSession = !decoded.Manifest.EndsSession });
        byte[] forged = ManifestCodec.EncodeSigned(forgedBody, decoded.Signature.Span);
        segments[0] = segments[0] with { Manifest = forged, StoredManifestSha256 = System.Security.Cryptography.SHA256.HashData(forged) };

        VerificationReport report = SegmentChainVerifier.Verify(segments, rig.DeviceKey.PublicKey);
        Assert.Contains(report.Errors, issue => issue.Problem == VerificationProblem.SignatureInvalid && issue.Key == segments[0].Key);
    }

    [Fact]
    public void A_manifest_signed_by_another_device_is_refused()
    {
        using RecorderRig rig = RecordThreeSegments();
        using EdgeCapture.Crypto.DeviceSigningKey other = EdgeCapture.Crypto.DeviceSigningKey.Generate();
        VerificationReport report = SegmentChainVerifier.Verify(Held(rig), other.PublicKey);
        Assert.Equal(rig.Sealed.Count, report.Errors.Count(issue => issue.Problem == VerificationProblem.SignatureInvalid));
    }

    [Fact]
    public void A_deleted_middle_segment_is_detected()
    {
        using RecorderRig rig = RecordThreeSegments();
        List<VerifiableSegment> segments = Held(rig);
        Assert.True(segments.Count >= 3);
        segments.RemoveAt(1);
        VerificationReport report = SegmentChainVerifier.Verify(segments, rig.DeviceKey.PublicKey);
        Assert.Contains(report.Errors, issue => issue.Problem == VerificationProblem.SegmentMissing);
    }

    [Fact]
    public void Swapped_segments_are_detected()
    {
        using RecorderRig rig = RecordThreeSegments();
        List<VerifiableSegment> segments = Held(rig);
        (VerifiableSegment first, VerifiableSegment second) = (segments[0], segments[1]);
        segments[0] = second with { Key = first.Key };
        segments[1] = first with { Key = second.Key };
        VerificationReport report = SegmentChainVerifier.Verify(segments, rig.DeviceKey.PublicKey);
        Assert.Contains(report.Errors, issue => issue.Problem == VerificationProblem.KeyMismatch);
        Assert.Contains(report.Errors, issue => issue.Problem is VerificationProblem.ChainBroken or VerificationProblem.ChainStartInvalid);
    }

    [Fact]
    public void A_truncated_manifest_is_reported_as_malformed()
    {
        using RecorderRig rig = RecordThreeSegments();
        List<VerifiableSegment> segments = Held(rig);
        ReadOnlyMemory<byte> truncated = segments[2].Manifest[..^10];
        segments[2] = segments[2] with { Manifest = truncated, StoredManifestSha256 = System.Security.Cryptography.SHA256.HashData(truncated.Span) };
        VerificationReport report = SegmentChainVerifier.Verify(segments, rig.DeviceKey.PublicKey);
        Assert.Contains(report.Errors, issue => issue.Problem == VerificationProblem.ManifestMalformed);
    }

    [Fact]
    public void Ciphertext_altered_inside_the_database_file_is_detected_on_verify()
    {
        using RecorderRig rig = RecordThreeSegments();
        string database = rig.Outbox.DatabasePath;
        using (var connection = new SqliteConnection($"Data Source={database}"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "UPDATE segment_payloads SET ciphertext = zeroblob(length(ciphertext)) WHERE segment_id = (SELECT MIN(segment_id) FROM segment_payloads);";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        VerificationReport report = rig.Verify();
        Assert.Contains(report.Errors, issue => issue.Problem == VerificationProblem.CiphertextAltered);
    }

    [Fact]
    public void A_segment_that_does_not_decrypt_with_the_identity_is_reported()
    {
        using RecorderRig rig = RecordThreeSegments();
        using EdgeCapture.Crypto.AgeIdentity stranger = EdgeCapture.Crypto.AgeIdentity.Generate();
        VerificationReport report = SegmentChainVerifier.Verify(rig.Outbox, rig.DeviceKey.PublicKey, [stranger]);
        Assert.Equal(rig.Sealed.Count, report.Errors.Count(issue => issue.Problem == VerificationProblem.DecryptionFailed));
    }

    /// <summary>Sealed at rest: after recording known text and frames, no file in the data directory holds any of it.</summary>
    [Fact]
    public void No_plaintext_is_at_rest_in_any_file_of_the_data_directory()
    {
        const string Typed = "correct horse battery staple";
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(1) });
        var keyCodes = new List<ushort>();
        foreach (char character in Typed)
        {
            ushort code = character == ' ' ? KeyCodes.Space : (ushort)typeof(KeyCodes).GetField(char.ToUpperInvariant(character).ToString())!.GetValue(null)!;
            keyCodes.Add(code);
            rig.Tap(code);
        }

        byte[] frameBytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("FRAME-PIXELS-0123456789-", 200)));
        rig.Core.OnCapture(EdgeCapture.Video.CapturedFrame.Create(rig.Now, 1, 640, 360, EdgeCapture.Video.CapturedFrameFormat.Jpeg, EdgeCapture.Video.FrameKeepReason.Changed, frameBytes));
        rig.Finish();
        rig.Outbox.Dispose();

        // The plaintext of the recording, in every shape it exists in before encryption.
        List<SegmentRecord> records = [];
        using (var reopened = SegmentOutbox.Open(Path.Combine(rig.Directory.FullName, "outbox.db"), new OutboxOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<SegmentOutbox>.Instance, rig.Time))
        {
            VerificationReport report = SegmentChainVerifier.Verify(reopened, rig.DeviceKey.PublicKey, [rig.Custodian], (_, contents) => records.AddRange(contents.Records));
            Assert.True(report.IsValid);
        }

        Assert.Contains(records, record => record is FrameRecord);
        byte[] usageSequence = keyCodes.Select(code => LinuxKeyUsageTable.TryGetUsage(code, out HidUsage usage) ? (byte)usage.Id : (byte)0).ToArray();
        byte[] encodedKeyRecords = EncodeRecords(records.OfType<KeyRecord>().Take(6));
        byte[][] needles =
        [
            Encoding.UTF8.GetBytes(Typed),
            Encoding.UTF8.GetBytes("horse battery"),
            usageSequence,
            encodedKeyRecords,
            frameBytes.AsSpan(100, 64).ToArray(),
            Encoding.ASCII.GetBytes("FRAME-PIXELS"),
        ];

        string[] files = Directory.GetFiles(rig.Directory.FullName, "*", SearchOption.AllDirectories);
        Assert.Contains(files, file => file.EndsWith("outbox.db", StringComparison.Ordinal));
        foreach (string file in files)
        {
            byte[] contents = File.ReadAllBytes(file);
            foreach (byte[] needle in needles)
            {
                Assert.True(contents.AsSpan().IndexOf(needle) < 0, $"{Path.GetFileName(file)} contains plaintext ({needle.Length} bytes)");
            }
        }
    }

    private static byte[] EncodeRecords(IEnumerable<KeyRecord> keys)
    {
        // The body records as the segment encoder writes them (type, delta time, page, id, down), minus the first delta.
        using var writer = new CborSegmentWriter(4096);
        var encoder = new SegmentEncoder(writer);
        encoder.WriteHeader(new SegmentHeader(1, "x", Guid.Empty, 0, 0, 0, null, []));
        int headerLength = writer.Length;
        KeyRecord[] array = keys.ToArray();
        foreach (KeyRecord key in array)
        {
            encoder.WriteKey(key.MonotonicNanoseconds, key.Usage, key.IsDown);
        }

        // Skip the first record (its delta depends on the header anchor) and search for the following ones.
        byte[] all = writer.WrittenSpan[headerLength..].ToArray();
        int firstRecordLength = all.Length / array.Length;
        return all[firstRecordLength..];
    }
}
