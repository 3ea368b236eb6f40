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
        // The oracle is the dynamic linker's cache and Debian's packaging, not the factory's own list of names:
        // libgpiod v2 ships as SONAME libgpiod.so.3 (package libgpiod3), v1 as libgpiod.so.2 (libgpiod2, Debian 12 and
        // Pi OS bookworm) or libgpiod.so.1 (older releases).
        HashSet<string> installed = InstalledSharedLibraries();
        bool hasVersion2 = installed.Contains("libgpiod.so.3");
        bool hasVersion1 = installed.Contains("libgpiod.so.2") || installed.Contains("libgpiod.so.1");
        if (!hasVersion1 && !hasVersion2)
        {
            // The gpiod package is part of the CI image (.ci/run): its absence fails unless the run opted out.
            ExternalTool.Missing("no libgpiod for this architecture is in the linker cache", "the Debian package gpiod", ExternalTool.MissingToolsAllowed);
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
        using PrivacyHardware hardware = PrivacyHardware.Start(PinoutLoader.Load(PinoutLoaderTests.RepositoryPinoutPath()), rig.Options, rig.Clock, driverFactory: _ => rig.Driver);
        Assert.NotNull(hardware.Pinout);
        Assert.Equal(PrivacyReason.SwitchPrivate, hardware.Status.Reason);

        rig.SwitchPublic();
        rig.Advance(50);

        Assert.Equal(PrivacyState.Public, hardware.Status.State);
        Assert.Equal(System.Device.Gpio.PinValue.High, rig.Led);
    }

    /// <summary>The SONAMEs <c>ldconfig -p</c> lists for this process's architecture.</summary>
    private static HashSet<string> InstalledSharedLibraries()
    {
        string architectureTag = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x86-64",
            Architecture.Arm64 => "AArch64",
            Architecture.Arm => "hard-float",
            Architecture other => throw new PlatformNotSupportedException($"No ldconfig tag known for {other}."),
        };
        string ldconfig = ExternalTool.Find("ldconfig") ?? (File.Exists("/sbin/ldconfig") ? "/sbin/ldconfig" : "/usr/sbin/ldconfig");
        (int exitCode, byte[] output, string error) = ExternalTool.Run(ldconfig, ["-p"]);
        Assert.True(exitCode == 0, $"ldconfig -p failed: {error}");

        // Lines look like "\tlibgpiod.so.2 (libc6,x86-64) => /lib/x86_64-linux-gnu/libgpiod.so.2".
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in System.Text.Encoding.UTF8.GetString(output).Split('\n'))
        {
            string trimmed = line.Trim();
            int space = trimmed.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && trimmed.Contains(architectureTag, StringComparison.Ordinal))
            {
                names.Add(trimmed[..space]);
            }
        }

        return names;
    }
}
