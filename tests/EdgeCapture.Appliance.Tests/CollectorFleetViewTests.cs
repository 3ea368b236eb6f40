using EdgeCapture.Collector;
using EdgeCapture.Collector.Broker;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.View;
using EdgeCapture.Protocol.Fleet;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Appliance.Tests;

/// <summary>The collector's fleet view kept from a running appliance: births inside the signed presence, status, audit, deaths.</summary>
public sealed class CollectorFleetViewTests
{
    [Fact]
    public async Task The_collector_keeps_the_last_birth_status_and_audit_of_a_running_appliance_and_its_death()
    {
        await using FleetApplianceHarness harness = await FleetApplianceHarness.StartBrokerAsync();
        string path = Path.Combine(harness.Directory.FullName, "fleet-view.db");
        DevicePublicKey? enrolled = null;
        CollectorFleetView view = await CollectorFleetView.StartAsync(path, new BrokerConnectionOptions { Host = "127.0.0.1", Port = harness.Port, ClientId = "collector-test" },
            device => device == FleetApplianceHarness.DeviceId ? Volatile.Read(ref enrolled) : null, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        await using (view)
        {
            // The box's key is enrolled first (as the custodian's enrolment does); an unenrolled box's presence is not believed.
            Appliance appliance = EdgeCapture.Appliance.Appliance.Start(harness.Configuration(), new ApplianceSimulation { Seed = 31 });
            await using (appliance)
            {
                await FleetApplianceHarness.WaitUntilAsync(() => view.Observer.View.Malformed > 0, "the unenrolled box's presence is refused");
                Assert.Null(view.Observer.View.Device(FleetApplianceHarness.DeviceId)?.Birth);
                await appliance.StopAsync();
            }

            Volatile.Write(ref enrolled, harness.Appliance?.DevicePublicKey ?? ReadDeviceKey(harness));
            Appliance running = await harness.StartApplianceAsync(new ApplianceSimulation { Seed = 32 });
            Assert.Equal(FleetOutcomes.Done, (await harness.CommandAsync(FleetCommandNames.StopRecording)).Outcome);
            Assert.Equal(FleetOutcomes.Rejected, (await harness.CommandAsync(FleetCommandNames.SetRecipients, FleetCommandArguments.ForRecipients([harness.Custodian.Recipient.ToString()]))).Outcome);
            await FleetApplianceHarness.WaitUntilAsync(() => view.Observer.View.Device(FleetApplianceHarness.DeviceId) is { IsOnline: true, Status.RemoteStop: true }, "the view shows the box online and stopped remotely");
            FleetDeviceRecord record = view.Observer.View.Device(FleetApplianceHarness.DeviceId)!;
            Assert.Equal(running.Upload!.PresenceSequence, record.Birth!.BdSeq);
            Assert.Equal("simulated", record.Birth.CapturePath);
            Assert.Equal(running.DevicePublicKey.ToString(), record.Birth.Keys.DevicePublicKey);
            Assert.Equal(2, record.Birth.Keys.TrustedSigners.Count);
            long bdSeq = record.Birth.BdSeq;
            await harness.StopApplianceAsync();
            await FleetApplianceHarness.WaitUntilAsync(() => view.Observer.View.Device(FleetApplianceHarness.DeviceId) is { IsOnline: false } gone && gone.Death!.BdSeq == bdSeq, "the death of that birth");
            await FleetApplianceHarness.WaitUntilAsync(() => AuditCount(view, path) >= 2, "the audit reaches the collector");
        }

        // Durable: the CLI's view of the file (read-only) shows the same.
        using FleetViewStore store = FleetViewStore.Open(path, readOnly: true);
        var reloaded = new FleetView(TimeProvider.System);
        store.LoadInto(reloaded);
        FleetDeviceRecord kept = reloaded.Device(FleetApplianceHarness.DeviceId)!;
        Assert.False(kept.IsOnline);
        Assert.NotNull(kept.Birth);
        Assert.NotNull(kept.Status);
        IReadOnlyList<(FleetAuditEntry Entry, bool ChainOk)> audit = store.Audit(FleetApplianceHarness.DeviceId, 100);
        Assert.All(audit, entry => Assert.True(entry.ChainOk));
        Assert.Contains(audit, entry => entry.Entry.Subject == FleetCommandNames.SetRecipients && entry.Entry.Outcome == FleetOutcomes.Rejected && entry.Entry.Reason == "wrong-role");
        Assert.Contains(audit, entry => entry.Entry.Subject == FleetCommandNames.StopRecording && entry.Entry.Outcome == FleetOutcomes.Done);
    }

    private static int AuditCount(CollectorFleetView view, string path)
    {
        _ = view;
        using FleetViewStore store = FleetViewStore.Open(path, readOnly: true);
        return store.Audit(FleetApplianceHarness.DeviceId, 100).Count;
    }

    private static DevicePublicKey ReadDeviceKey(FleetApplianceHarness harness)
    {
        using DeviceSigningKey key = DeviceSigningKey.LoadOrCreate(Path.Combine(harness.Directory.FullName, "box", "device.key"), DateTimeOffset.UtcNow);
        return key.PublicKey;
    }
}
