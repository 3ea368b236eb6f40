using System.Threading.Channels;
using EdgeCapture.Relay;
using EdgeCapture.Relay.Simulation;

namespace EdgeCapture.Appliance.Hardware;

/// <summary>
/// The Relay project's own simulation: scripted evdev bytes through FIFOs into the real relay, the gadget's FIFOs drained
/// by a simulated host. The relay service it runs is the real one, so its counters and heartbeat are the real ones.
/// </summary>
internal sealed class SimulatedRelay : IApplianceRelay, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private volatile RelayService? _service;
    private Task<RelaySimulationResult>? _run;

    public HidRelayCounters? Counters => _service?.RelayCounters;

    public RelayHeartbeat? Heartbeat => _service?.Heartbeat;

    public ChannelReader<HostTransition>? HostTransitions => null;

    public int? InputDevicesOpen => null;

    public void Start(Func<CancellationToken, Action<RelayService>, Task<RelaySimulationResult>> run) =>
        _run = run(_stop.Token, service => _service = service);

    public void RequestHeartbeat() => _service?.RequestHeartbeat();

    public async Task<RelaySimulationResult?> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        return _run is null ? null : await _run.ConfigureAwait(false);
    }

    public void Dispose() => _stop.Dispose();
}
