using System.Threading.Channels;
using EdgeCapture.Relay;
using EdgeCapture.Relay.Simulation;

namespace EdgeCapture.Appliance.Hardware;

/// <summary>The running relay as the appliance sees it: counters, a heartbeat for the watchdog, the host's transitions, and stop.</summary>
internal interface IApplianceRelay
{
    /// <summary>The relay's counters, or null until it runs.</summary>
    HidRelayCounters? Counters { get; }

    /// <summary>Both relay loops' pass counts, or null until it runs.</summary>
    RelayHeartbeat? Heartbeat { get; }

    /// <summary>The USB host's transitions (resume, re-enumeration), or null where there is no host to watch.</summary>
    ChannelReader<HostTransition>? HostTransitions { get; }

    /// <summary>Input devices open (each closes at end of input or unplug), or null where the input is a simulated user.</summary>
    int? InputDevicesOpen { get; }

    /// <summary>Wakes both relay loops once (never blocks).</summary>
    void RequestHeartbeat();

    /// <summary>Stops relaying: every held key released, all-released reports sent.</summary>
    /// <returns>What the simulated relay did (simulated hardware), or null.</returns>
    Task<RelaySimulationResult?> StopAsync();
}
