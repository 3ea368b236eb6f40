using EdgeCapture.Hid;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;

namespace EdgeCapture.Recording.Tests;

public sealed class RecorderBehaviourTests
{
    private static readonly HidUsage UsageA = new(HidUsagePage.KeyboardKeypad, 0x04);

    private static List<SegmentRecord> Records(RecorderRig rig) =>
        rig.DecryptAll().SelectMany(segment => segment.Contents.Records).ToList();

    [Fact]
    public void Events_the_gate_has_not_confirmed_are_held_outside_the_segment_until_it_has()
    {
        using var rig = new RecorderRig();
        rig.Key(KeyCodes.A, down: true);
        Assert.Equal(2, rig.Core.PendingEventCount);
        Assert.Equal(0, rig.Core.GetStatistics().SessionsStarted);

        rig.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal(0, rig.Core.PendingEventCount);
        Assert.Equal(1, rig.Core.GetStatistics().KeyRecords);
    }

    [Fact]
    public void A_switch_to_private_cuts_and_seals_the_open_segment_at_the_boundary()
    {
        using var rig = new RecorderRig();
        rig.Tap(KeyCodes.A);
        rig.Advance(TimeSpan.FromMilliseconds(100));
        rig.SwitchPrivate();
        rig.ApplyTransitions();
        rig.Key(KeyCodes.S, down: true);
        rig.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(RecorderState.Private, rig.Core.State);
        SegmentSealedInfo last = Assert.Single(rig.Sealed);
        Assert.Equal(SessionEndReason.PrivacyEngaged, last.EndReason);
        List<(SegmentKey Key, SegmentContents Contents)> segments = rig.DecryptAll();
        SegmentContents contents = Assert.Single(segments).Contents;
        Assert.Equal([UsageA, UsageA], contents.Records.OfType<KeyRecord>().Select(key => key.Usage));
        MarkerRecord engaged = Assert.IsType<MarkerRecord>(contents.Records[^1]);
        Assert.Equal(MarkerKind.PrivacyEngaged, engaged.Kind);
        Assert.Equal(contents.Trailer.EndMonotonicNanoseconds, engaged.MonotonicNanoseconds);
        Assert.Equal(rig.Hardware.Timeline.GetPublicIntervals()[^1].EndNanoseconds, engaged.MonotonicNanoseconds);
        Assert.Equal(2, rig.Core.GetStatistics().EventsGated);
    }

    [Fact]
    public void Reopening_the_gate_starts_a_new_session_that_says_when_recording_became_possible()
    {
        using var rig = new RecorderRig();
        rig.Tap(KeyCodes.A);
        rig.SwitchPrivate();
        rig.Advance(TimeSpan.FromMilliseconds(100));
        rig.SwitchPublic();
        rig.Advance(TimeSpan.FromMilliseconds(100));
        long reopened = rig.Hardware.Timeline.GetPublicIntervals()[^1].StartNanoseconds;
        rig.Tap(KeyCodes.S);
        rig.Finish();

        List<(SegmentKey Key, SegmentContents Contents)> segments = rig.DecryptAll();
        Assert.Equal(2, segments.Select(segment => segment.Key.SessionId).Distinct().Count());
        SegmentContents second = segments.Last().Contents;
        Assert.Equal(new MarkerRecord(reopened, MarkerKind.PrivacyReleased, 0, 0), second.Records[0]);
        Assert.Equal(SessionEndReason.Shutdown, second.Trailer.EndReason);
    }

