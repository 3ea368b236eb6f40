using System.Text;
using EdgeCapture.Input.Evdev;
using Microsoft.Extensions.Logging;
using static EdgeCapture.Input.Tests.Events;

namespace EdgeCapture.Input.Tests;

/// <summary>
/// Physical input only, at the evdev seam: the nodes answer EVIOCGBIT, EVIOCGID, EVIOCGNAME and EVIOCGKEY as the kernel
/// does for the device they stand for; sysfs is a temporary tree linked as /sys/class/input is.
/// </summary>
public sealed class PhysicalInputTests : IDisposable
{
    private const ushort BusUsb = 0x03;
    private const ushort BusVirtual = 0x06;
    private const ushort BusHost = 0x19;
    private const ushort BusCec = 0x1E;

    private readonly TemporaryDirectory _directory = new();
    private readonly string _sysfsInputClass;

    public PhysicalInputTests()
    {
        _sysfsInputClass = _directory.Combine("sys/class/input");
        Directory.CreateDirectory(_sysfsInputClass);
    }

    [Theory]
    [InlineData(BusVirtual, "py-evdev-uinput", "bustype BUS_VIRTUAL")]
    [InlineData(BusCec, "vc4-hdmi-0", "BUS_CEC")]
    [InlineData(BusHost, "vc4-hdmi-1", "HDMI CEC remote")]
    public void Virtual_and_hdmi_cec_nodes_are_refused_counted_and_logged(ushort bus, string name, string reason)
    {
        // The CEC remote offers volume and media keys: by capabilities alone it is a consumer-control device.
        using var fifo = FifoWriter.Create(_directory.Combine("event4"));
        var logger = new ListLogger();
        var sink = new RecordingSink();
        using var reader = new EvdevReader(sink, TestTime.Create(), logger, options => new KernelLikeNode(EvdevFileNode.Open(options.Path), bus, name, Capabilities.ConsumerControl))
        {
            SysfsInputClass = _sysfsInputClass,
        };

        Assert.Null(reader.AddDevice(new EvdevDeviceOptions(fifo.Path)));
        Assert.Null(reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Keyboard }));

        Assert.False(reader.IsOpen(fifo.Path));
        Assert.Equal(2, reader.Counters.NodesRefused);
        Assert.Equal(0, reader.Counters.DevicesAdded);
        Assert.Equal(2, logger.Entries.Count(entry => entry.Level == LogLevel.Warning && entry.Message.Contains(fifo.Path, StringComparison.Ordinal) && entry.Message.Contains(reason, StringComparison.Ordinal)));
    }

    [Fact]
    public void A_node_whose_sysfs_device_is_virtual_is_refused_even_on_a_usb_bustype()
    {
        // uinput lets its creator pick any bustype; sysfs still places the device under /devices/virtual.
        using var fifo = FifoWriter.Create(_directory.Combine("event7"));
        LinkSysfs("event7", "devices/virtual/input/input9/event7");
        var logger = new ListLogger();
        using var reader = new EvdevReader(new RecordingSink(), TestTime.Create(), logger, options => new KernelLikeNode(EvdevFileNode.Open(options.Path), BusUsb, "Logitech USB Keyboard", Capabilities.Keyboard))
        {
            SysfsInputClass = _sysfsInputClass,
        };

        Assert.Null(reader.AddDevice(new EvdevDeviceOptions(fifo.Path)));
        Assert.Equal(1, reader.Counters.NodesRefused);
        Assert.Contains(logger.Entries, entry => entry.Message.Contains("/devices/virtual/input/input9/event7", StringComparison.Ordinal));
    }

    [Fact]
    public void A_usb_keyboard_under_its_usb_port_in_sysfs_is_relayed()
    {
        using var fifo = FifoWriter.Create(_directory.Combine("event3"));
        LinkSysfs("event3", "devices/platform/scb/fd500000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0/usb1/1-1/1-1.3/1-1.3:1.0/0003:046D:C31C.0001/input/input3/event3");
        var sink = new RecordingSink();
        using var reader = new EvdevReader(sink, TestTime.Create(), null, options => new KernelLikeNode(EvdevFileNode.Open(options.Path), BusUsb, "Logitech USB Keyboard", Capabilities.Keyboard))
        {
            SysfsInputClass = _sysfsInputClass,
        };

        EvdevDevice? device = reader.AddDevice(new EvdevDeviceOptions(fifo.Path));

        Assert.NotNull(device);
        Assert.Equal(InputDeviceKind.Keyboard, device.Kind);
        Assert.Equal(0, reader.Counters.NodesRefused);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_node_answering_enosys_as_under_qemu_user_is_a_stand_in_relayed_only_to_stand_in_gadgets(bool realGadget)
    {
        // qemu-user answers the evdev ioctls it does not translate with ENOSYS (the arm64 check runs the relay on FIFOs
        // that way): such a node shows nothing, so it is a stand-in, never "refused as virtual", never relayed to a real gadget.
        using var fifo = FifoWriter.Create(_directory.Combine("event5"));
        using var reader = new EvdevReader(new RecordingSink(), TestTime.Create(), null, options => new EmulatedNode(EvdevFileNode.Open(options.Path)))
        {
            SysfsInputClass = _sysfsInputClass,
            RequireDeviceNodes = realGadget,
        };

        EvdevDevice? device = reader.AddDevice(new EvdevDeviceOptions(fifo.Path) { Kind = InputDeviceKind.Keyboard });

        Assert.Equal(realGadget, device is null);
        Assert.Equal(0, reader.Counters.NodesRefused);
    }

    [Fact]
    public void After_syn_dropped_key_events_already_read_are_not_applied_over_the_newer_snapshot()
    {
        // B is held. The queue overflows; the kernel's buffer then holds SYN_DROPPED, the rest of a frame, its
        // SYN_REPORT and newer frames, all read at once. By the time EVIOCGKEY runs, B was released and pressed again
        // and X pressed and released: the snapshot says "B held". The already-read "release B" and "press X, release X"
        // are older than the snapshot; applied on top they would leave B released while it is held, and type an x.
        using var fifo = FifoWriter.Create(_directory.Combine("event5"));
        var keyState = new byte[KeyCodes.Count / 8];
        keyState[KeyCodes.B / 8] |= 1 << (KeyCodes.B % 8);
        var sink = new RecordingSink();
        var node = (KernelLikeNode?)null;
        using var reader = new EvdevReader(sink, TestTime.Create(), null, options => node = new KernelLikeNode(EvdevFileNode.Open(options.Path), BusUsb, "keyboard", Capabilities.Keyboard) { KeyState = keyState })
        {
            SysfsInputClass = _sysfsInputClass,
        };
        reader.AddDevice(new EvdevDeviceOptions(fifo.Path));
        fifo.Write(Key(KeyCodes.B, 1), Report());
        reader.Start();
        sink.WaitFor("frame");

        fifo.Write(
            Dropped(), Key(KeyCodes.A, 1), Report(),
            Key(KeyCodes.B, 0), Report(),
            Key(KeyCodes.X, 1), Rel(RelativeAxes.X, 5), Report(),
            Key(KeyCodes.X, 0), Report());
        sink.WaitFor("rel 0 5");
        Assert.True(reader.Counters.EventsDiscardedAfterDrop >= 4, $"{reader.Counters.EventsDiscardedAfterDrop} discarded");

        // Newer than the snapshot: the next read is applied as it comes.
        fifo.Write(Key(KeyCodes.B, 0), Report());
        sink.WaitFor("key 48 0");

        Assert.Equal(["added Keyboard", "key 48 1", "frame", "rel 0 5", "frame", "key 48 0"], sink.Received);
        Assert.Equal(1, reader.Counters.SynDropped);
    }

    public void Dispose() => _directory.Dispose();

    private void LinkSysfs(string node, string deviceUnderSys)
    {
        string sys = _directory.Combine("sys");
        Directory.CreateDirectory(Path.Combine(sys, deviceUnderSys));
        File.CreateSymbolicLink(Path.Combine(_sysfsInputClass, node), Path.Combine("..", "..", deviceUnderSys));
    }

    private enum Capabilities
    {
        Keyboard,
        ConsumerControl,
    }

    /// <summary>A FIFO as qemu-user shows it: every evdev ioctl answers -ENOSYS.</summary>
    private sealed class EmulatedNode(EvdevFileNode inner) : IEvdevNode
    {
        private const int Enosys = 38;

        public string Path => inner.Path;

        public int FileDescriptor => inner.FileDescriptor;

        public int Read(Span<byte> buffer) => inner.Read(buffer);

        public int Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public int IoControl(uint request, Span<byte> argument) => -Enosys;

        public int IoControl(uint request, int argument) => -Enosys;

        public void Dispose() => inner.Dispose();
    }

    /// <summary>A FIFO answering the evdev ioctls as the kernel does for the device it stands for.</summary>
    private sealed class KernelLikeNode(EvdevFileNode inner, ushort bus, string name, Capabilities capabilities) : IEvdevNode
    {
        private const int Enotty = 25;

        public byte[]? KeyState { get; init; }

        public string Path => inner.Path;

        public int FileDescriptor => inner.FileDescriptor;

        public int Read(Span<byte> buffer) => inner.Read(buffer);

        public int Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public int IoControl(uint request, Span<byte> argument)
        {
            argument.Clear();
            if (request == EvdevIoctl.GetBits(EventTypes.Key, argument.Length))
            {
                ushort key = capabilities == Capabilities.Keyboard ? KeyCodes.LeftCtrl : KeyCodes.VolumeUp;
                argument[key / 8] |= (byte)(1 << (key % 8));
                return argument.Length;
            }

            if (request == EvdevIoctl.GetBits(EventTypes.Relative, argument.Length))
            {
                return argument.Length;
            }

            if (request == EvdevIoctl.GetId)
            {
                // struct input_id { __u16 bustype, vendor, product, version; } in host order.
                BitConverter.TryWriteBytes(argument, bus);
                return 0;
            }

            if (request == EvdevIoctl.GetName(argument.Length))
            {
                int length = Encoding.UTF8.GetBytes(name, argument);
                return length + 1;
            }

            if (KeyState is not null && request == EvdevIoctl.GetKeyState(argument.Length))
            {
                KeyState.AsSpan(0, Math.Min(KeyState.Length, argument.Length)).CopyTo(argument);
                return argument.Length;
            }

            return -Enotty;
        }

        public int IoControl(uint request, int argument) => request == EvdevIoctl.Grab ? 0 : -Enotty;

        public void Dispose() => inner.Dispose();
    }

    private sealed class ListLogger : ILogger<EvdevReader>
    {
        private readonly Lock _lock = new();
        private readonly List<(LogLevel Level, string Message)> _entries = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Entries
        {
            get
            {
                lock (_lock)
                {
                    return [.. _entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lock)
            {
                _entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
