using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using Microsoft.Extensions.Time.Testing;
using static EdgeCapture.Relay.Tests.Events;

namespace EdgeCapture.Relay.Tests;

public sealed class RelayServiceTests
{
    [Fact]
    public void A_real_gadget_only_accepts_real_evdev_nodes_never_a_fifo_or_file()
    {
        using var directory = new TemporaryDirectory();
        using var keyboard = new SimulatedDevice(directory.Combine("event-keyboard"), InputDeviceKind.Keyboard);

        // /dev/null is a character device, as /dev/hidg0 is: the relay treats it as a real host.
        using var service = new RelayService(new RelayConfiguration { Devices = [keyboard.Options], KeyboardGadgetPath = "/dev/null" }, new FakeTimeProvider());
        service.Start();

        Assert.True(service.Reader.RequireDeviceNodes);
        Assert.Equal(0, service.Reader.DeviceCount);
        Assert.False(service.Reader.IsOpen(keyboard.Path));
    }

    [Fact]
    public void Stand_in_input_drives_a_stand_in_gadget()
    {
        using var directory = new TemporaryDirectory();
        using var keyboard = new SimulatedDevice(directory.Combine("event-keyboard"), InputDeviceKind.Keyboard);
        string gadget = directory.Combine("hidg0.bin");
        using (var service = new RelayService(new RelayConfiguration { Devices = [keyboard.Options], KeyboardGadgetPath = gadget }, new FakeTimeProvider()))
        {
            service.Start();
            Assert.False(service.Reader.RequireDeviceNodes);
            Assert.Equal(1, service.Reader.DeviceCount);
            keyboard.Write(Tap(KeyCodes.Enter));
            keyboard.Unplug();
            Assert.True(SpinWait.SpinUntil(() => service.Reader.DeviceCount == 0, TimeSpan.FromSeconds(30)), "hang guard");
        }

        Assert.Equal("0000280000000000" + "0000000000000000" + "0000000000000000", Convert.ToHexString(File.ReadAllBytes(gadget)));
    }

    [Fact]
    public void In_input_directory_mode_nodes_present_at_start_and_plugged_in_later_are_classified_and_relayed()
    {
        using var directory = new TemporaryDirectory();
        string input = directory.Combine("input");
        Directory.CreateDirectory(input);
        using var first = new SimulatedDevice(Path.Combine(input, "event0"), InputDeviceKind.Keyboard);
        File.WriteAllText(Path.Combine(input, "js0"), string.Empty);   // not an event node: never opened
        string gadget = directory.Combine("hidg0.bin");
        var time = new FakeTimeProvider();
        var opened = new List<string>();
        using (var service = new RelayService(
            new RelayConfiguration { InputDirectory = input, KeyboardGadgetPath = gadget },
            time,
            tap: null,
            loggerFactory: null,
            openNode: options =>
            {
                lock (opened)
                {
                    opened.Add(Path.GetFileName(options.Path));
                }

                return new KeyboardCapabilitiesNode(EvdevFileNode.Open(options.Path));
            },
            openEndpoint: null))
        {
            service.Start();
            Assert.True(SpinWait.SpinUntil(() => service.DeviceCount == 1, TimeSpan.FromSeconds(30)), "hang guard");
            first.Write(Tap(KeyCodes.Digit1));

            // Hot-plug: found by inotify or, failing that, by the rescan on the clock.
            using var second = new SimulatedDevice(Path.Combine(input, "event7"), InputDeviceKind.Keyboard);
            Assert.True(SpinWait.SpinUntil(() => { time.Advance(TimeSpan.FromSeconds(2)); return service.DeviceCount == 2; }, TimeSpan.FromSeconds(30)), "hang guard");
            Assert.True(SpinWait.SpinUntil(() => File.Exists(gadget) && new FileInfo(gadget).Length >= 16, TimeSpan.FromSeconds(30)), "hang guard");
            second.Write(Tap(KeyCodes.Digit2));
            Assert.True(SpinWait.SpinUntil(() => new FileInfo(gadget).Length >= 32, TimeSpan.FromSeconds(30)), "hang guard");
            // As on a real unplug, the node disappears from the directory, then the device is gone.
            File.Delete(first.Path);
            File.Delete(second.Path);
            first.Unplug();
            second.Unplug();
            Assert.True(SpinWait.SpinUntil(() => service.DeviceCount == 0, TimeSpan.FromSeconds(30)), "hang guard");
        }

        Assert.Equal("00001E0000000000" + "0000000000000000" + "00001F0000000000" + "0000000000000000" + "0000000000000000", Convert.ToHexString(File.ReadAllBytes(gadget)));
        lock (opened)
        {
            Assert.Equal(["event0", "event7"], opened.Distinct());
        }
    }

