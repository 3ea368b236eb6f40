using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Video;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;

namespace EdgeCapture.Recording.Tests;

/// <summary>Lock-screen suppression ends only at a submitted unlock, sees every key before the gate, and starts on triggers.</summary>
public sealed class LockScreenSuppressionTests
{
    private static readonly TimeSpan Grace = new LockScreenOptions().GracePeriod;

    private static List<SegmentRecord> Records(RecorderRig rig) =>
        rig.DecryptAll().SelectMany(segment => segment.Contents.Records).ToList();

    // Letters pressed, without the L of the Win+L chord (the chord itself is recorded; what follows it is the question).
    private static ushort[] TypedLetters(RecorderRig rig) =>
        Records(rig).OfType<KeyRecord>().Where(key => key.Usage.Id is >= 0x04 and <= 0x1D and not 0x0F && key.IsDown).Select(key => key.Usage.Id).ToArray();

    private static void Type(RecorderRig rig, params ushort[] keys)
    {
        foreach (ushort key in keys)
        {
            rig.Tap(key);
        }
    }

    private static void LockWithWinL(RecorderRig rig)
    {
        rig.Key(KeyCodes.LeftMeta, down: true);
        rig.Advance(TimeSpan.FromMilliseconds(5), tick: false);
        rig.Tap(KeyCodes.L);
        rig.Key(KeyCodes.LeftMeta, down: false);
        rig.Advance(TimeSpan.FromMilliseconds(5), tick: false);
    }

