using System.Formats.Cbor;
using System.Text;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Recording.Tests;

/// <summary>
/// "Sealed at rest": the manifest, stored in the clear next to the ciphertext and sent to the collector, holds only what upload,
/// verification, quota and forget need. How many keys, mouse events and frames a segment holds, why the session ended (a forget,
/// the switch) and the plaintext length are sealed; the custodian reads them after decrypting.
/// </summary>
public sealed class SealedMetadataTests
{
    // Manifest version 2: version, device, session, index, monotonic and wall ranges, ciphertext length and hash, previous hash,
    // ends-session flag, recipients, signing key. Gone: 9 (record counts), 10 (plaintext length); 14 is a flag, not the reason.
    private static readonly int[] AllowedFields = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16];

    private static RecorderRig RecordAndEngagePrivacy()
    {
        var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(1) });
        foreach (ushort key in new[] { KeyCodes.S, KeyCodes.E, KeyCodes.C, KeyCodes.R, KeyCodes.E, KeyCodes.T })
        {
            rig.Tap(key);
        }

        rig.Move(3, 4);
        rig.Advance(TimeSpan.FromMilliseconds(1100));
        rig.Tap(KeyCodes.A);
        rig.SwitchPrivate();
        rig.Advance(TimeSpan.FromMilliseconds(200));
        rig.Finish();
        return rig;
    }

    [Fact]
    public void The_stored_manifests_carry_no_record_counts_end_reason_or_plaintext_length()
    {
        using RecorderRig rig = RecordAndEngagePrivacy();
        List<VerifiableSegment> held = [.. SegmentChainVerifier.CollectFromOutbox(rig.Outbox)];
        Assert.True(held.Count >= 2);
        foreach (VerifiableSegment segment in held)
        {
            DecodedManifest decoded = ManifestCodec.Decode(segment.Manifest);
            var reader = new CborReader(decoded.Body, CborConformanceMode.Canonical);
            int fields = reader.ReadStartMap() ?? -1;
            var keys = new List<int>();
            for (int field = 0; field < fields; field++)
            {
                int key = reader.ReadInt32();
                keys.Add(key);
                if (key == 14)
                {
                    // A flag that the session ends here (a lost tail stays visible), never why: privacy, forget, storage full.
                    Assert.Equal(CborReaderState.Boolean, reader.PeekState());
                }

                reader.SkipValue();
            }

            Assert.Equal(AllowedFields, keys);
            Assert.Equal(2, decoded.Manifest.FormatVersion);
        }

        Assert.True(ManifestCodec.Decode(held[^1].Manifest).Manifest.EndsSession);
        Assert.All(held.SkipLast(1), segment => Assert.False(ManifestCodec.Decode(segment.Manifest).Manifest.EndsSession));
    }

    [Fact]
    public void Counts_end_reason_and_length_are_known_after_decrypting_and_sealed_without_the_identity()
    {
        using RecorderRig rig = RecordAndEngagePrivacy();

        VerificationReport opened = SegmentChainVerifier.Verify(rig.Outbox, rig.DeviceKey.PublicKey, [rig.Custodian]);
        Assert.True(opened.IsValid, string.Join("\n", opened.Errors.Select(error => error.Message)));
        SessionVerification session = Assert.Single(opened.Sessions);
        Assert.Equal((7L, 1L, 0L), (session.Counts.Keys / 2, session.Counts.Mouse, session.Counts.Frames));
        Assert.Equal(SessionEndReason.PrivacyEngaged, session.EndReason);
        Assert.True(session.Ended);

        VerificationReport withoutIdentity = SegmentChainVerifier.Verify(rig.Outbox, rig.DeviceKey.PublicKey);
        Assert.True(withoutIdentity.IsValid);
        SessionVerification closed = Assert.Single(withoutIdentity.Sessions);
        Assert.Equal((default(RecordCounts), SessionEndReason.None, true), (closed.Counts, closed.EndReason, closed.Ended));
        Assert.DoesNotContain(withoutIdentity.Warnings, warning => warning.Problem == VerificationProblem.SessionNotEnded);
    }

    [Fact]
    public void A_decrypted_segment_whose_trailer_disagrees_with_the_ends_session_flag_is_refused()
    {
        // The flag is signed; the reason is sealed. A manifest claiming the session continues over a final trailer is caught.
        using RecorderRig rig = RecordAndEngagePrivacy();
        List<VerifiableSegment> held = [.. SegmentChainVerifier.CollectFromOutbox(rig.Outbox)];
        VerifiableSegment last = held[^1];
        SegmentManifest manifest = ManifestCodec.Decode(last.Manifest).Manifest with { EndsSession = false };
        byte[] body = ManifestCodec.EncodeBody(manifest);
        byte[] signed = ManifestCodec.EncodeSigned(body, rig.DeviceKey.Sign(ManifestCodec.SignedMessage(body)));
        held[^1] = last with { Manifest = signed, StoredManifestSha256 = System.Security.Cryptography.SHA256.HashData(signed) };

        VerificationReport report = SegmentChainVerifier.Verify(held, rig.DeviceKey.PublicKey, [rig.Custodian]);

        Assert.Contains(report.Errors, error => error.Problem == VerificationProblem.ContentInvalid && error.Message.Contains("disagrees with its manifest", StringComparison.Ordinal));
    }
}
