namespace EdgeCapture.Protocol.Fleet;

/// <summary>App, firmware and board versions of a box.</summary>
/// <param name="App">The EdgeCapture version.</param>
/// <param name="Firmware">The OS image / firmware version.</param>
/// <param name="Board">The board model.</param>
public sealed record FleetVersions(string App, string Firmware, string Board);

/// <summary>A trusted signer as a box reports it: role and fingerprint, never more.</summary>
/// <param name="Role"><c>operator</c> or <c>custodian</c>.</param>
/// <param name="Fingerprint">See <see cref="FleetFingerprint"/>.</param>
public sealed record FleetSignerFingerprint(string Role, string Fingerprint);

/// <summary>Fingerprints of the keys a box uses.</summary>
/// <param name="Device">Fingerprint of the device signing key.</param>
/// <param name="DevicePublicKey">The device's public key itself (<c>ed25519:...</c>): operators verify signed responses with it.</param>
/// <param name="Recipients">The age recipients segments are sealed to.</param>
/// <param name="TrustedSigners">The signers whose commands the box accepts, with their roles.</param>
public sealed record FleetKeyFingerprints(string Device, string DevicePublicKey, IReadOnlyList<string> Recipients, IReadOnlyList<FleetSignerFingerprint> TrustedSigners);

/// <summary>
/// The retained birth a box publishes on every connect (Sparkplug style): who it is and how it is set up. Its
/// <see cref="BdSeq"/> is the same number the connection's Will carries, so a death ends only the birth it belongs to.
/// </summary>
/// <param name="Device">Device id.</param>
/// <param name="BdSeq">Birth/death sequence, increasing across connects and restarts (kept durably).</param>
/// <param name="At">When the box published it.</param>
/// <param name="Versions">Versions.</param>
/// <param name="CapturePath">The screen capture path (e.g. <c>v4l2-bridge</c>, <c>none</c>).</param>
/// <param name="Keys">Key fingerprints.</param>
/// <param name="PinoutHash">SHA-256 of the pinout file in use (<c>sha256:...</c>, or <c>none</c>).</param>
/// <param name="Privacy">Privacy state at birth (see <see cref="FleetPrivacyStates"/>).</param>
/// <param name="Groups">Groups the box belongs to.</param>
public sealed record FleetBirth(string Device, long BdSeq, DateTimeOffset At, FleetVersions Versions, string CapturePath, FleetKeyFingerprints Keys, string PinoutHash, string Privacy, IReadOnlyList<string> Groups);

/// <summary>The Will of a connection: the birth with this <see cref="BdSeq"/> has ended.</summary>
/// <param name="Device">Device id.</param>
/// <param name="BdSeq">The birth it ends.</param>
public sealed record FleetDeath(string Device, long BdSeq);

/// <summary>The spellings of a box's privacy state.</summary>
public static class FleetPrivacyStates
{
    /// <summary>The switch is private (or unread, or unknown): nothing is recorded.</summary>
    public const string Private = "private";

    /// <summary>Public and recording.</summary>
    public const string Recording = "recording";

    /// <summary>Public, but stopped by a remote <c>stop-recording</c>.</summary>
    public const string StoppedRemotely = "stopped-remotely";

    /// <summary>Public, but the outbox is full.</summary>
    public const string StorageFull = "storage-full";

    /// <summary>The privacy hardware reports a fault (fail closed: not recording).</summary>
    public const string Fault = "fault";
}

/// <summary>Relay counters.</summary>
/// <param name="Relayed">Events relayed to the host.</param>
/// <param name="DroppedForRecording">Events relayed but not recorded because the recorder fell behind.</param>
/// <param name="HostAway">Reports not delivered because the host was away (suspended, unplugged).</param>
public sealed record FleetRelayCounters(long Relayed, long DroppedForRecording, long HostAway);

/// <summary>Screen capture state.</summary>
/// <param name="Signal">Whether a video signal is present.</param>
/// <param name="Mode">The mode (e.g. <c>1920x1080@60</c>) or <c>none</c>.</param>
/// <param name="FramesKeptPerSecond">Frames kept per second recently.</param>
public sealed record FleetCaptureState(bool Signal, string Mode, double FramesKeptPerSecond);

/// <summary>Outbox backlog.</summary>
/// <param name="Segments">Sealed segments waiting.</param>
/// <param name="Bytes">Their bytes.</param>
public sealed record FleetOutboxBacklog(long Segments, long Bytes);

/// <summary>
/// A box's status, published retained every N seconds and at once on a change of privacy, indicator, remote stop or capture
/// signal.
/// </summary>
/// <param name="Device">Device id.</param>
/// <param name="BdSeq">The birth it belongs to.</param>
/// <param name="Sequence">Increases with each status of this birth.</param>
/// <param name="At">When.</param>
/// <param name="Privacy">Privacy state (see <see cref="FleetPrivacyStates"/>).</param>
/// <param name="IndicatorLit">Whether the recording indicator is lit.</param>
/// <param name="RemoteStop">Whether a remote stop is in force.</param>
/// <param name="Relay">Relay counters.</param>
/// <param name="Capture">Capture state.</param>
/// <param name="Outbox">Outbox backlog.</param>
/// <param name="DiskFreeBytes">Free bytes on the data disk.</param>
/// <param name="UptimeSeconds">Seconds since the service started.</param>
/// <param name="LastError">The last error reported, or null.</param>
public sealed record FleetStatus(string Device, long BdSeq, long Sequence, DateTimeOffset At, string Privacy, bool IndicatorLit, bool RemoteStop, FleetRelayCounters Relay, FleetCaptureState Capture, FleetOutboxBacklog Outbox, long DiskFreeBytes, double UptimeSeconds, string? LastError);
