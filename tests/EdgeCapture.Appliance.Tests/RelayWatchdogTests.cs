using System.Threading.Channels;
using EdgeCapture.Appliance.Hardware;
using EdgeCapture.Appliance.Hosting;
using EdgeCapture.Relay;
using EdgeCapture.Relay.Simulation;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// systemd readiness and watchdog fed from the relay's loops: READY=1 only once both relay threads came round after a
/// wake, WATCHDOG=1 only while they keep doing so, and nothing while either is stuck.
/// </summary>
public sealed class RelayWatchdogTests
{
    [Fact]
    public void Ready_waits_for_the_relay_and_the_watchdog_is_fed_only_while_both_loops_come_round()
    {
        var relay = new StandInRelay();
        var notifier = new RecordingNotifier();
        var watchdog = new RelayWatchdog(relay, notifier, TimeSpan.FromSeconds(2), new FakeTimeProvider(), NullLogger.Instance);
        Assert.Equal(TimeSpan.FromSeconds(1), watchdog.Period);

        // Not running yet (no heartbeat): nothing is said.
        watchdog.Check();
        watchdog.Check();
        Assert.Empty(notifier.States);

        // Running: the first check after a wake that both loops answered says READY=1.
        relay.Running = true;
        watchdog.Check();
        Assert.Empty(notifier.States);
        watchdog.Check();
        Assert.Equal(["READY=1\nSTATUS=relaying"], notifier.States);

        watchdog.Check();
        watchdog.Check();
        Assert.Equal(2, watchdog.Fed);

        // The writer gets stuck in a gadget call after it answered the last wake: that answer still counts, then the
        // watchdog goes hungry.
        relay.WriterStuck = true;
        watchdog.Check();
        Assert.Equal(3, watchdog.Fed);
        watchdog.Check();
        watchdog.Check();
        Assert.Equal(3, watchdog.Fed);
        Assert.Equal(2, watchdog.Stalls);

        // It comes back: fed again.
        relay.WriterStuck = false;
        watchdog.Check();
        watchdog.Check();
        Assert.Equal(5, watchdog.Fed);
        Assert.Equal(["READY=1\nSTATUS=relaying", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"], notifier.States);
    }

    [Fact]
    public void The_reader_stuck_alone_also_starves_the_watchdog()
    {
        var relay = new StandInRelay { Running = true };
        var notifier = new RecordingNotifier();
        var watchdog = new RelayWatchdog(relay, notifier, TimeSpan.FromSeconds(2), new FakeTimeProvider(), NullLogger.Instance);
        watchdog.Check();
        watchdog.Check();
        Assert.True(watchdog.Ready);
        relay.ReaderStuck = true;
        watchdog.Check();
        Assert.Equal(1, watchdog.Fed);
        watchdog.Check();
        watchdog.Check();
        Assert.Equal(1, watchdog.Fed);
        Assert.Equal(2, watchdog.Stalls);
    }

    [Fact]
    public async Task The_real_relay_loops_answer_a_heartbeat_request()
    {
        // The simulated relay runs the real RelayService (real threads, FIFOs): a wake makes both loops come round.
        var simulation = new ApplianceSimulation { Seed = 2 };
        var relay = new SimulatedHardware(simulation);
        var tap = new EdgeCapture.Input.InputTap(1024);
        IApplianceRelay running = relay.StartRelay(new ApplianceConfiguration { DeviceId = "w", DataDirectory = "/nonexistent", Recipients = [] }, tap, TimeProvider.System, NullLoggerFactory.Instance, _ => { });
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (running.Heartbeat is null)
            {
                await Task.Delay(10, timeout.Token);
            }

            RelayHeartbeat before = running.Heartbeat!.Value;
            running.RequestHeartbeat();
            while (!running.Heartbeat!.Value.BothMovedSince(before))
            {
                await Task.Delay(10, timeout.Token);
            }
        }
        finally
        {
            await running.StopAsync();
            (running as IDisposable)?.Dispose();
        }
    }

    private sealed class StandInRelay : IApplianceRelay
    {
        private long _reader;
        private long _writer;

        public bool Running { get; set; }

        private bool _writerStuck;
        private bool _writerWakePending;

        public bool ReaderStuck { get; set; }

        /// <summary>A stuck writer keeps the wake pending (as the eventfd does) and answers it when it comes back.</summary>
        public bool WriterStuck
        {
            get => _writerStuck;
            set
            {
                _writerStuck = value;
                if (!value && _writerWakePending)
                {
                    _writerWakePending = false;
                    _writer++;
                }
            }
        }

        public HidRelayCounters? Counters => null;

        public RelayHeartbeat? Heartbeat => Running ? new RelayHeartbeat(_reader, _writer) : null;

        public ChannelReader<HostTransition>? HostTransitions => null;

        public int? InputDevicesOpen => null;

        public void RequestHeartbeat()
        {
            if (!Running)
            {
                return;
            }

            if (!ReaderStuck)
            {
                _reader++;
            }

            if (!WriterStuck)
            {
                _writer++;
            }
            else
            {
                _writerWakePending = true;
            }
        }

        public Task<RelaySimulationResult?> StopAsync() => Task.FromResult<RelaySimulationResult?>(null);
    }

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        public List<string> States { get; } = [];

        public bool IsEnabled => true;

        public void Notify(ServiceState state) => States.Add(state.ToString());
    }
}
