using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Privacy;
using EdgeCapture.Relay;
using EdgeCapture.Relay.Gadget;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hardware;

/// <summary>The box's own devices: evdev nodes, the HID gadget, the GPIO lines of the installed pinout, the capture device.</summary>
public sealed class DeviceHardware : ApplianceHardware
{
    /// <summary>The one instance (the devices are described by the configuration and the pinout, not by this object).</summary>
    public static DeviceHardware Instance { get; } = new();

    private DeviceHardware()
    {
    }

    internal override bool ReadsConfiguredInput => true;

    internal override bool ReadsInstalledPinout => true;

    internal override bool IsLockScreenLikelyAtStart(ApplianceConfiguration configuration) => true;

    internal override DesktopActivityScript Script { get; } = DesktopActivityScript.CreateDefault(1, TimeSpan.FromHours(1));

    internal override PrivacyHardware StartPrivacy(ApplianceConfiguration configuration, PrivacyOptions options, MonotonicClock clock, ILoggerFactory loggerFactory) =>
        // A missing or invalid pinout, or no GPIO chip: private, reported, and the relay still runs.
        PrivacyHardware.Start(configuration.PinoutPath, options, clock, loggerFactory);

    internal override IApplianceRelay StartRelay(ApplianceConfiguration configuration, InputTap tap, TimeProvider time, ILoggerFactory loggerFactory, Action<string> report) =>
        StartEvdevRelay(configuration, tap, time, loggerFactory);

    /// <summary>
    /// The real relay on the configuration's evdev nodes (or FIFOs and files standing in for them) and its gadget. A stand-in
    /// is never relayed to a real gadget (the relay's own check); without any gadget the input is only offered to the tap.
    /// </summary>
    internal static DeviceRelay StartEvdevRelay(ApplianceConfiguration configuration, InputTap tap, TimeProvider time, ILoggerFactory loggerFactory)
    {
        var relay = new RelayService(
            new RelayConfiguration
            {
                Devices =
                [
                    .. configuration.Keyboards.Select(path => new EvdevDeviceOptions(path) { Kind = InputDeviceKind.Keyboard }),
                    .. configuration.Mice.Select(path => new EvdevDeviceOptions(path) { Kind = InputDeviceKind.Mouse }),
                ],
                InputDirectory = configuration.InputDirectory,
                Gadget = configuration.Gadget is string gadget ? new ConfigFsGadget(gadget) : null,
                KeyboardGadgetPath = configuration.KeyboardGadget,
                MouseGadgetPath = configuration.MouseGadget,
                ConsumerControlGadgetPath = configuration.ConsumerControlGadget,
                // In absolute pointer mode (the gadget's descriptor decides) the position is integrated on the captured screen.
                Relay = new HidRelayOptions { UdcStatePath = configuration.UdcStatePath, ScreenWidth = configuration.VideoWidth, ScreenHeight = configuration.VideoHeight },
            },
            time,
            tap,
            loggerFactory);
        try
        {
            relay.Start();
        }
        catch
        {
            relay.Dispose();
            throw;
        }

        return new DeviceRelay(relay);
    }
}
