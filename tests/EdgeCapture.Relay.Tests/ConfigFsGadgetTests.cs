using EdgeCapture.Hid;
using EdgeCapture.Hid.Descriptors;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Relay.Gadget;
using Microsoft.Extensions.Time.Testing;
using static EdgeCapture.Relay.Tests.Events;
using static EdgeCapture.Relay.Tests.Reports;

namespace EdgeCapture.Relay.Tests;

/// <summary>A stand-in for configfs, /sys/class/udc, /sys/dev/char and /dev, laid out as the kernel lays them out.</summary>
internal sealed class GadgetTree : IDisposable
{
    private readonly TemporaryDirectory _root = new();

    public GadgetTree(string udc = "fe980000.usb")
    {
        Udc = udc;
        Gadget = new ConfigFsGadget(Combine("config", "usb_gadget", "edgecapture"), Combine("class", "udc"), Combine("dev", "char"), Combine("devices"));
        Directory.CreateDirectory(Path.Combine(Gadget.GadgetDirectory, "configs", "c.1"));
        Directory.CreateDirectory(Path.Combine(Gadget.UdcClassDirectory, udc));
        Directory.CreateDirectory(Gadget.DeviceDirectory);
        File.WriteAllText(Path.Combine(Gadget.GadgetDirectory, "UDC"), "\n");
        File.WriteAllText(Path.Combine(Gadget.GadgetDirectory, "configs", "c.1", "bmAttributes"), "0xc0\n");
    }

    public ConfigFsGadget Gadget { get; }

    public string Udc { get; }

    public string Combine(params string[] parts) => Path.Combine([_root.Path, .. parts]);

    /// <summary>What f_hid and the character-device core create for one function.</summary>
    public string AddFunction(string function, int major, int minor, string devName, string? descriptorFile = null)
    {
        string directory = Path.Combine(Gadget.GadgetDirectory, "functions", function);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "dev"), $"{major}:{minor}\n");
        if (descriptorFile is not null)
        {
            File.WriteAllBytes(Path.Combine(directory, "report_desc"), HidDescriptorText.ReadFile(FirmwarePath("hid", descriptorFile)));
        }

        string character = Path.Combine(Gadget.CharacterDeviceDirectory, $"{major}:{minor}");
        Directory.CreateDirectory(character);
        File.WriteAllText(Path.Combine(character, "uevent"), $"MAJOR={major}\nMINOR={minor}\nDEVNAME={devName}\n");
        return Path.Combine(Gadget.DeviceDirectory, devName);
    }

    public void Bind(string state = "configured")
    {
        File.WriteAllText(Path.Combine(Gadget.GadgetDirectory, "UDC"), Udc + "\n");
        SetState(state);
    }

    public void SetState(string state) => File.WriteAllText(Path.Combine(Gadget.UdcClassDirectory, Udc, "state"), state + "\n");

    public void Unbind() => File.WriteAllText(Path.Combine(Gadget.GadgetDirectory, "UDC"), "\n");

    public static string FirmwarePath(params string[] parts)
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !Directory.Exists(Path.Combine(directory, "firmware", "hid")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return Path.Combine([directory ?? throw new DirectoryNotFoundException("firmware/ not found above the test binary"), "firmware", .. parts]);
    }

    public void Dispose() => _root.Dispose();
}

public sealed class ConfigFsGadgetTests
{
    [Fact]
    public void Endpoints_are_resolved_from_each_functions_major_minor_not_from_creation_order()
    {
        using var tree = new GadgetTree();

        // Rebuilt in another order: the keyboard function got the third minor, so it is /dev/hidg2.
        tree.AddFunction("hid.usb1", 237, 0, "hidg0");
        tree.AddFunction("hid.usb2", 237, 1, "hidg1");
        tree.AddFunction("hid.usb0", 237, 2, "hidg2");

        Assert.Equal(tree.Combine("devices", "hidg2"), tree.Gadget.ResolveEndpoint(ConfigFsGadget.KeyboardFunction));
        Assert.Equal(tree.Combine("devices", "hidg0"), tree.Gadget.ResolveEndpoint(ConfigFsGadget.MouseFunction));
        Assert.Equal(tree.Combine("devices", "hidg1"), tree.Gadget.ResolveEndpoint(ConfigFsGadget.ConsumerControlFunction));
    }

