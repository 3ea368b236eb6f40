using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Fleet.View;

/// <summary>What the fleet knows of one device: its latest birth, death, status and reported configuration.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Birth">The latest birth, or null.</param>
/// <param name="Death">The latest death, or null.</param>
/// <param name="Status">The latest status, or null.</param>
/// <param name="Reported">The latest reported configuration, or null.</param>
/// <param name="LastSeen">When anything last arrived from it.</param>
public sealed record FleetDeviceRecord(string DeviceId, FleetBirth? Birth, FleetDeath? Death, FleetStatus? Status, FleetReportedConfiguration? Reported, DateTimeOffset LastSeen)
{
    /// <summary>
    /// Online when there is a birth and no death of that birth or a later one. A death with an older <c>bdSeq</c> is a
    /// stale Will (of a connection the box already replaced) and is ignored.
    /// </summary>
    public bool IsOnline => Birth is not null && (Death is null || Death.BdSeq < Birth.BdSeq);
}
