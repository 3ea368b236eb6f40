using EdgeCapture.Crypto;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.Box;

/// <summary>A moment's view of the box for a status message (all counters cumulative since start).</summary>
/// <param name="Privacy">A <see cref="FleetPrivacyStates"/> value from the switch and gate (the agent adds the remote stop).</param>
/// <param name="IndicatorLit">Whether the recording indicator is lit.</param>
/// <param name="Relay">Relay counters.</param>
/// <param name="Capture">Capture state.</param>
/// <param name="Outbox">Outbox backlog.</param>
/// <param name="DiskFreeBytes">Free bytes on the data disk.</param>
/// <param name="Uptime">Time since the service started.</param>
/// <param name="LastError">The last error, or null.</param>
public sealed record DeviceStatusSnapshot(string Privacy, bool IndicatorLit, FleetRelayCounters Relay, FleetCaptureState Capture, FleetOutboxBacklog Outbox, long DiskFreeBytes, TimeSpan Uptime, string? LastError);

/// <summary>
/// What the fleet agent reads about the box; the appliance implements it. Read-only: nothing here changes the box, and
/// the fleet never sees the relay, the switch or the indicator themselves.
/// </summary>
public interface IDeviceFacts
{
    /// <summary>App, firmware and board versions.</summary>
    FleetVersions Versions { get; }

    /// <summary>The capture path (e.g. <c>v4l2-bridge</c>, <c>none</c>).</summary>
    string CapturePath { get; }

    /// <summary>The device's public signing key.</summary>
    DevicePublicKey DeviceKey { get; }

    /// <summary>The age recipients segments are sealed to now (text form, <c>age1...</c>).</summary>
    IReadOnlyList<string> Recipients { get; }

    /// <summary>SHA-256 of the pinout file (<c>sha256:...</c>) or <c>none</c>.</summary>
    string PinoutHash { get; }

    /// <summary>The safety properties in force (reported with the configuration).</summary>
    FleetSafetyState Safety { get; }

    /// <summary>Reads the status now; cheap and thread-safe (called every change-poll tick).</summary>
    /// <returns>The snapshot.</returns>
    DeviceStatusSnapshot ReadStatus();
}
