using System.Reflection;
using System.Security.Cryptography;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Privacy;
using EdgeCapture.Protocol.Fleet;
using EdgeCapture.Video;

namespace EdgeCapture.Appliance.Fleet;

/// <summary>
/// What the fleet agent reads about the running appliance: read-only views of the privacy hardware, the relay's and the
/// tap's counters, the capture stage, the outbox and the recipients. Nothing here can change the box.
/// </summary>
internal sealed class ApplianceDeviceFacts : IDeviceFacts
{
    private readonly Appliance _appliance;
    private readonly ApplianceFleetState _state;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly Lock _rateLock = new();
    private long _lastFramesKept;
    private long _lastFramesCaptured;
    private FleetOutboxBacklog? _backlog;
    private long _backlogAt;
    private long _lastRateAt;
    private double _framesKeptPerSecond;
    private bool _signal;

    public ApplianceDeviceFacts(Appliance appliance, ApplianceFleetState state, TimeProvider time)
    {
        _appliance = appliance;
        _state = state;
        _time = time;
        _startedAt = time.GetTimestamp();
        _lastRateAt = _startedAt;
        Versions = new FleetVersions(AppVersion(), FirstLine(appliance.Configuration.FirmwareVersionPath), FirstLine("/proc/device-tree/model"));
        PinoutHash = appliance.Simulation is not null ? "simulated" : HashOf(appliance.Configuration.PinoutPath);
        CapturePath = appliance.Configuration.VideoSource switch
        {
            VideoSourceKind.None => "none",
            VideoSourceKind.Simulated => "simulated",
            VideoSourceKind.V4l2Bridge => "v4l2-bridge",
            VideoSourceKind.V4l2Dongle => "v4l2-dongle",
            _ => "file",
        };
    }

    public FleetVersions Versions { get; }

    public string CapturePath { get; }

    public DevicePublicKey DeviceKey => _appliance.DevicePublicKey;

    public IReadOnlyList<string> Recipients => _state.Recipients.Select(recipient => recipient.ToString()).ToList();

    public string PinoutHash { get; }

    /// <summary>
    /// The indicator follows recording and the switch wins always (no setting reaches them); the lock-screen state is that of
    /// the configuration the box runs with, or will run with once the fleet's accepted settings take effect, whichever is weaker.
    /// </summary>
    public FleetSafetyState Safety
    {
        get
        {
            List<string> weakened = _state.LiveConfiguration.LockScreenWeakenings().Union(_state.NextConfiguration.LockScreenWeakenings()).ToList();
            return new FleetSafetyState(true, true, weakened.Count == 0 ? "default" : "weakened", weakened);
        }
    }

    public DeviceStatusSnapshot ReadStatus()
    {
        PrivacyHardware privacy = _appliance.Privacy;
        PrivacyStatus status = privacy.Status;
        string state = status.State == PrivacyState.Public
            ? (_appliance.Outbox.IsStorageFull ? FleetPrivacyStates.StorageFull : FleetPrivacyStates.Recording)
            : (status.IsFault ? FleetPrivacyStates.Fault : FleetPrivacyStates.Private);
        bool lit = privacy.Indicator?.Mode == IndicatorMode.Lit;
        var relay = new FleetRelayCounters(_appliance.RelayCounters?.EventsRelayed ?? 0, _appliance.TapDroppedEvents, _appliance.RelayCounters?.HostAway ?? 0);
        string? lastError = status.IsFault ? $"privacy: {status.Reason}: {status.Detail}" : _appliance.LastError;
        return new DeviceStatusSnapshot(state, lit, relay, Capture(), Backlog(), DiskFree(), _time.GetElapsedTime(_startedAt), lastError);
    }

    private FleetCaptureState Capture()
    {
        CaptureStatistics? statistics = _appliance.CaptureStatistics;
        if (statistics is null)
        {
            return new FleetCaptureState(false, "none", 0);
        }

        lock (_rateLock)
        {
            long now = _time.GetTimestamp();
            TimeSpan elapsed = _time.GetElapsedTime(_lastRateAt, now);
            if (elapsed >= TimeSpan.FromSeconds(1))
            {
                // A signal is frames arriving from the source at all (kept or refused by the gate) since the last look.
                _signal = statistics.FramesCaptured != _lastFramesCaptured;
                _framesKeptPerSecond = Math.Round((statistics.FramesKept - _lastFramesKept) / elapsed.TotalSeconds, 2);
                _lastFramesCaptured = statistics.FramesCaptured;
                _lastFramesKept = statistics.FramesKept;
                _lastRateAt = now;
            }

            string mode = _appliance.Configuration.VideoSource == VideoSourceKind.V4l2Dongle
                ? $"{_appliance.Configuration.VideoWidth}x{_appliance.Configuration.VideoHeight}"
                : CapturePath;
            return new FleetCaptureState(_signal, mode, _framesKeptPerSecond);
        }
    }

    /// <summary>The backlog, read from the outbox at most once a second (the agent looks for changes four times a second).</summary>
    private FleetOutboxBacklog Backlog()
    {
        lock (_rateLock)
        {
            long now = _time.GetTimestamp();
            if (_backlog is null || _time.GetElapsedTime(_backlogAt, now) >= TimeSpan.FromSeconds(1))
            {
                Storage.OutboxStatistics statistics = _appliance.Outbox.GetStatistics();
                _backlog = new FleetOutboxBacklog(statistics.PendingSegments + statistics.UploadingSegments, statistics.StoredBytes);
                _backlogAt = now;
            }

            return _backlog;
        }
    }

    private long DiskFree()
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(_appliance.Configuration.DataDirectory)).AvailableFreeSpace;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    private static string AppVersion() =>
        typeof(Appliance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static string FirstLine(string path)
    {
        try
        {
            string text = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
            string line = text.Split('\n', 2)[0].Trim('\0', ' ', '\r');
            return line.Length is > 0 and <= 128 ? line : "unknown";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static string HashOf(string path)
    {
        try
        {
            return File.Exists(path) ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : "none";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "none";
        }
    }
}
