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
