using EdgeCapture.Appliance.Hardware;
using System.Device.Gpio;
using EdgeCapture.Crypto;
using EdgeCapture.Protocol.Fleet;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Storage;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// The fleet agent wired into the running appliance, driven by signed commands over a broker: the remote stop ANDed into the
/// recorder's and the frame gate ("The switch wins"), the indicator no command darkens and the recipients only the custodian
/// changes ("Governed control"), and the actions that really act.
/// </summary>
public sealed class ApplianceFleetTests
{
    [Fact]
    public async Task A_signed_stop_recording_stops_events_and_frames_while_typing_still_relays_and_allow_recording_resumes()
    {
        await using FleetApplianceHarness harness = await FleetApplianceHarness.StartBrokerAsync();
        Appliance appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 21 });
        await FleetApplianceHarness.WaitUntilAsync(() => appliance.Recorder.GetStatistics() is { EventsAccepted: > 0, FramesRecorded: > 0 }, "events and frames are recorded");

        FleetResponse stop = await harness.CommandAsync(FleetCommandNames.StopRecording);
        Assert.Equal(FleetOutcomes.Done, stop.Outcome);
        Assert.True(appliance.Fleet!.Hold.IsStopped);
        // Items stamped before the stop may still be in flight: let them land, then nothing more may be recorded.
        await Task.Delay(TimeSpan.FromSeconds(1));
        RecorderStatistics before = appliance.Recorder.GetStatistics();
        long framesKeptBefore = appliance.CaptureStatistics!.FramesKept;
        await Task.Delay(TimeSpan.FromSeconds(2));
        RecorderStatistics during = appliance.Recorder.GetStatistics();
        Assert.True(during.EventsReceived > before.EventsReceived, "the relay keeps relaying: events still reach the tap");
        Assert.Equal(before.EventsAccepted, during.EventsAccepted);
        Assert.Equal(before.KeyRecords, during.KeyRecords);
        Assert.Equal(before.FramesRecorded, during.FramesRecorded);
        Assert.Equal(framesKeptBefore, appliance.CaptureStatistics!.FramesKept);
        await FleetApplianceHarness.WaitUntilAsync(() => harness.Record.Status is { Privacy: FleetPrivacyStates.StoppedRemotely, RemoteStop: true, IndicatorLit: true }, "the status shows the remote stop");

        FleetResponse allow = await harness.CommandAsync(FleetCommandNames.AllowRecording);
        Assert.Equal(FleetOutcomes.Done, allow.Outcome);
        await FleetApplianceHarness.WaitUntilAsync(() => appliance.Recorder.GetStatistics().EventsAccepted > during.EventsAccepted && appliance.CaptureStatistics!.FramesKept > framesKeptBefore, "recording resumes after allow-recording");
        Assert.Equal(0, appliance.TapDroppedEvents);
    }

    [Fact]
    public async Task Allow_recording_while_the_switch_is_private_records_nothing_and_a_stop_survives_a_restart()
    {
        await using FleetApplianceHarness harness = await FleetApplianceHarness.StartBrokerAsync();
        Appliance appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 22, PrivateAt = [0] });
        Assert.Equal(FleetOutcomes.Done, (await harness.CommandAsync(FleetCommandNames.StopRecording)).Outcome);
        FleetResponse allow = await harness.CommandAsync(FleetCommandNames.AllowRecording);
        Assert.Equal(FleetOutcomes.Done, allow.Outcome);
        Assert.Contains("switch still decides", allow.Detail, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(2));
        RecorderStatistics statistics = appliance.Recorder.GetStatistics();
        Assert.True(statistics.EventsReceived > 0, "the relay relays");
        Assert.Equal(0, statistics.EventsAccepted);
        Assert.Equal(0, statistics.FramesRecorded);
        Assert.Equal(0, appliance.CaptureStatistics!.FramesKept);
        await FleetApplianceHarness.WaitUntilAsync(() => harness.Record.Status is { Privacy: FleetPrivacyStates.Private, RemoteStop: false, IndicatorLit: false }, "the status shows private");

        // A stop in force is kept across a restart: the new run is stopped from its first instant although the switch is public.
        Assert.Equal(FleetOutcomes.Done, (await harness.CommandAsync(FleetCommandNames.StopRecording)).Outcome);
        await harness.StopApplianceAsync();
        appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 23 });
        Assert.True(appliance.Fleet!.Hold.IsStopped);
        await FleetApplianceHarness.WaitUntilAsync(() => appliance.Recorder.GetStatistics().EventsReceived > 0 && appliance.Privacy.Status.State == EdgeCapture.Privacy.PrivacyState.Public, "public and relaying");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(0, appliance.Recorder.GetStatistics().EventsAccepted);
        Assert.Equal(0, appliance.CaptureStatistics!.FramesKept);
    }

    [Fact]
    public async Task No_command_or_desired_configuration_darkens_the_indicator_while_recording_is_possible()
    {
        await using FleetApplianceHarness harness = await FleetApplianceHarness.StartBrokerAsync();
        Appliance appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 24 });
        await FleetApplianceHarness.WaitUntilAsync(() => appliance.Privacy.Status.State == EdgeCapture.Privacy.PrivacyState.Public, "public");
        var darkened = new List<string>();
        void Check(string after)
        {
            if (appliance.SimulatedGpio!.LevelOf(SimulatedHardware.IndicatorLine) != PinValue.High || appliance.Privacy.Indicator!.Mode != EdgeCapture.Privacy.IndicatorMode.Lit)
            {
                darkened.Add(after);
            }
        }

        using AgeIdentity reader = AgeIdentity.Generate();
        (string Name, string Arguments, bool Custodian)[] commands =
        [
            (FleetCommandNames.Status, "{}", false),
            (FleetCommandNames.ApplyConfig, "{\"settings\":{\"recordingIndicator\":false,\"indicator\":\"off\",\"ledEnabled\":false,\"privacySwitch\":\"ignore\"}}", false),
            (FleetCommandNames.StopRecording, "{}", false),
            (FleetCommandNames.AllowRecording, "{}", false),
            (FleetCommandNames.ForgetWindow, "{\"minutes\":1}", false),
            (FleetCommandNames.PurgeOutbox, "{}", false),
            (FleetCommandNames.SetRecipients, FleetCommandArguments.ForRecipients([reader.Recipient.ToString()]), true),
        ];
        foreach ((string name, string arguments, bool custodian) in commands)
        {
            FleetResponse response = await harness.CommandAsync(name, arguments, custodian ? harness.CustodianSigning : null);
            Assert.Equal(FleetOutcomes.Done, response.Outcome);
            Check(name);
        }

        Assert.True(await harness.PublishDesiredAsync(1, "{\"recordingIndicator\":false,\"indicatorMode\":\"dark\",\"led\":0,\"gateBypass\":true,\"segmentSeconds\":2}"));
        await FleetApplianceHarness.WaitUntilAsync(() => harness.Record.Reported is { DeviceVersion: 1 }, "the desired document is reported");
        Check("desired configuration");
        FleetReportedConfiguration reported = harness.Record.Reported!;
        Assert.True(reported.Safety.IndicatorFollowsRecording);
        Assert.Contains(reported.Rejected, rejected => rejected.Key == "recordingIndicator" && rejected.Reason.Contains("indicator", StringComparison.Ordinal));
        for (int i = 0; i < 20; i++)
        {
            await Task.Delay(50);
            Check("a while later");
        }

        Assert.Empty(darkened);
        Assert.Equal(EdgeCapture.Privacy.PrivacyState.Public, appliance.Privacy.Status.State);
    }

    [Fact]
    public async Task Only_a_custodian_signed_set_recipients_changes_the_readers_of_new_segments_and_an_operator_signed_one_is_audited()
    {
        await using FleetApplianceHarness harness = await FleetApplianceHarness.StartBrokerAsync();
        using AgeIdentity newReader = AgeIdentity.Generate();
        long sealedAfterChange = long.MaxValue;
        var sealedSegments = new System.Collections.Concurrent.ConcurrentQueue<SegmentSealedInfo>();
        Appliance appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 25 }, onSealed: sealedSegments.Enqueue);
        string arguments = FleetCommandArguments.ForRecipients([newReader.Recipient.ToString()]);

        FleetResponse refused = await harness.CommandAsync(FleetCommandNames.SetRecipients, arguments, harness.Operator);
        Assert.Equal(FleetOutcomes.Rejected, refused.Outcome);
        Assert.Equal("wrong-role", refused.Reason);
        FleetAuditEntry audited = Assert.Single(appliance.Fleet!.Agent!.Audit.ReadAll(), entry => entry.Subject == FleetCommandNames.SetRecipients);
        Assert.Equal(FleetOutcomes.Rejected, audited.Outcome);
        Assert.Equal("operator", audited.Role);

        FleetResponse accepted = await harness.CommandAsync(FleetCommandNames.SetRecipients, arguments, harness.CustodianSigning);
        Assert.Equal(FleetOutcomes.Done, accepted.Outcome);
        Interlocked.Exchange(ref sealedAfterChange, sealedSegments.Count);
        await FleetApplianceHarness.WaitUntilAsync(() => sealedSegments.Count > Interlocked.Read(ref sealedAfterChange) + 1 && harness.Record.Birth!.Keys.Recipients.SequenceEqual([FleetFingerprint.Of(newReader.Recipient.ToString())]), "new segments sealed, the birth shows the new reader");
        SegmentSealedInfo last = sealedSegments.Last();
        await appliance.StopAsync();
        Assert.True(appliance.Outbox.TryOpenCiphertext(new SegmentKey(last.SessionId, last.SegmentIndex), out Stream? ciphertext));
        using (ciphertext)
        {
            var copy = new MemoryStream();
            await ciphertext.CopyToAsync(copy);
            Assert.True(Opens(copy.ToArray(), newReader), "the new reader opens a segment sealed after the change");
            Assert.False(Opens(copy.ToArray(), harness.Custodian), "the old reader does not");
        }

        // Durable: after a restart the box still seals to the readers the custodian chose.
        await harness.StopApplianceAsync();
        appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 26 });
        Assert.Equal([newReader.Recipient.ToString()], appliance.Fleet!.Recipients.Select(recipient => recipient.ToString()));
    }

    [Fact]
    public async Task Purge_forget_apply_config_and_restart_service_act_on_the_appliance()
    {
        await using FleetApplianceHarness harness = await FleetApplianceHarness.StartBrokerAsync();
        long sealedCount = 0;
        Appliance appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 27 }, onSealed: _ => Interlocked.Increment(ref sealedCount));
        await FleetApplianceHarness.WaitUntilAsync(() => Interlocked.Read(ref sealedCount) >= 3, "three segments sealed");

        FleetResponse forget = await harness.CommandAsync(FleetCommandNames.ForgetWindow, "{\"minutes\":1}");
        Assert.Equal(FleetOutcomes.Done, forget.Outcome);
        Assert.Matches("[1-9][0-9]* segment\\(s\\) deleted", forget.Detail);
        await FleetApplianceHarness.WaitUntilAsync(() => appliance.Outbox.GetStatistics() is { PendingSegments: >= 5 }, "segments wait again");
        FleetResponse purge = await harness.CommandAsync(FleetCommandNames.PurgeOutbox);
        Assert.Equal(FleetOutcomes.Done, purge.Outcome);
        Assert.Contains("outbox purged", purge.Detail, StringComparison.Ordinal);
        OutboxStatistics afterPurge = appliance.Outbox.GetStatistics();
        Assert.True(afterPurge.PendingSegments + afterPurge.UploadingSegments <= 2, "at most the segments sealed since the purge wait");

        FleetResponse apply = await harness.CommandAsync(FleetCommandNames.ApplyConfig, "{\"settings\":{\"segmentSeconds\":0.5,\"lockScreenTriggers\":[\"hostResumed\"]}}");
        Assert.Equal(FleetOutcomes.Done, apply.Outcome);
        await FleetApplianceHarness.WaitUntilAsync(() => harness.Record.Reported?.Applied.ContainsKey("segmentSeconds") == true, "reported");
        FleetReportedConfiguration reported = harness.Record.Reported!;
        Assert.Contains("segmentSeconds", reported.AppliedLive);
        Assert.Contains("lockScreenTriggers", reported.AppliedLive);
        Assert.Equal("weakened", reported.Safety.LockScreenSuppression);
        Assert.Contains(reported.Safety.WeakenedFromDefaults, line => line.StartsWith("lockScreenTriggers", StringComparison.Ordinal));

        FleetResponse restart = await harness.CommandAsync(FleetCommandNames.RestartService);
        Assert.Equal(FleetOutcomes.Done, restart.Outcome);
        Assert.Contains(Appliance.RestartExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture), restart.Detail, StringComparison.Ordinal);
        Assert.Contains("restart-service", await appliance.RestartRequested.WaitAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        long bdSeq = appliance.Upload!.PresenceSequence;
        await harness.StopApplianceAsync();
        await FleetApplianceHarness.WaitUntilAsync(() => !harness.Record.IsOnline && harness.Record.Death!.BdSeq == bdSeq, "the death of that birth is seen");

        appliance = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 28 });
        Assert.Equal(0.5, appliance.Configuration.SegmentSeconds);
        Assert.Equal(LockScreenTriggers.HostResumed, appliance.Configuration.LockScreenTriggers);
        Assert.True(appliance.Upload!.PresenceSequence > bdSeq);
    }

    private static bool Opens(byte[] ciphertext, AgeIdentity identity)
    {
        try
        {
            using AgeDecryptingStream plaintext = AgeDecryptingStream.Open(new MemoryStream(ciphertext), [identity]);
            plaintext.CopyTo(Stream.Null);
            return true;
        }
        catch (AgeException)
        {
            return false;
        }
    }
}
