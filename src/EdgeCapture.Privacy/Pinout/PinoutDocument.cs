using System.Device.Gpio;

namespace EdgeCapture.Privacy.Pinout;

/// <summary>Which libgpiod driver of System.Device.Gpio opens the chip.</summary>
public enum GpioDriverChoice
{
    /// <summary>Probe the installed libgpiod: v2 (libgpiod.so.3) if present, else v1 (libgpiod.so.2 / .so.1).</summary>
    Auto = 0,

    /// <summary><c>System.Device.Gpio.Drivers.LibGpiodDriver</c>: libgpiod v1 (Debian 12, Pi OS bookworm).</summary>
    Libgpiod1,

    /// <summary><c>System.Device.Gpio.Drivers.LibGpiodV2Driver</c>: libgpiod v2.</summary>
    Libgpiod2,
}

/// <summary>Bias applied to an input line.</summary>
public enum LinePull
{
    /// <summary>No internal bias (an external resistor holds the level).</summary>
    None = 0,

    /// <summary>Internal pull-up.</summary>
    Up,

    /// <summary>Internal pull-down.</summary>
    Down,
}

/// <summary>The validated content of <c>hardware/pinout.json</c> (installed as <c>/etc/edgecapture/pinout.json</c>).</summary>
/// <param name="Board">Free-text board name, e.g. "Raspberry Pi 4 Model B".</param>
/// <param name="Chip">The GPIO chip number (<c>/dev/gpiochipN</c>) all three lines are on.</param>
/// <param name="Driver">Which libgpiod driver opens the chip.</param>
/// <param name="PrivacySwitch">The privacy switch line.</param>
/// <param name="RecordingIndicator">The recording indicator LED line.</param>
/// <param name="ForgetButton">The forget push-button line.</param>
public sealed record PinoutDocument(
    string Board,
    int Chip,
    GpioDriverChoice Driver,
    PrivacySwitchPin PrivacySwitch,
    RecordingIndicatorPin RecordingIndicator,
    ForgetButtonPin ForgetButton)
{
    /// <summary>Lowercase hex SHA-256 of the pinout's bytes as read (null when built in code): logged at start, so a change is visible.</summary>
    public string? Sha256 { get; init; }
}

/// <summary>The privacy switch: an input whose <paramref name="PrivateLevel"/> means private.</summary>
/// <param name="Line">Line offset on the chip (BCM GPIO number on a Raspberry Pi).</param>
/// <param name="HeaderPin">Physical 40-pin header pin, informational and cross-checked on Raspberry Pi boards.</param>
/// <param name="Pull">Bias; always towards <paramref name="PrivateLevel"/> so a disconnected switch reads private.</param>
/// <param name="PrivateLevel">The level that means private.</param>
public sealed record PrivacySwitchPin(int Line, int? HeaderPin, LinePull Pull, PinValue PrivateLevel)
{
    /// <summary>The pin mode that applies <see cref="Pull"/>.</summary>
    public PinMode InputMode => PinoutLoader.ToInputMode(Pull);
}

/// <summary>The recording indicator LED: an output driven to <paramref name="LitLevel"/> to light it.</summary>
/// <param name="Line">Line offset on the chip.</param>
/// <param name="HeaderPin">Physical header pin, informational.</param>
/// <param name="LitLevel">The level that lights the LED.</param>
public sealed record RecordingIndicatorPin(int Line, int? HeaderPin, PinValue LitLevel)
{
    /// <summary>The level that leaves the LED dark.</summary>
    public PinValue DarkLevel => LitLevel == PinValue.High ? PinValue.Low : PinValue.High;
}

/// <summary>The forget push button: an input that reads <paramref name="PressedLevel"/> while pressed.</summary>
/// <param name="Line">Line offset on the chip.</param>
/// <param name="HeaderPin">Physical header pin, informational.</param>
/// <param name="Pull">Bias; towards the released level.</param>
/// <param name="PressedLevel">The level read while pressed.</param>
public sealed record ForgetButtonPin(int Line, int? HeaderPin, LinePull Pull, PinValue PressedLevel)
{
    /// <summary>The pin mode that applies <see cref="Pull"/>.</summary>
    public PinMode InputMode => PinoutLoader.ToInputMode(Pull);
}
