using System.Diagnostics.Metrics;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Relay;
using EdgeCapture.Video;

namespace EdgeCapture.Appliance;

/// <summary>
/// The appliance's metrics through <see cref="System.Diagnostics.Metrics"/> (meter <see cref="MeterName"/>): observable
/// instruments read the parts' own counters only when a listener collects (dotnet-counters, an OpenTelemetry exporter),
/// so nothing is added to the relay's or the recorder's hot paths. Counters are cumulative since the start; rates such as
/// capture frames per second are the listener's to derive, and one gauge gives it directly.
/// </summary>
public sealed class ApplianceMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "EdgeCapture.Appliance";

    private readonly Meter _meter;
    private readonly Appliance _appliance;
    private readonly TimeProvider _time;
    private readonly Lock _rateLock = new();
    private long _lastFramesKept;
    private long _lastFramesTimestamp;

    /// <summary>Creates the instruments over <paramref name="appliance"/>'s parts.</summary>
    /// <param name="appliance">The running appliance.</param>
    /// <param name="time">The clock the frame rate is measured with.</param>
    /// <param name="meterFactory">The host's meter factory, or null for a meter of its own.</param>
    public ApplianceMetrics(Appliance appliance, TimeProvider time, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(appliance);
        ArgumentNullException.ThrowIfNull(time);
        _appliance = appliance;
        _time = time;
        _lastFramesTimestamp = time.GetTimestamp();
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("edgecapture.relay.events", () => Relay()?.EventsRelayed ?? 0, "{event}", "Input events relayed to the host.");
        _meter.CreateObservableCounter("edgecapture.relay.host_away", () => Relay()?.HostAway ?? 0, "{transition}", "Times the host went away (suspended, unplugged, not reading).");
        _meter.CreateObservableCounter("edgecapture.recorder.events_dropped", DroppedForRecording, "{event}", "Relayed events dropped for recording (never for relaying): the tap or the recorder was behind.");
        _meter.CreateObservableCounter("edgecapture.recorder.segments_sealed", () => Recorder().SegmentsSealed, "{segment}", "Segments sealed (encrypted, signed, durable in the outbox).");
        _meter.CreateObservableCounter("edgecapture.upload.segments_stored", () => appliance.Upload?.Uploader.Statistics.SegmentsStored ?? 0, "{segment}", "Segments the collector confirmed stored (signed answer verified).");
        _meter.CreateObservableGauge("edgecapture.outbox.bytes", () => appliance.Outbox.StoredBytes, "By", "Bytes the outbox holds (sealed segments not yet confirmed).");
        _meter.CreateObservableCounter("edgecapture.capture.frames_kept", () => Capture()?.FramesKept ?? 0, "{frame}", "Captured frames kept by the sampler (before the privacy gate).");
        _meter.CreateObservableGauge("edgecapture.capture.frames_per_second", FramesPerSecond, "{frame}/s", "Frames kept per second since the previous collection.");
    }

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    private HidRelayCounters? Relay() => _appliance.RelayCounters;

    private RecorderStatistics Recorder() => _appliance.Recorder.GetStatistics();

    private CaptureStatistics? Capture() => _appliance.CaptureStatistics;

    private long DroppedForRecording()
    {
        RecorderStatistics statistics = Recorder();
        return statistics.EventsDroppedByTap + statistics.EventsDroppedByRecorder;
    }

    private double FramesPerSecond()
    {
        long kept = Capture()?.FramesKept ?? 0;
        lock (_rateLock)
        {
            TimeSpan elapsed = _time.GetElapsedTime(_lastFramesTimestamp);
            double rate = elapsed > TimeSpan.Zero ? (kept - _lastFramesKept) / elapsed.TotalSeconds : 0;
            _lastFramesKept = kept;
            _lastFramesTimestamp = _time.GetTimestamp();
            return rate;
        }
    }
}