    /// <summary>A FIFO that answers EVIOCGBIT as a real keyboard node does (Shift, Ctrl and the letter and digit rows).</summary>
    private sealed class KeyboardCapabilitiesNode(IEvdevNode inner) : IEvdevNode
    {
        public string Path => inner.Path;

        public int FileDescriptor => inner.FileDescriptor;

        public int Read(Span<byte> buffer) => inner.Read(buffer);

        public int Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public int IoControl(uint request, Span<byte> argument)
        {
            // EVIOCGID = _IOR('E', 0x02, struct input_id): a USB keyboard (bustype BUS_USB = 0x03), as the kernel answers it;
            // the reader refuses nodes that cannot show they are physical.
            if (((request >> 8) & 0xFF) == 'E' && (request & 0xFF) == 0x02 && argument.Length >= 8)
            {
                argument.Clear();
                argument[0] = 0x03;
                return 0;
            }

            // EVIOCGBIT(ev, len) = _IOC(_IOC_READ, 'E', 0x20 + ev, len).
            if (((request >> 8) & 0xFF) != 'E' || (request & 0xFF) is not (0x20 + EventTypes.Key) and not (0x20 + EventTypes.Relative))
            {
                return -22; // EINVAL: no other ioctl is answered
            }

            argument.Clear();
            if ((request & 0xFF) == 0x20 + EventTypes.Key)
            {
                for (int key = 1; key <= KeyCodes.LeftShift; key++)
                {
                    argument[key / 8] |= (byte)(1 << (key % 8));
                }
            }

            return argument.Length;
        }

        public int IoControl(uint request, int argument) => 0;

        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public void The_reader_side_of_the_relay_allocates_nothing_per_event()
    {
        using var directory = new TemporaryDirectory();
        using var rig = new RelayRig(tap: new InputTap(16));
        SimulatedDevice mouse = rig.AddDevice("event-mouse", InputDeviceKind.Mouse);
        SimulatedDevice keyboard = rig.AddDevice("event-keyboard", InputDeviceKind.Keyboard);
        var mouseDevice = (IEvdevEventSink)rig.Relay;

        // Drive the sink directly on this thread, as the reader thread does, and count this thread's allocations.
        EvdevDevice device = GetDevice(rig, mouse.Path);
        EvdevDevice keyboardDevice = GetDevice(rig, keyboard.Path);
        for (int warmUp = 0; warmUp < 2000; warmUp++)
        {
            Drive(mouseDevice, device, keyboardDevice, warmUp);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int index = 0; index < 20_000; index++)
        {
            Drive(mouseDevice, device, keyboardDevice, index);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    private static void Drive(IEvdevEventSink sink, EvdevDevice mouse, EvdevDevice keyboard, int index)
    {
        sink.EventReceived(mouse, new EvdevEvent(index, EventTypes.Relative, RelativeAxes.X, 3));
        sink.EventReceived(mouse, new EvdevEvent(index, EventTypes.Relative, RelativeAxes.WheelHighResolution, 30));
        sink.FrameCompleted(mouse, index);
        sink.EventReceived(keyboard, new EvdevEvent(index, EventTypes.Key, KeyCodes.A, (index & 1) == 0 ? 1 : 0));
        sink.FrameCompleted(keyboard, index);
    }

    private static EvdevDevice GetDevice(RelayRig rig, string path) => rig.CapturedDevices.Single(device => device.Path == path);
}
