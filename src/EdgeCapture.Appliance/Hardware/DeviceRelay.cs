using System.Threading.Channels;
using EdgeCapture.Relay;
using EdgeCapture.Relay.Simulation;

namespace EdgeCapture.Appliance.Hardware;

/// <summary>The relay on the box's evdev nodes and HID gadget (<see cref="RelayService"/>).</summary>
internal sealed class DeviceRelay(RelayService service) : IApplianceRelay
{
    public HidRelayCounters? Counters => service.RelayCounters;

    public RelayHeartbeat? Heartbeat => service.Heartbeat;

    public ChannelReader<HostTransition>? HostTransitions => service.HostTransitions;

    public int? InputDevicesOpen => service.DeviceCount;

    public void RequestHeartbeat() => service.RequestHeartbeat();

    public Task<RelaySimulationResult?> StopAsync()
    {
        service.Dispose();
        return Task.FromResult<RelaySimulationResult?>(null);
    }
}
