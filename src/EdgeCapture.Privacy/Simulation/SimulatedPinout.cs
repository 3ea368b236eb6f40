using System.Device.Gpio;
using EdgeCapture.Privacy.Pinout;

namespace EdgeCapture.Privacy.Simulation;

/// <summary>
/// The pinout of a simulated box, in one place for the appliance's simulated mode, the tests and the benchmarks: the
/// repository pinout's lines (switch GPIO5, indicator GPIO26, forget button GPIO6) on chip 0 of a <see cref="SimulatedGpioDriver"/>.
/// </summary>
public static class SimulatedPinout
{
    /// <summary>The privacy switch line (high = private, pulled up).</summary>
    public const int SwitchLine = 5;

    /// <summary>The recording indicator LED line (high = lit).</summary>
    public const int IndicatorLine = 26;

    /// <summary>The forget button line (pulled up, low = pressed).</summary>
    public const int ButtonLine = 6;

    /// <summary>The document: no physical header pins, since no header exists.</summary>
    public static PinoutDocument Document { get; } = new(
        "simulated",
        0,
        GpioDriverChoice.Auto,
        new PrivacySwitchPin(SwitchLine, null, LinePull.Up, PinValue.High),
        new RecordingIndicatorPin(IndicatorLine, null, PinValue.High),
        new ForgetButtonPin(ButtonLine, null, LinePull.Up, PinValue.Low));

    /// <summary>A simulated chip with the switch at the given position and the forget button released.</summary>
    /// <param name="switchPrivate">True when the switch starts in the private position.</param>
    /// <returns>The driver.</returns>
    public static SimulatedGpioDriver CreateDriver(bool switchPrivate)
    {
        var driver = new SimulatedGpioDriver();
        driver.SetExternalLevel(SwitchLine, switchPrivate ? PinValue.High : PinValue.Low);
        driver.SetExternalLevel(ButtonLine, PinValue.High);
        return driver;
    }
}