    [Fact]
    public void Segments_are_sealed_by_time_and_chained_within_the_session()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(1) });
        for (int step = 0; step < 400; step++)
        {
            rig.Move(1, 2);
            rig.Advance(TimeSpan.FromMilliseconds(10), tick: step % 10 == 0);
        }

        rig.Finish();
        List<(SegmentKey Key, SegmentContents Contents)> segments = rig.DecryptAll();
        Assert.InRange(segments.Count, 4, 6);
        Assert.Single(segments.Select(segment => segment.Key.SessionId).Distinct());
        Assert.Equal(Enumerable.Range(0, segments.Count), segments.Select(segment => segment.Key.SegmentIndex));
        Assert.All(segments.SkipLast(1), segment => Assert.Equal(SessionEndReason.None, segment.Contents.Trailer.EndReason));
        Assert.All(segments, segment => Assert.True(segment.Contents.Trailer.EndMonotonicNanoseconds - segment.Contents.Header.MonotonicAnchorNanoseconds <= 1_000_000_000));
        Assert.Equal(400, segments.Sum(segment => segment.Contents.Records.OfType<MouseRecord>().Count()));
    }

    [Fact]
    public void Segments_are_sealed_before_they_exceed_the_byte_limit()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumBytes = 64 * 1024, SegmentMaximumDuration = TimeSpan.FromMinutes(5) });
        for (int step = 0; step < 12_000; step++)
        {
            rig.Move(1000, -1000, at: rig.Now + step);
        }

        rig.Finish();
        VerificationReport report = rig.Verify();
        Assert.True(report.IsValid);
        Assert.True(rig.Sealed.Count >= 2);
        Assert.All(rig.Sealed, segment => Assert.True(segment.CiphertextLength < 64 * 1024 + 1024));
    }

    [Fact]
    public void An_idle_session_ends_and_the_next_input_starts_another()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", IdleTimeout = TimeSpan.FromSeconds(2) });
        rig.Tap(KeyCodes.A);
        rig.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(RecorderState.Idle, rig.Core.State);
        rig.Tap(KeyCodes.S);
        rig.Finish();

        List<(SegmentKey Key, SegmentContents Contents)> segments = rig.DecryptAll();
        Assert.Equal(2, segments.Select(segment => segment.Key.SessionId).Distinct().Count());
        Assert.Contains(segments, segment => segment.Contents.Trailer.EndReason == SessionEndReason.IdleTimeout);
    }

    [Fact]
    public void A_session_ends_at_its_maximum_length()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", MaximumSessionLength = TimeSpan.FromSeconds(2) });
        for (int step = 0; step < 50; step++)
        {
            rig.Move(1, 1);
            rig.Advance(TimeSpan.FromMilliseconds(100));
        }

        rig.Finish();
        List<(SegmentKey Key, SegmentContents Contents)> segments = rig.DecryptAll();
        Assert.True(segments.Select(segment => segment.Key.SessionId).Distinct().Count() >= 2);
        Assert.Contains(segments, segment => segment.Contents.Trailer.EndReason == SessionEndReason.MaximumLength);
    }

    [Fact]
    public void Mouse_buttons_motion_wheel_and_pan_of_one_evdev_frame_make_one_record()
    {
        using var rig = new RecorderRig();
        long time = rig.Now;
        rig.Core.OnInput(new(time, RecorderRig.MouseId, EdgeCapture.Input.InputDeviceKind.Mouse, EventTypes.Key, 0x110, 1));
        rig.Core.OnInput(new(time, RecorderRig.MouseId, EdgeCapture.Input.InputDeviceKind.Mouse, EventTypes.Relative, RelativeAxes.X, 3));
        rig.Core.OnInput(new(time, RecorderRig.MouseId, EdgeCapture.Input.InputDeviceKind.Mouse, EventTypes.Relative, RelativeAxes.Wheel, -1));
        rig.Core.OnInput(new(time, RecorderRig.MouseId, EdgeCapture.Input.InputDeviceKind.Mouse, EventTypes.Relative, RelativeAxes.WheelHighResolution, -120));
        rig.Core.OnInput(new(time, RecorderRig.MouseId, EdgeCapture.Input.InputDeviceKind.Mouse, EventTypes.Relative, RelativeAxes.HorizontalWheel, 2));
        rig.Core.OnInput(new(time, RecorderRig.MouseId, EdgeCapture.Input.InputDeviceKind.Mouse, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
        rig.Core.OnInput(new(time + 1000, RecorderRig.MouseId, EdgeCapture.Input.InputDeviceKind.Mouse, EventTypes.Key, 0x111, 1));
        rig.Core.OnInput(new(time + 1000, RecorderRig.MouseId, EdgeCapture.Input.InputDeviceKind.Mouse, EventTypes.Synchronization, SynchronizationCodes.Report, 0));
        rig.Finish();

        Assert.Equal(
            [new MouseRecord(time, MouseButtons.Left, 3, 0, -1, 2), new MouseRecord(time + 1000, MouseButtons.Left | MouseButtons.Right, 0, 0, 0, 0)],
            Records(rig).OfType<MouseRecord>());
    }

    [Fact]
    public void Autorepeat_is_not_recorded_and_keys_are_recorded_as_hid_usages()
    {
        using var rig = new RecorderRig();
        long time = rig.Now;
        rig.Key(KeyCodes.A, down: true, at: time);
        rig.Core.OnInput(new(time + 10, RecorderRig.KeyboardId, EdgeCapture.Input.InputDeviceKind.Keyboard, EventTypes.Key, KeyCodes.A, 2));
        rig.Key(KeyCodes.A, down: false, at: time + 20);
        rig.Finish();

        Assert.Equal([new KeyRecord(time, UsageA, true), new KeyRecord(time + 20, UsageA, false)], Records(rig).OfType<KeyRecord>());
    }

    [Fact]
    public void Tap_drops_are_reported_in_a_marker()
    {
        using var rig = new RecorderRig();
        rig.Tap(KeyCodes.A);
        rig.Core.ReportTapDrops(17);
        rig.Finish();

        Assert.Contains(new MarkerRecord(Records(rig).OfType<MarkerRecord>().Single(marker => marker.Kind == MarkerKind.DroppedEvents).MonotonicNanoseconds, MarkerKind.DroppedEvents, 17, 1), Records(rig));
        Assert.Equal(17, rig.Core.GetStatistics().EventsDroppedByTap);
    }

    [Fact]
    public void Storage_full_stops_recording_with_a_state_and_resumes_with_a_marker_when_there_is_room()
    {
        using var rig = new RecorderRig(
            new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromMilliseconds(200), StorageFullRetryInterval = TimeSpan.FromMilliseconds(100) },
            new OutboxOptions { QuotaBytes = 6000 });
        for (int step = 0; step < 100 && rig.Core.State != RecorderState.StorageFull; step++)
        {
            rig.Move(step, step);
            rig.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal(RecorderState.StorageFull, rig.Core.State);
        long lostBefore = rig.Core.GetStatistics().EventsLostToStorage;
        rig.Move(1, 1);
        rig.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(RecorderState.StorageFull, rig.Core.State);
        Assert.True(rig.Core.GetStatistics().EventsLostToStorage > lostBefore);

        // Make room: the uploader acknowledges everything held.
        foreach (OutboxSegment segment in rig.Outbox.GetPendingUploads(1000))
        {
            rig.Outbox.MarkUploading(segment.Key);
            rig.Outbox.MarkUploaded(segment.Key);
            rig.Outbox.MarkAcknowledged(segment.Key);
        }

        rig.Advance(TimeSpan.FromMilliseconds(300));
        Assert.NotEqual(RecorderState.StorageFull, rig.Core.State);
        rig.Tap(KeyCodes.A);
        rig.Finish();
        SegmentContents resumed = rig.DecryptAll().Last().Contents;
        Assert.Contains(resumed.Records, record => record is MarkerRecord { Kind: MarkerKind.StorageFull });
        Assert.Contains(resumed.Records, record => record is KeyRecord);
    }

    [Fact]
    public void A_gate_closed_by_a_fault_ends_the_session_like_the_switch()
    {
        using var rig = new RecorderRig();
        rig.Tap(KeyCodes.A);
        rig.Driver.FailRead(RecorderRig.SwitchLine);
        rig.Advance(TimeSpan.FromMilliseconds(100));
        rig.Tap(KeyCodes.S);
        rig.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(PrivacyState.Private, rig.Hardware.Timeline.Status.State);
        Assert.Equal(RecorderState.Private, rig.Core.State);
        Assert.Equal([UsageA, UsageA], Records(rig).OfType<KeyRecord>().Select(key => key.Usage));
    }
}
