using EdgeCapture.Hid;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;

namespace EdgeCapture.Recording.Tests;

public sealed class LockScreenAndForgetTests
{
    private static List<SegmentRecord> Records(RecorderRig rig) =>
        rig.DecryptAll().SelectMany(segment => segment.Contents.Records).ToList();

    private static void TypePassword(RecorderRig rig)
    {
        foreach (ushort key in new[] { KeyCodes.S, KeyCodes.E, KeyCodes.C, KeyCodes.R, KeyCodes.E, KeyCodes.T })
        {
            rig.Tap(key);
        }
    }

    private static void Chord(RecorderRig rig, params ushort[] keys)
    {
        foreach (ushort key in keys)
        {
            rig.Key(key, down: true);
            rig.Advance(TimeSpan.FromMilliseconds(5), tick: false);
        }

        foreach (ushort key in keys.Reverse())
        {
            rig.Key(key, down: false);
            rig.Advance(TimeSpan.FromMilliseconds(5), tick: false);
        }
    }

    public static TheoryData<ushort[], LockChord> Chords => new()
    {
        { [KeyCodes.LeftMeta, KeyCodes.L], LockChord.GuiL },
        { [KeyCodes.LeftCtrl, KeyCodes.LeftAlt, KeyCodes.Delete], LockChord.ControlAltDelete },
        { [KeyCodes.RightCtrl, KeyCodes.RightAlt, (ushort)83 /* KEY_KPDOT */], LockChord.ControlAltDelete },
        { [KeyCodes.LeftCtrl, KeyCodes.LeftMeta, KeyCodes.Q], LockChord.ControlGuiQ },
    };

    [Theory]
    [MemberData(nameof(Chords))]
    public void After_a_lock_chord_typed_keys_are_not_recorded_until_enter(ushort[] chord, LockChord expected)
    {
        using var rig = new RecorderRig();
        rig.Tap(KeyCodes.A);
        Chord(rig, chord);
        TypePassword(rig);
        rig.Tap(KeyCodes.Enter);
        rig.Advance(rig.Options.LockScreen.GracePeriod + TimeSpan.FromMilliseconds(10));
        rig.Tap(KeyCodes.B);
        rig.Finish();

        List<SegmentRecord> records = Records(rig);
        List<KeyRecord> keys = records.OfType<KeyRecord>().ToList();
        ushort[] chordUsages = chord.Select(code => LinuxKeyUsageTable.TryGetUsage(code, out HidUsage usage) ? usage.Id : (ushort)0).ToArray();

        // Recorded: A, the chord going down and coming back up, then B. Nothing of the password, nor its Enter.
        Assert.Equal(
            [0x04, 0x04, .. chordUsages, .. chordUsages.Reverse(), 0x05, 0x05],
            keys.Select(key => key.Usage.Id));
        MarkerRecord started = records.OfType<MarkerRecord>().Single(marker => marker.Kind == MarkerKind.LockScreenSuppressionStarted);
        Assert.Equal((long)expected, started.Value);
        MarkerRecord ended = records.OfType<MarkerRecord>().Single(marker => marker.Kind == MarkerKind.LockScreenSuppressionEnded);
        Assert.Equal((long)LockScreenSuppressionEnd.EnterThenGracePeriod, ended.Value);
        Assert.Equal(0, ended.Detail);
        Assert.Equal(14, rig.Core.GetStatistics().KeyEventsSuppressed);
    }

    [Fact]
    public void Suppression_never_times_out_into_recording()
    {
        // Win+L, walk away for two minutes, come back and type the password: none of it is recorded.
        using var rig = new RecorderRig();
        Chord(rig, KeyCodes.LeftMeta, KeyCodes.L);
        rig.Advance(TimeSpan.FromMinutes(2));
        TypePassword(rig);
        rig.Advance(TimeSpan.FromMinutes(2));
        rig.Tap(KeyCodes.B);
        rig.Finish();

        List<SegmentRecord> records = Records(rig);
        Assert.DoesNotContain(records.OfType<KeyRecord>(), key => key.Usage.Id is not (0xE3 or 0x0F));
        Assert.DoesNotContain(records, record => record is MarkerRecord { Kind: MarkerKind.LockScreenSuppressionEnded });
    }

    [Fact]
    public void Mouse_input_is_still_recorded_during_suppression()
    {
        using var rig = new RecorderRig();
        Chord(rig, KeyCodes.LeftMeta, KeyCodes.L);
        rig.Move(7, 8);
        TypePassword(rig);
        rig.Finish();

        Assert.Contains(Records(rig), record => record is MouseRecord { DeltaX: 7, DeltaY: 8 });
    }

