using EdgeCapture.Appliance.Fleet;
using EdgeCapture.Appliance.Hardware;
using EdgeCapture.Crypto;
using EdgeCapture.Input;
using EdgeCapture.Privacy;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Relay.Simulation;
using EdgeCapture.Storage;
using EdgeCapture.Video;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// The parts of one running appliance, each set by the hosted service that owns it when that service starts (and read
/// by the services started after it). One instance per host; the <see cref="Appliance"/> facade reads it.
/// </summary>
internal sealed class ApplianceParts(ApplianceConfiguration configuration, IReadOnlyList<AgeRecipient> recipients, ApplianceHardware hardware, ApplianceFleet? fleet, ILoggerFactory loggerFactory, Action<string> report, Action<SegmentSealedInfo>? onSegmentSealed)
{
    /// <summary>Events the relay can offer ahead of the recorder before the tap refuses (and counts).</summary>
    public const int TapCapacity = 16384;

    public ApplianceConfiguration Configuration { get; } = configuration;

    public IReadOnlyList<AgeRecipient> Recipients { get; } = recipients;

    public ApplianceHardware Hardware { get; } = hardware;

    public ApplianceFleet? Fleet { get; } = fleet;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    public Action<string> Report { get; } = report;

    public Action<SegmentSealedInfo>? OnSegmentSealed { get; } = onSegmentSealed;

    public MonotonicClock Clock { get; } = MonotonicClock.System;

    public TimeProvider Time => Clock.TimeProvider;

    /// <summary>The relay offers every event here and never waits; the recorder side drains it.</summary>
    public InputTap Tap { get; } = new(TapCapacity);

    /// <summary>Faults of the parts that are restarted (recorder, upload, fleet), for status and the summary.</summary>
    public ApplianceHealth Health { get; } = new();

    public PrivacyOptions PrivacyOptions { get; } = new();

    public Appliance? Facade { get; set; }

    public IApplianceRelay? Relay { get; set; }

    public RelaySimulationResult? SimulatedRelayResult { get; set; }

    public PrivacyHardware? Privacy { get; set; }

    public DeviceSigningKey? SigningKey { get; set; }

    public SegmentOutbox? Outbox { get; set; }

    public OutboxSegmentSink? Sink { get; set; }

    public UploadStage? Upload { get; set; }

    public CaptureStage? Capture { get; set; }

    public Recorder? Recorder { get; set; }

    private string? _lastError;

    /// <summary>The last error worth reporting to the fleet, or null.</summary>
    public string? LastError
    {
        get => Volatile.Read(ref _lastError);
        set => Volatile.Write(ref _lastError, value);
    }
}
