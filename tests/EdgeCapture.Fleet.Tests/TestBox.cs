using EdgeCapture.Fleet.Box;
using EdgeCapture.Fleet.Link;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Fleet.Tests;

/// <summary>A simulated box: the real agent and link over a test broker, with settable facts and recorded actions.</summary>
internal sealed class TestBox : IAsyncDisposable
{
    private readonly CuttableConnection _cable;

    private TestBox(FleetTestKit kit, MqttFleetLink link, FleetAgent agent, FakeDeviceFacts facts, RecordingFleetActions actions, RemoteRecordingHold hold, CuttableConnection cable)
    {
        _cable = cable;
        Kit = kit;
        Link = link;
        Agent = agent;
        Facts = facts;
        Actions = actions;
        Hold = hold;
    }

    private bool _disposed;

    public FleetTestKit Kit { get; }

    public MqttFleetLink Link { get; }

    public FleetAgent Agent { get; }

    public FakeDeviceFacts Facts { get; }

    public RecordingFleetActions Actions { get; }

    public RemoteRecordingHold Hold { get; }

    public static async Task<TestBox> StartAsync(FleetTestKit kit, int port)
    {
        var facts = new FakeDeviceFacts(kit.DeviceKey.PublicKey);
        var actions = new RecordingFleetActions();
        long now = 0;
        var hold = new RemoteRecordingHold(() => Interlocked.Increment(ref now), FleetAgent.IsRemotelyStopped(kit.Database));
        var cable = new CuttableConnection(port);
        var link = new MqttFleetLink(new MqttFleetLinkOptions { Host = "127.0.0.1", Port = cable.Port, ClientId = kit.DeviceId, KeepAlive = TimeSpan.FromSeconds(5) }, NullLogger<MqttFleetLink>.Instance);
        var agent = new FleetAgent(
            new FleetAgentOptions { DeviceId = kit.DeviceId, Configuration = kit.Configuration, ChangePollInterval = TimeSpan.FromMilliseconds(50) },
            link, facts, actions, hold, kit.Database, kit.DeviceKey, kit.Clock, NullLogger<FleetAgent>.Instance);
        await agent.StartAsync(CancellationToken.None);
        return new TestBox(kit, link, agent, facts, actions, hold, cable);
    }

    /// <summary>Cuts the box's connection the way a power cut does (no DISCONNECT): the broker publishes the Will.</summary>
    public async Task KillAsync()
    {
        _cable.Cut();
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await Agent.DisposeAsync();
        await Link.DisposeAsync();
        _cable.Dispose();
    }
}

internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}");
            }

            await Task.Delay(20);
        }
    }
}
