using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Storage;

namespace EdgeCapture.Recording.Tests;

/// <summary>Sessions whose segments left the pending state are still verified: uploaded ones fully, acknowledged ones as tombstones.</summary>
public sealed class VerifierUploadStateTests
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

    [Fact]
    public void A_session_whose_segments_are_all_uploaded_is_verified_and_decrypted()
    {
        using RecorderRig rig = RecordThreeSegments();
        foreach (OutboxSegment segment in rig.Outbox.GetPendingUploads(1000))
        {
            Assert.True(rig.Outbox.MarkUploaded(segment.Key));
        }

        Assert.Empty(rig.Outbox.GetPendingUploads(1000));
        VerificationReport report = rig.Verify();

        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        SessionVerification session = Assert.Single(report.Sessions);
        Assert.Equal(rig.Sealed.Count, session.SegmentsHeld);
        Assert.Equal(0, session.Tombstones);
        Assert.Equal(rig.Sealed.Count, report.SegmentsDecrypted);
    }

    [Fact]
    public void Acknowledged_segments_are_reported_as_acknowledged_not_missing()
    {
        using RecorderRig rig = RecordThreeSegments();
        IReadOnlyList<OutboxSegment> pending = rig.Outbox.GetPendingUploads(1000);
        Assert.True(pending.Count >= 3);

        // The first two are acknowledged (ciphertext gone), the rest only uploaded.
        foreach (OutboxSegment segment in pending)
        {
            Assert.True(rig.Outbox.MarkUploaded(segment.Key));
            if (segment.Key.SegmentIndex < 2)
            {
                Assert.True(rig.Outbox.MarkAcknowledged(segment.Key));
            }
        }

        VerificationReport report = rig.Verify();

        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));
        Assert.DoesNotContain(report.Errors, issue => issue.Problem is VerificationProblem.CiphertextMissing or VerificationProblem.SegmentMissing);
        Assert.DoesNotContain(report.Warnings, issue => issue.Problem == VerificationProblem.SessionHeadNotHeld);
        SessionVerification session = Assert.Single(report.Sessions);
        Assert.Equal(2, session.Tombstones);
        Assert.Equal(pending.Count - 2, session.SegmentsHeld);
        Assert.Equal(0, session.FirstIndex);
        Assert.Equal(pending.Count - 2, report.SegmentsDecrypted);
    }

    [Fact]
    public void A_fully_acknowledged_session_is_still_listed()
    {
        using RecorderRig rig = RecordThreeSegments();
        foreach (OutboxSegment segment in rig.Outbox.GetPendingUploads(1000))
        {
            Assert.True(rig.Outbox.MarkUploaded(segment.Key));
            Assert.True(rig.Outbox.MarkAcknowledged(segment.Key));
        }

        VerificationReport report = rig.Verify();

        Assert.True(report.IsValid);
        SessionVerification session = Assert.Single(report.Sessions);
        Assert.Equal(0, session.SegmentsHeld);
        Assert.Equal(rig.Sealed.Count, session.Tombstones);
    }
}
