using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Tests;

/// <summary>A forget press made while the appliance stops still forgets what the final seal stored.</summary>
public sealed class ForgetWhileStoppingTests
{
    [Fact]
    public void A_press_carried_out_after_the_final_seal_deletes_what_that_seal_stored_in_its_window()
    {
        using var rig = new RecorderRig(new RecorderOptions { DeviceId = "box", SegmentMaximumDuration = TimeSpan.FromSeconds(30) });
        rig.Tap(KeyCodes.Z);
        rig.Advance(TimeSpan.FromMinutes(5));

        // Typed, then the button is pressed while the appliance is stopping: the stop seals the open segment first.
        rig.Tap(KeyCodes.A);
        rig.Advance(TimeSpan.FromSeconds(1), tick: false);
        long pressedAt = rig.Now;
        rig.Finish();
        Assert.Contains(rig.Sealed, info => info.EndReason == SessionEndReason.Shutdown);

        // Carried out after the recorder stopped (the appliance's last step before it shuts the outbox).
        ForgetOutcome outcome = rig.Core.Forget(pressedAt, TimeSpan.FromMinutes(2));
        Assert.True(outcome.Deleted >= 1);
        Assert.True(outcome.IsComplete);

        List<SegmentRecord> records = rig.DecryptAll().SelectMany(segment => segment.Contents.Records).ToList();
        Assert.Equal([0x1D, 0x1D], records.OfType<KeyRecord>().Select(key => (int)key.Usage.Id));
    }
}