    [Fact]
    public void A_missing_or_malformed_function_is_named_in_the_error()
    {
        using var tree = new GadgetTree();
        GadgetResolutionException missing = Assert.Throws<GadgetResolutionException>(() => tree.Gadget.ResolveEndpoint("hid.usb0"));
        Assert.Contains("hid.usb0", missing.Message, StringComparison.Ordinal);
        Assert.Contains("edgecapture-gadget.sh up", missing.Message, StringComparison.Ordinal);

        tree.AddFunction("hid.usb0", 237, 0, "hidg0");
        File.WriteAllText(Path.Combine(tree.Gadget.GadgetDirectory, "functions", "hid.usb0", "dev"), "banana\n");
        Assert.Contains("not major:minor", Assert.Throws<GadgetResolutionException>(() => tree.Gadget.ResolveEndpoint("hid.usb0")).Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(tree.Gadget.GadgetDirectory, "functions", "hid.usb0", "dev"), "237:9\n");
        Assert.Contains("no character device 237:9", Assert.Throws<GadgetResolutionException>(() => tree.Gadget.ResolveEndpoint("hid.usb0")).Message, StringComparison.Ordinal);

        tree.AddFunction("hid.usb2", 237, 5, "../../etc/passwd");
        Assert.Contains("no usable DEVNAME", Assert.Throws<GadgetResolutionException>(() => tree.Gadget.ResolveEndpoint("hid.usb2")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_udc_state_path_is_derived_from_the_gadgets_udc_file()
    {
        using var tree = new GadgetTree();
        Assert.Null(tree.Gadget.BoundUdc);
        Assert.Null(tree.Gadget.UdcStatePath);
        Assert.Equal(UdcState.Unbound, tree.Gadget.ReadState());

        tree.Bind("configured");
        Assert.Equal("fe980000.usb", tree.Gadget.BoundUdc);
        Assert.Equal(tree.Combine("class", "udc", "fe980000.usb", "state"), tree.Gadget.UdcStatePath);
        Assert.Equal(UdcState.Configured, tree.Gadget.ReadState());
        tree.SetState("suspended");
        Assert.Equal(UdcState.Suspended, tree.Gadget.ReadState());
        tree.SetState("not attached");
        Assert.Equal(UdcState.NotAttached, tree.Gadget.ReadState());
        tree.SetState("something new");
        Assert.Equal(UdcState.Unknown, tree.Gadget.ReadState());

        // Rebound elsewhere (a second controller): followed on the next read.
        Directory.CreateDirectory(tree.Combine("class", "udc", "zz.usb"));
        File.WriteAllText(tree.Combine("class", "udc", "zz.usb", "state"), "addressed\n");
        File.WriteAllText(Path.Combine(tree.Gadget.GadgetDirectory, "UDC"), "zz.usb\n");
        Assert.Equal(UdcState.Addressed, tree.Gadget.ReadState());
    }

    [Theory]
    [InlineData("0xe0", true, true)]
    [InlineData("0xc0", true, false)]    // not advertised by the gadget
    [InlineData("0xe0", false, true)]    // the UDC offers no wakeup attribute
    public void Remote_wakeup_needs_the_gadget_to_advertise_it_and_the_udc_to_offer_it(string attributes, bool udcOffers, bool expected)
    {
        using var tree = new GadgetTree();
        tree.Bind();
        File.WriteAllText(Path.Combine(tree.Gadget.GadgetDirectory, "configs", "c.1", "bmAttributes"), attributes + "\n");
        string srp = tree.Combine("class", "udc", tree.Udc, "srp");
        if (udcOffers)
        {
            File.WriteAllText(srp, string.Empty);
        }

        Assert.Equal(expected && udcOffers, tree.Gadget.CanSignalRemoteWakeup);
        Assert.Equal(expected && udcOffers, tree.Gadget.SignalRemoteWakeup());
        if (expected && udcOffers)
        {
            Assert.Equal("1", File.ReadAllText(srp));
        }
    }

    [Theory]
    [InlineData("mouse.hid", PointerMode.Relative)]
    [InlineData("absolute-pointer.hid", PointerMode.Absolute)]
    public void The_pointer_mode_is_read_from_the_descriptor_the_gadget_presents(string descriptorFile, PointerMode expected)
    {
        using var tree = new GadgetTree();
        tree.AddFunction("hid.usb1", 237, 1, "hidg1", descriptorFile);
        Assert.Equal(expected, tree.Gadget.ReadPointerMode());
    }

    [Fact]
    public void The_relay_service_takes_its_endpoints_and_udc_state_from_the_gadget_alone()
    {
        using var tree = new GadgetTree();
        string keyboardNode = Fifo.Create(tree.Combine("devices", "hidg2"));
        Fifo.Create(tree.Combine("devices", "hidg0"));
        Fifo.Create(tree.Combine("devices", "hidg1"));
        tree.AddFunction("hid.usb0", 237, 2, "hidg2");
        tree.AddFunction("hid.usb1", 237, 0, "hidg0", "mouse.hid");
        tree.AddFunction("hid.usb2", 237, 1, "hidg1");
        tree.Bind("configured");
        using var keyboardHost = new SimulatedHost(keyboardNode, 8);
        using var directory = new TemporaryDirectory();
        using var keyboard = new SimulatedDevice(directory.Combine("event-keyboard"), InputDeviceKind.Keyboard);
        var time = new FakeTimeProvider();
        using var service = new RelayService(new RelayConfiguration { Devices = [keyboard.Options], Gadget = tree.Gadget }, time);
        service.Start();
        keyboard.Write(Tap(KeyCodes.A));
        Assert.Equal(Keyboard(0, 0x04), Hex(keyboardHost.Next()));
        Assert.Equal(Keyboard(0), Hex(keyboardHost.Next()));

        // The laptop sleeps and wakes: seen through /sys/class/udc/<the gadget's UDC>/state, with nothing configured.
        tree.SetState("suspended");
        time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.True(SpinWait.SpinUntil(() => service.RelayCounters.HostAway == 1, TimeSpan.FromSeconds(30)), "hang guard");
        tree.SetState("configured");
        time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.True(SpinWait.SpinUntil(() => service.RelayCounters.HostReturns == 1, TimeSpan.FromSeconds(30)), "hang guard");
        Assert.True(service.HostTransitions.TryRead(out HostTransition away));
        Assert.True(service.HostTransitions.TryRead(out HostTransition back));
        Assert.Equal((HostTransitionKind.Away, HostTransitionKind.Resumed), (away.Kind, back.Kind));
    }

    [Fact]
    public void A_descriptor_the_relay_cannot_write_is_refused()
    {
        using var tree = new GadgetTree();
        tree.AddFunction("hid.usb1", 237, 1, "hidg1", "consumer.hid");
        Assert.Contains("neither the relative mouse nor the absolute pointer", Assert.Throws<GadgetResolutionException>(() => tree.Gadget.ReadPointerMode()).Message, StringComparison.Ordinal);
    }
}