    [Fact]
    public void Suppression_can_be_turned_off()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", LockScreen = new LockScreenOptions { Enabled = false } });
        Chord(rig, KeyCodes.LeftMeta, KeyCodes.L);
        TypePassword(rig);
        rig.Finish();

        Assert.Equal(16, Records(rig).OfType<KeyRecord>().Count());
    }

    [Fact]
    public void Suppression_survives_a_privacy_flip_in_the_middle_of_the_password()
    {
        using var rig = new RecorderRig();
        Chord(rig, KeyCodes.LeftCtrl, KeyCodes.LeftAlt, KeyCodes.Delete);
        rig.Tap(KeyCodes.S);
        rig.SwitchPrivate();
        rig.Advance(TimeSpan.FromMilliseconds(100));
        rig.SwitchPublic();
        rig.Advance(TimeSpan.FromMilliseconds(100));
        TypePassword(rig);
        rig.Finish();

        List<(SegmentKey Key, SegmentContents Contents)> segments = rig.DecryptAll();
        Assert.Equal(6, segments.SelectMany(segment => segment.Contents.Records).OfType<KeyRecord>().Count());
        Assert.Contains(segments.Last().Contents.Records, record => record is MarkerRecord { Kind: MarkerKind.LockScreenSuppressionStarted });
    }

    [Fact]
    public void Forget_drops_what_is_in_memory_deletes_pending_segments_and_retracts_uploaded_ones()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(1) });

        // Old enough to survive a 2-minute forget.
        rig.Tap(KeyCodes.Z);
        rig.Advance(TimeSpan.FromSeconds(2));
        rig.Advance(TimeSpan.FromMinutes(3));
        int sealedBefore = rig.Sealed.Count;

        // Inside the window: one segment that reached the collector, one pending, one still open.
        rig.Tap(KeyCodes.A);
        rig.Advance(TimeSpan.FromSeconds(2));
        OutboxSegment uploaded = rig.Outbox.GetPendingUploads(100)[^1];
        Assert.True(rig.Outbox.MarkUploading(uploaded.Key));
        Assert.True(rig.Outbox.MarkUploaded(uploaded.Key));
        rig.Tap(KeyCodes.S);
        rig.Advance(TimeSpan.FromSeconds(2));
        rig.Tap(KeyCodes.D);
        Assert.True(rig.Core.PendingEventCount > 0 || rig.Sealed.Count > sealedBefore);

        ForgetOutcome outcome = rig.Core.Forget(TimeSpan.FromMinutes(2));
        Assert.Equal(1, outcome.Retracted);
        Assert.True(outcome.Deleted >= 1);

        // Stragglers stamped inside the window that arrive after the request are forgotten too.
        rig.Key(KeyCodes.F, down: true, at: rig.Now - 1_000_000);
        rig.Advance(TimeSpan.FromSeconds(1));
        rig.Tap(KeyCodes.B);
        rig.Finish();

        List<SegmentRecord> records = Records(rig);
        Assert.Equal([0x1D, 0x1D, 0x05, 0x05], records.OfType<KeyRecord>().Select(key => key.Usage.Id));
        MarkerRecord forget = records.OfType<MarkerRecord>().Single(marker => marker.Kind == MarkerKind.Forget);
        Assert.Equal(outcome.Deleted + outcome.Retracted, forget.Detail);
        PendingRetraction retraction = Assert.Single(rig.Outbox.GetPendingRetractions(10));
        Assert.Equal([uploaded.Key], retraction.Segments);
        Assert.True(rig.Core.GetStatistics().EventsForgotten > 0);
    }

    [Fact]
    public void A_retraction_is_signed_by_the_device()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(1) });
        rig.Tap(KeyCodes.A);
        rig.Advance(TimeSpan.FromSeconds(2));
        OutboxSegment uploaded = rig.Outbox.GetPendingUploads(100).Single();
        rig.Outbox.MarkUploading(uploaded.Key);
        rig.Outbox.MarkUploaded(uploaded.Key);
        rig.Core.Forget(TimeSpan.FromMinutes(2));

        PendingRetraction retraction = Assert.Single(rig.Outbox.GetPendingRetractions(10));
        var reader = new System.Formats.Cbor.CborReader(retraction.Document);
        reader.ReadStartArray();
        byte[] body = reader.ReadByteString();
        byte[] signature = reader.ReadByteString();
        Assert.True(rig.DeviceKey.PublicKey.Verify([.. RetractionDocument.SignatureContext, .. body], signature));
        body[^1] ^= 1;
        Assert.False(rig.DeviceKey.PublicKey.Verify([.. RetractionDocument.SignatureContext, .. body], signature));
    }
}
