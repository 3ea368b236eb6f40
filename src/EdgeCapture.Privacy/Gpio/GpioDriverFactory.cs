using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Runtime.InteropServices;
using EdgeCapture.Privacy.Pinout;

namespace EdgeCapture.Privacy.Gpio;

/// <summary>
/// Creates the libgpiod driver named by the pinout. The driver is always chosen explicitly: the parameterless
/// <c>GpioController()</c> guesses and, without libgpiod v2, throws on a Pi OS bookworm image.
/// </summary>
public static class GpioDriverFactory
{
    /// <summary>The shared library of libgpiod v2.</summary>
    public const string Libgpiod2Library = "libgpiod.so.3";

    /// <summary>The shared libraries of libgpiod v1, newest first.</summary>
    public static readonly IReadOnlyList<string> Libgpiod1Libraries = ["libgpiod.so.2", "libgpiod.so.1"];

    /// <summary>Resolves <see cref="GpioDriverChoice.Auto"/> by probing which libgpiod is installed.</summary>
    /// <param name="choice">The configured choice.</param>
    /// <returns><see cref="GpioDriverChoice.Libgpiod1"/> or <see cref="GpioDriverChoice.Libgpiod2"/>.</returns>
    /// <exception cref="IOException">Auto was asked and no libgpiod is installed.</exception>
    public static GpioDriverChoice Resolve(GpioDriverChoice choice)
    {
        if (choice != GpioDriverChoice.Auto)
        {
            return choice;
        }

        if (IsLoadable(Libgpiod2Library))
        {
            return GpioDriverChoice.Libgpiod2;
        }

        if (Libgpiod1Libraries.Any(IsLoadable))
        {
            return GpioDriverChoice.Libgpiod1;
        }

        throw new IOException($"No libgpiod is installed (looked for {Libgpiod2Library}, {string.Join(", ", Libgpiod1Libraries)}); install the gpiod package.");
    }

    /// <summary>Creates the driver for the pinout's chip. Throws whatever the driver throws for a missing chip or library.</summary>
    /// <param name="pinout">The validated pinout.</param>
    /// <returns>A driver owned by the caller (pass it to <c>new GpioController(driver)</c>).</returns>
    public static GpioDriver Create(PinoutDocument pinout)
    {
        ArgumentNullException.ThrowIfNull(pinout);
        return Resolve(pinout.Driver) switch
        {
            GpioDriverChoice.Libgpiod2 => new LibGpiodV2Driver(pinout.Chip),
            _ => new LibGpiodDriver(pinout.Chip),
        };
    }

    private static bool IsLoadable(string library)
    {
        if (!NativeLibrary.TryLoad(library, out IntPtr handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}
