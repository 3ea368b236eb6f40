using System.CommandLine;
using System.Device.Gpio;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Gpio;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Privacy.Simulation;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture privacy</c>: <c>check-pinout</c> validates a pinout file; <c>status</c> reads the privacy switch
/// once through the configured driver (or a simulated chip) and prints what the gate would do. Neither can open the
/// gate or touch the indicator beyond what the privacy hardware itself does (it stays dark: one read is never a
/// debounced public).
/// </summary>
internal static class PrivacyCommand
{
    public static Command Create()
    {
        var privacy = new Command("privacy", "Inspect the privacy switch, recording indicator and forget button.");
        privacy.Subcommands.Add(CreateCheckPinout());
        privacy.Subcommands.Add(CreateStatus());
        return privacy;
    }

    private static Option<string> PinoutOption() => new("--pinout", "-p")
    {
        Description = $"The pinout file (default {PinoutLoader.InstalledPath}).",
        DefaultValueFactory = _ => PinoutLoader.InstalledPath,
    };

    private static Command CreateCheckPinout()
    {
        Option<string> pinoutOption = PinoutOption();
        var command = new Command("check-pinout", "Validate a pinout file (exit 0) or print what is wrong with it (exit 2).");
        command.Options.Add(pinoutOption);
        command.SetAction(parseResult =>
        {
            string path = parseResult.GetValue(pinoutOption) ?? PinoutLoader.InstalledPath;
            PinoutDocument pinout;
            try
            {
                pinout = PinoutLoader.Load(path);
            }
            catch (PinoutException error)
            {
                return CliErrors.Report(parseResult.InvocationConfiguration.Error, "privacy check-pinout", error.Message, ExitCodes.Usage);
            }

            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            stdout.WriteLine($"{path}: valid ({pinout.Board}, gpiochip{pinout.Chip}, driver {pinout.Driver}).");
            stdout.WriteLine($"sha256: {pinout.Sha256}");
            stdout.WriteLine($"privacy switch: GPIO{pinout.PrivacySwitch.Line}{Header(pinout.PrivacySwitch.HeaderPin)}, pull {pinout.PrivacySwitch.Pull}, {Level(pinout.PrivacySwitch.PrivateLevel)} = private");
            stdout.WriteLine($"recording indicator: GPIO{pinout.RecordingIndicator.Line}{Header(pinout.RecordingIndicator.HeaderPin)}, {Level(pinout.RecordingIndicator.LitLevel)} = lit");
            stdout.WriteLine($"forget button: GPIO{pinout.ForgetButton.Line}{Header(pinout.ForgetButton.HeaderPin)}, pull {pinout.ForgetButton.Pull}, {Level(pinout.ForgetButton.PressedLevel)} = pressed");
            return 0;
        });
        return command;
    }

    private static Command CreateStatus()
    {
        Option<string> pinoutOption = PinoutOption();
        var simulate = new Option<string?>("--simulate")
        {
            Description = "Read a simulated chip instead of the GPIO driver, with the switch set to public, private or disconnected.",
        };
        simulate.AcceptOnlyFromAmong("public", "private", "disconnected");
        var command = new Command("status", "Read the privacy switch once and print the privacy state (exit 0), or the fault that keeps the box private (exit 2 or 3).");
        command.Options.Add(pinoutOption);
        command.Options.Add(simulate);
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string path = parseResult.GetValue(pinoutOption) ?? PinoutLoader.InstalledPath;
            string? simulated = parseResult.GetValue(simulate);
            PinoutDocument pinout;
            try
            {
                pinout = PinoutLoader.Load(path);
            }
            catch (PinoutException error)
            {
                stdout.WriteLine("state: private (PinoutInvalid)");
                return CliErrors.Report(stderr, "privacy status", error.Message, ExitCodes.Usage);
            }

            Func<PinoutDocument, GpioDriver> driverFactory = simulated is null
                ? GpioDriverFactory.Create
                : document => Simulate(document, simulated);
            using PrivacyHardware hardware = PrivacyHardware.Start(pinout, new PrivacyOptions(), MonotonicClock.System, driverFactory: driverFactory);
            PrivacyStatus status = hardware.Status;
            stdout.WriteLine($"pinout: {path} ({pinout.Board}, gpiochip{pinout.Chip}, {(simulated is null ? $"driver {pinout.Driver}" : "simulated chip")})");
            stdout.WriteLine($"pinout sha256: {pinout.Sha256}");
            stdout.WriteLine($"switch: GPIO{pinout.PrivacySwitch.Line} {SwitchReading(status)}");
            stdout.WriteLine($"state: {status.State.ToString().ToLowerInvariant()} ({status.Reason})");
            stdout.WriteLine($"indicator: GPIO{pinout.RecordingIndicator.Line} {hardware.Indicator?.Mode}");
            stdout.WriteLine($"forget button: GPIO{pinout.ForgetButton.Line} {(hardware.ForgetButton?.IsAvailable == true ? "available" : $"unavailable: {hardware.ForgetButton?.Fault}")}");
            if (status.IsFault)
            {
                return CliErrors.Report(stderr, "privacy status", status.Detail ?? status.Reason.ToString(), ExitCodes.Unavailable);
            }

            return 0;
        });
        return command;
    }

    private static SimulatedGpioDriver Simulate(PinoutDocument pinout, string position)
    {
        var driver = new SimulatedGpioDriver();
        PrivacySwitchPin pin = pinout.PrivacySwitch;
        PinValue publicLevel = pin.PrivateLevel == PinValue.High ? PinValue.Low : PinValue.High;
        switch (position)
        {
            case "public":
                driver.SetExternalLevel(pin.Line, publicLevel);
                break;
            case "private":
                driver.SetExternalLevel(pin.Line, pin.PrivateLevel);
                break;
            default:
                driver.Disconnect(pin.Line);
                break;
        }

        return driver;
    }

    private static string SwitchReading(PrivacyStatus status) => status.Reason switch
    {
        PrivacyReason.SwitchPrivate => "reads private",
        PrivacyReason.SwitchSettling => "reads public (the gate opens once it has read public for the debounce period and the indicator is lit)",
        PrivacyReason.None => "reads public",
        _ => "could not be read",
    };

    private static string Header(int? headerPin) => headerPin is int pin ? $" (header pin {pin})" : string.Empty;

    private static string Level(PinValue value) => value == PinValue.High ? "high" : "low";
}
