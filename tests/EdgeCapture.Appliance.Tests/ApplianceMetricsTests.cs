using System.Diagnostics.Metrics;
using EdgeCapture.Crypto;

namespace EdgeCapture.Appliance.Tests;

/// <summary>The appliance's System.Diagnostics.Metrics instruments, read by a MeterListener as dotnet-counters would.</summary>
public sealed class ApplianceMetricsTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-metrics-tests-");
    private readonly AgeIdentity _custodian = AgeIdentity.Generate();

    public void Dispose()
    {
        _custodian.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task The_instruments_report_what_the_parts_counted()
    {
        var configuration = new ApplianceConfiguration
        {
            DeviceId = "metrics-box",
            DataDirectory = Path.Combine(_directory.FullName, "box"),
            Recipients = [_custodian.Recipient],
            SegmentSeconds = 0.3,
            VideoSource = VideoSourceKind.Simulated,
        };
        var sealedOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Appliance appliance = Appliance.Start(configuration, new ApplianceSimulation { Seed = 4 }, onSegmentSealed: info =>
        {
            if (info.Counts.Keys > 0 && info.Counts.Frames > 0)
            {
                sealedOnce.TrySetResult();
            }
        });
        using var metrics = new ApplianceMetrics(appliance, TimeProvider.System);
        await sealedOnce.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await appliance.StopAsync();

        Dictionary<string, double> measured = Collect();

        Assert.Equal(appliance.RelayCounters!.EventsRelayed, measured["edgecapture.relay.events"]);
        Assert.True(measured["edgecapture.relay.events"] > 0);
        Assert.Equal(appliance.Recorder.GetStatistics().SegmentsSealed, measured["edgecapture.recorder.segments_sealed"]);
        Assert.True(measured["edgecapture.recorder.segments_sealed"] >= 1);
        Assert.Equal(appliance.Outbox.StoredBytes, measured["edgecapture.outbox.bytes"]);
        Assert.True(measured["edgecapture.capture.frames_kept"] > 0);
        Assert.Equal(0, measured["edgecapture.recorder.events_dropped"]);
        Assert.Equal(0, measured["edgecapture.upload.segments_stored"]);
        Assert.True(measured.ContainsKey("edgecapture.capture.frames_per_second"));
        Assert.True(measured.ContainsKey("edgecapture.relay.host_away"));
    }

    private static Dictionary<string, double> Collect()
    {
        var measured = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, meterListener) =>
            {
                if (instrument.Meter.Name == ApplianceMetrics.MeterName)
                {
                    meterListener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured[instrument.Name] = value);
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => measured[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return measured;
    }
}
