using EdgeCapture.Protocol.Fleet;
using EdgeCapture.Recording.Recorder;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// Remote settings the running appliance takes at once (segment length, lock-screen chords and triggers, the status interval)
/// and those that wait for the next start (quota, video), with the reported configuration saying exactly which is which; a
/// weakened lock-screen setting applied live shows in the reported safety state.
/// </summary>
public sealed class ApplianceFleetLiveSettingsTests
{
    [Fact]
    public async Task Segment_length_and_lock_screen_settings_apply_live_and_the_report_names_what_waits_for_a_restart()
    {
        await using FleetApplianceHarness harness = await FleetApplianceHarness.StartBrokerAsync();
        var sealedSegments = new List<SegmentSealedInfo>();
        ApplianceConfiguration configuration = harness.Configuration() with { SegmentSeconds = 600 };
        Appliance appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 51 }, configuration, info =>
        {
            lock (sealedSegments)
            {
                sealedSegments.Add(info);
            }
        });
        await FleetApplianceHarness.WaitUntilAsync(() => appliance.Recorder.GetStatistics() is { EventsAccepted: > 0 }, "events are recorded");

        FleetResponse apply = await harness.CommandAsync(FleetCommandNames.ApplyConfig,
            "{\"settings\":{\"segmentSeconds\":0.5,\"lockScreenTriggers\":[\"hostResumed\"],\"statusIntervalSeconds\":2,\"quotaBytes\":2147483648,\"videoJpegQuality\":60}}");
        Assert.Equal(FleetOutcomes.Done, apply.Outcome);
        Assert.Contains("in force now: lockScreenTriggers, segmentSeconds, statusIntervalSeconds", apply.Detail, StringComparison.Ordinal);
        Assert.Contains("from the next start: quotaBytes, videoJpegQuality", apply.Detail, StringComparison.Ordinal);

        // Half-second segments now, not after a restart: several are sealed within a few seconds (they were 600 s).
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (Count(sealedSegments) < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the new segment length did not apply live");
            await Task.Delay(20);
        }

        await FleetApplianceHarness.WaitUntilAsync(() => harness.Record.Reported?.PendingRestart.Count > 0, "reported");
        FleetReportedConfiguration reported = harness.Record.Reported!;
        Assert.Equal(["lockScreenTriggers", "segmentSeconds", "statusIntervalSeconds"], reported.AppliedLive);
        Assert.Equal(["quotaBytes", "videoJpegQuality"], reported.PendingRestart);
        Assert.DoesNotContain(reported.Rejected, rejected => rejected.Key is "segmentSeconds" or "lockScreenTriggers");
        // Fewer triggers than the defaults is weaker: applied, and never silently.
        Assert.Equal("weakened", reported.Safety.LockScreenSuppression);
        Assert.Contains(reported.Safety.WeakenedFromDefaults, line => line.StartsWith("lockScreenTriggers", StringComparison.Ordinal));
        Assert.True(reported.Safety.IndicatorFollowsRecording && reported.Safety.SwitchWins);
    }

    private static int Count(List<SegmentSealedInfo> segments)
    {
        lock (segments)
        {
            return segments.Count;
        }
    }
}
