using EdgeCapture.Protocol.Fleet;
using EdgeCapture.Recording.Recorder;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// A remote stop cuts the open segment at the stop's instant, as a switch flip does: what was recorded before it is sealed
/// at once (not at the end of a long segment, nor at shutdown), and nothing after it is recorded. And the fleet birth carries
/// the firmware version the image wrote.
/// </summary>
public sealed class ApplianceFleetStopAndVersionTests
{
    [Fact]
    public async Task A_remote_stop_seals_what_was_recorded_before_it_at_once_and_records_nothing_after()
    {
        await using FleetApplianceHarness harness = await FleetApplianceHarness.StartBrokerAsync();
        var sealedSegments = new List<SegmentSealedInfo>();
        // Ten-minute segments: without the cut, nothing would be sealed before the appliance stops.
        ApplianceConfiguration configuration = harness.Configuration() with { SegmentSeconds = 600 };
        Appliance appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 41 }, configuration, info =>
        {
            lock (sealedSegments)
            {
                sealedSegments.Add(info);
            }
        });
        await FleetApplianceHarness.WaitUntilAsync(() => appliance.Recorder.GetStatistics() is { EventsAccepted: > 0, FramesRecorded: > 0 }, "events and frames are recorded");
        Assert.Empty(Snapshot(sealedSegments));

        FleetResponse stop = await harness.CommandAsync(FleetCommandNames.StopRecording);
        Assert.Equal(FleetOutcomes.Done, stop.Outcome);
        long stoppedAt = appliance.Fleet!.Hold.StoppedSinceNanoseconds!.Value;
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (Snapshot(sealedSegments).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the open segment was not sealed within 10 s of the remote stop (segments are 600 s)");
            await Task.Delay(20);
        }

        SegmentSealedInfo cut = Assert.Single(Snapshot(sealedSegments));
        Assert.True(cut.MonotonicEndNanoseconds <= stoppedAt, $"the sealed segment ends at {cut.MonotonicEndNanoseconds}, after the stop at {stoppedAt}");
        Assert.True(cut.Counts.Keys + cut.Counts.Mouse + cut.Counts.Frames > 0, "what was recorded before the stop is in it");

        // Typing goes on (the relay relays); nothing more is recorded, so stopping the appliance seals nothing further.
        RecorderStatistics afterCut = appliance.Recorder.GetStatistics();
        await FleetApplianceHarness.WaitUntilAsync(() => appliance.Recorder.GetStatistics().EventsReceived > afterCut.EventsReceived + 20, "the relay keeps relaying");
        Assert.Equal(afterCut.EventsAccepted, appliance.Recorder.GetStatistics().EventsAccepted);
        await harness.StopApplianceAsync();
        Assert.Single(Snapshot(sealedSegments));
    }

    [Fact]
    public async Task The_birth_carries_the_firmware_version_the_image_wrote()
    {
        await using FleetApplianceHarness harness = await FleetApplianceHarness.StartBrokerAsync();
        string versionFile = Path.Combine(harness.Directory.FullName, "firmware-version");
        await File.WriteAllTextAsync(versionFile, "2026.12.1-fleet-test\n");
        await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 42 }, harness.Configuration() with { FirmwareVersionPath = versionFile });
        Assert.Equal("2026.12.1-fleet-test", harness.Record.Birth!.Versions.Firmware);
        await harness.StopApplianceAsync();

        // No file: said so, not invented.
        await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 43 }, harness.Configuration() with { FirmwareVersionPath = Path.Combine(harness.Directory.FullName, "absent") });
        Assert.Equal("unknown", harness.Record.Birth!.Versions.Firmware);
    }

    private static List<SegmentSealedInfo> Snapshot(List<SegmentSealedInfo> segments)
    {
        lock (segments)
        {
            return [.. segments];
        }
    }
}