    [Fact]
    public void Default_grace_period_is_at_most_fifteen_seconds_and_the_default_chords_parse()
    {
        var options = new LockScreenOptions();
        Assert.InRange(options.GracePeriod, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
        Assert.Equal(["Gui+L", "Control+Alt+Delete", "Control+Gui+Q", "Control+Shift+Power", "Control+Shift+Eject", "Gui+Alt+Power"], options.Chords);
        Assert.Equal(LockScreenTriggers.All, options.Triggers);
        options.Validate();
        Assert.Throws<ArgumentException>(() => new LockScreenOptions { Chords = ["Control+Banana"] }.Validate());
        Assert.Throws<ArgumentException>(() => new LockScreenOptions { Chords = ["L"] }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LockScreenOptions { GracePeriod = TimeSpan.FromMinutes(5) }.Validate());
    }

    [Fact]
    public void A_lock_chord_pressed_while_private_suppresses_the_password_typed_after_going_public()
    {
        using var rig = new RecorderRig();
        rig.SwitchPrivate();
        rig.Advance(TimeSpan.FromMilliseconds(100));
        LockWithWinL(rig);
        rig.SwitchPublic();
        rig.Advance(TimeSpan.FromMilliseconds(200));
        Type(rig, KeyCodes.S, KeyCodes.E, KeyCodes.C, KeyCodes.R, KeyCodes.E, KeyCodes.T, KeyCodes.Enter);
        rig.Advance(Grace + TimeSpan.FromSeconds(1));
        Type(rig, KeyCodes.O, KeyCodes.K);
        rig.Finish();

        Assert.Equal([0x12, 0x0E], TypedLetters(rig));
    }

    [Fact]
    public void A_lock_chord_while_storage_is_full_or_behind_a_forget_horizon_still_counts()
    {
        // The chord arrives late (stamped before a forget that already happened): the recorder drops it, the detector does not.
        using var rig = new RecorderRig();
        rig.Tap(KeyCodes.A);
        long beforeForget = rig.Now;
        rig.Advance(TimeSpan.FromSeconds(1));
        rig.Core.Forget(TimeSpan.FromSeconds(10));
        rig.Key(KeyCodes.LeftMeta, down: true, at: beforeForget + 1);
        rig.Key(KeyCodes.L, down: true, at: beforeForget + 2);
        rig.Key(KeyCodes.L, down: false, at: beforeForget + 3);
        rig.Key(KeyCodes.LeftMeta, down: false, at: beforeForget + 4);
        rig.Advance(TimeSpan.FromMilliseconds(50));
        Type(rig, KeyCodes.S, KeyCodes.E, KeyCodes.C);
        rig.Finish();

        Assert.Empty(TypedLetters(rig));
    }

    [Fact]
    public void A_quick_retry_after_a_rejected_password_stays_suppressed()
    {
        using var rig = new RecorderRig();
        LockWithWinL(rig);
        Type(rig, KeyCodes.W, KeyCodes.R, KeyCodes.O, KeyCodes.N, KeyCodes.G, KeyCodes.Enter);
        rig.Advance(Grace / 2);
        Type(rig, KeyCodes.R, KeyCodes.I, KeyCodes.G, KeyCodes.H, KeyCodes.T, KeyCodes.Enter);
        rig.Advance(Grace / 2);
        Type(rig, KeyCodes.X);
        rig.Advance(Grace + TimeSpan.FromSeconds(1));
        Type(rig, KeyCodes.O, KeyCodes.K);
        rig.Finish();

        Assert.Equal([0x12, 0x0E], TypedLetters(rig));
    }

    [Fact]
    public void An_unlock_without_enter_keeps_suppression_until_the_next_enter()
    {
        // A fingerprint unlock: no Enter. Ordinary typing afterwards is lost until an Enter; that is the safe direction.
        using var rig = new RecorderRig();
        LockWithWinL(rig);
        rig.Advance(TimeSpan.FromMinutes(2));
        Type(rig, KeyCodes.H, KeyCodes.I, KeyCodes.Enter);
        rig.Advance(Grace + TimeSpan.FromSeconds(1));
        Type(rig, KeyCodes.O, KeyCodes.K);
        rig.Finish();

        Assert.Equal([0x12, 0x0E], TypedLetters(rig));
    }

    [Theory]
    [InlineData(LockScreenTrigger.HostResumed)]
    [InlineData(LockScreenTrigger.GadgetReenumerated)]
    [InlineData(LockScreenTrigger.ApplianceStarted)]
    public void A_trigger_starts_suppression_and_can_be_turned_off(LockScreenTrigger trigger)
    {
        using (var rig = new RecorderRig())
        {
            rig.Core.TriggerLockScreen(trigger);
            rig.Advance(TimeSpan.FromMilliseconds(10));
            Type(rig, KeyCodes.S, KeyCodes.E, KeyCodes.C, KeyCodes.Enter);
            rig.Advance(Grace + TimeSpan.FromSeconds(1));
            Type(rig, KeyCodes.O, KeyCodes.K);
            rig.Finish();

            Assert.Equal([0x12, 0x0E], TypedLetters(rig));
            Assert.Contains(Records(rig), record => record is MarkerRecord { Kind: MarkerKind.LockScreenSuppressionStarted } marker && marker.Value == (long)trigger);
        }

        using (var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", LockScreen = new LockScreenOptions { Triggers = LockScreenTriggers.None } }))
        {
            rig.Core.TriggerLockScreen(trigger);
            rig.Advance(TimeSpan.FromMilliseconds(10));
            Type(rig, KeyCodes.S, KeyCodes.E, KeyCodes.C);
            rig.Finish();

            Assert.Equal([0x16, 0x08, 0x06], TypedLetters(rig));
        }
    }

    [Fact]
    public void The_hdmi_signal_coming_back_starts_suppression()
    {
        using var rig = new RecorderRig();
        rig.Core.OnCapture(new CaptureMarker(rig.Now, CaptureMarkerKind.SignalLost, 0, 0, "no signal"));
        rig.Advance(TimeSpan.FromSeconds(1));
        rig.Core.OnCapture(new CaptureMarker(rig.Now, CaptureMarkerKind.SignalRestored, 1920, 1080, "signal"));
        rig.Advance(TimeSpan.FromMilliseconds(10));
        Type(rig, KeyCodes.S, KeyCodes.E, KeyCodes.C);
        rig.Finish();

        Assert.Empty(TypedLetters(rig));
    }

    [Fact]
    public void Configured_chords_replace_the_defaults()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", LockScreen = new LockScreenOptions { Chords = ["Control+Shift+F12"] } });
        LockWithWinL(rig);
        Type(rig, KeyCodes.A);
        rig.Key(KeyCodes.LeftCtrl, down: true);
        rig.Key(KeyCodes.LeftShift, down: true);
        rig.Key(88 /* KEY_F12 */, down: true);
        rig.Key(88, down: false);
        rig.Key(KeyCodes.LeftShift, down: false);
        rig.Key(KeyCodes.LeftCtrl, down: false);
        rig.Advance(TimeSpan.FromMilliseconds(10), tick: false);
        Type(rig, KeyCodes.S);
        rig.Finish();

        Assert.Equal([0x04], TypedLetters(rig));
        Assert.Contains(Records(rig), record => record is MarkerRecord { Kind: MarkerKind.LockScreenSuppressionStarted, Value: (long)LockChord.Configured });
    }

    [Fact]
    public void Where_capture_runs_suppression_ends_only_when_the_screen_changes_after_enter()
    {
        using var encoder = new JpegEncoder(new JpegEncodingOptions());
        byte[] lockScreen = Jpeg(encoder, luma: 40);
        byte[] desktop = Jpeg(encoder, luma: 200);
        using var rig = new RecorderRig();
        void Frame(byte[] jpeg)
        {
            rig.Core.OnCapture(CapturedFrame.Create(rig.Now, 0, 64, 48, CapturedFrameFormat.Jpeg, FrameKeepReason.Changed, jpeg));
            rig.Advance(TimeSpan.FromMilliseconds(50), tick: false);
        }

        LockWithWinL(rig);
        Frame(lockScreen);
        Type(rig, KeyCodes.W, KeyCodes.R, KeyCodes.O, KeyCodes.N, KeyCodes.G, KeyCodes.Enter);

        // Rejected: the lock screen is still there long after the grace period. The retry is not recorded.
        Frame(lockScreen);
        rig.Advance(Grace + TimeSpan.FromSeconds(1));
        Frame(lockScreen);
        Type(rig, KeyCodes.R, KeyCodes.I, KeyCodes.G, KeyCodes.H, KeyCodes.T, KeyCodes.Enter);

        // Accepted: the desktop appears; typing after it is recorded.
        Frame(desktop);
        Type(rig, KeyCodes.O, KeyCodes.K);
        rig.Finish();

        Assert.Equal([0x12, 0x0E], TypedLetters(rig));
        Assert.Contains(Records(rig), record => record is MarkerRecord { Kind: MarkerKind.LockScreenSuppressionEnded, Value: (long)LockScreenSuppressionEnd.EnterThenScreenChanged, Detail: 0 });
    }

    private static byte[] Jpeg(JpegEncoder encoder, byte luma)
    {
        const int Width = 64;
        const int Height = 48;
        byte[] packed = new byte[Width * Height * 2];
        for (int index = 0; index < packed.Length; index += 2)
        {
            packed[index] = 128;
            packed[index + 1] = luma;
        }

        return encoder.EncodePacked(packed, PixelLayout.Uyvy, Width, Height, Width * 2, out _, out _).ToArray();
    }
}
