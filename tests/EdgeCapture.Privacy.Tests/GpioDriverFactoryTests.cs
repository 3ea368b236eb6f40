using System.Runtime.InteropServices;
using EdgeCapture.Privacy.Gpio;
using EdgeCapture.Privacy.Pinout;

namespace EdgeCapture.Privacy.Tests;

public sealed class GpioDriverFactoryTests
{
    [Fact]
    public void An_explicit_choice_is_kept()
    {
        Assert.Equal(GpioDriverChoice.Libgpiod1, GpioDriverFactory.Resolve(GpioDriverChoice.Libgpiod1));
        Assert.Equal(GpioDriverChoice.Libgpiod2, GpioDriverFactory.Resolve(GpioDriverChoice.Libgpiod2));
    }

    [Fact]
    public void Auto_picks_the_installed_libgpiod_preferring_v2()
    {
        bool hasVersion2 = Loadable(GpioDriverFactory.Libgpiod2Library);
        bool hasVersion1 = GpioDriverFactory.Libgpiod1Libraries.Any(Loadable);
        if (!hasVersion1 && !hasVersion2)
        {
            // The gpiod package is part of the CI image: there its absence is a failure, not a reason to stop.
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "libgpiod is not installed (apt-get install gpiod)");
            IOException missing = Assert.Throws<IOException>(() => GpioDriverFactory.Resolve(GpioDriverChoice.Auto));
            Assert.Contains("install the gpiod package", missing.Message, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(hasVersion2 ? GpioDriverChoice.Libgpiod2 : GpioDriverChoice.Libgpiod1, GpioDriverFactory.Resolve(GpioDriverChoice.Auto));
    }

    [Fact]
    public void Creating_a_driver_for_a_chip_that_does_not_exist_throws_from_the_driver()
    {
        PinoutDocument pinout = PrivacyRig.DefaultPinout with { Chip = 63, Driver = GpioDriverChoice.Libgpiod1 };

        Exception error = Record.Exception(() => GpioDriverFactory.Create(pinout).Dispose());

        Assert.NotNull(error);
    }

    [Fact]
    public void Starting_from_the_repository_pinout_file_on_a_simulated_chip_reaches_public()
    {
        using var rig = new PrivacyRig(start: false);
        using PrivacyHardware hardware = PrivacyHardware.Start(PinoutLoaderTests.RepositoryPinoutPath(), rig.Options, rig.Clock, driverFactory: _ => rig.Driver);
        Assert.NotNull(hardware.Pinout);
        Assert.Equal(PrivacyReason.SwitchPrivate, hardware.Status.Reason);

        rig.SwitchPublic();
        rig.Advance(50);

        Assert.Equal(PrivacyState.Public, hardware.Status.State);
        Assert.Equal(System.Device.Gpio.PinValue.High, rig.Led);
    }

    private static bool Loadable(string library)
    {
        if (!NativeLibrary.TryLoad(library, out IntPtr handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}
