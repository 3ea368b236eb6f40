using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Relay.Gadget;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Relay.Tests;
/// <summary>A reader and relay wired through FIFOs in a temporary directory, with simulated hosts on the gadget side.</summary>
internal sealed class RelayRig : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly List<SimulatedDevice> _devices = [];
    private bool _stopped;
    private int _removalsSeen;

    public RelayRig(
        int pipeSize = 0,
        bool hostsReading = true,
        InputTap? tap = null,
        Func<IHidGadgetEndpoint, IHidGadgetEndpoint>? wrapKeyboard = null,
        HidRelayOptions? options = null,
        Func<IHidGadgetEndpoint, IHidGadgetEndpoint>? wrapMouse = null,
        Func<IHidGadgetEndpoint, IHidGadgetEndpoint>? wrapConsumer = null,
        bool withMouse = true,
        IUdcMonitor? udc = null,
        IGadgetEndpointSource? endpointSource = null,
        bool useUdcStateFile = true,
        ILogger<HidRelay>? logger = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(1, 1, 2, 0, 0, 0, TimeSpan.Zero));
        string keyboardPath = Fifo.Create(_directory.Combine("hidg0"));
        string mousePath = Fifo.Create(_directory.Combine("hidg1"));
        string consumerPath = Fifo.Create(_directory.Combine("hidg2"));
        LedInputPath = Fifo.Create(_directory.Combine("hidg0-output"));
        UdcStatePath = _directory.Combine("udc-state");
        File.WriteAllText(UdcStatePath, "configured\n");
        IHidGadgetEndpoint keyboard = HidGadgetFile.Open(keyboardPath, LedInputPath);
        Keyboard = wrapKeyboard?.Invoke(keyboard) ?? keyboard;
        Relay = new HidRelay(
            new HidGadgetEndpoints(
                Keyboard,
                withMouse ? Wrap(wrapMouse, HidGadgetFile.Open(mousePath)) : null,
                Wrap(wrapConsumer, HidGadgetFile.Open(consumerPath))),
            (options ?? new HidRelayOptions()) with { UdcStatePath = useUdcStateFile ? UdcStatePath : null },
            Time,
            tap,
            logger,
            udc,
            endpointSource);
        KeyboardHost = new SimulatedHost(keyboardPath, 8, hostsReading, pipeSize);
        MouseHost = new SimulatedHost(mousePath, 7, hostsReading, pipeSize);
        ConsumerHost = new SimulatedHost(consumerPath, 2, hostsReading, pipeSize);
        Sink = new SignallingSink(Relay);
        Reader = new EvdevReader(Sink, Time);
        Relay.AttachKeyboardLedOutput(Reader.WriteKeyboardLeds);
        Relay.Start();
        Reader.Start();
    }

    public FakeTimeProvider Time { get; }

    public IHidGadgetEndpoint Keyboard { get; }

    private static IHidGadgetEndpoint Wrap(Func<IHidGadgetEndpoint, IHidGadgetEndpoint>? wrap, IHidGadgetEndpoint endpoint) => wrap?.Invoke(endpoint) ?? endpoint;

    public HidRelay Relay { get; }

    public EvdevReader Reader { get; }

    public SignallingSink Sink { get; }

    public SimulatedHost KeyboardHost { get; }

    public SimulatedHost MouseHost { get; }

    public SimulatedHost ConsumerHost { get; }

    public string LedInputPath { get; }

    public string UdcStatePath { get; }

    public string Combine(string name) => _directory.Combine(name);

    public IReadOnlyList<EvdevDevice> CapturedDevices
    {
        get
        {
            lock (Sink.Devices)
            {
                return [.. Sink.Devices];
            }
        }
    }

    public SimulatedDevice AddDevice(string name, InputDeviceKind kind, string? ledPath = null)
    {
        var device = new SimulatedDevice(_directory.Combine(name), kind, ledPath);
        _devices.Add(device);
        Assert.NotNull(Reader.AddDevice(device.Options));
        Sink.WaitFor("added");
        return device;
    }

    /// <summary>Waits until the reader has handed over a device's removal (after an unplug).</summary>
    public void WaitForRemoval()
    {
        Sink.WaitFor("removed");
        _removalsSeen++;
    }

    /// <summary>Unplugs every device, waits until the reader has handed over everything, then stops the relay (flush + all released).</summary>
    public void Finish()
    {
        foreach (SimulatedDevice device in _devices)
        {
            device.Unplug();
        }

        Sink.WaitFor("removed", _devices.Count - _removalsSeen);
        Stop();
    }

    public void Stop()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Reader.Stop();
        Relay.Stop();
        Relay.Dispose();
    }

    public void Dispose()
    {
        Stop();
        Reader.Dispose();
        foreach (SimulatedDevice device in _devices)
        {
            device.Dispose();
        }

        KeyboardHost.Dispose();
        MouseHost.Dispose();
        ConsumerHost.Dispose();
        _directory.Dispose();
    }
}
