using EdgeCapture.Privacy.Pinout;

namespace EdgeCapture.Appliance;

/// <summary>
/// The box refuses to start on a pinout that anyone but root could change ("The switch wins"): the file (when it exists) and
/// its folder must be root-owned and not writable by their group or by others. A missing or invalid pinout is not refused
/// here: it keeps the box private with the reason, and the relay runs (fail closed). Simulated switch lines have no pinout file.
/// </summary>
internal static class PinoutStartCheck
{
    /// <summary>Refuses the configured pinout when anyone but root could change it.</summary>
    /// <param name="configuration">The configuration (its <see cref="ApplianceConfiguration.PinoutPath"/>).</param>
    /// <param name="hardware">The hardware; simulated switch lines (<see cref="Hardware.SimulatedHardware"/>, <see cref="Hardware.SimulatedPrivacyHardware"/>) use no pinout file.</param>
    /// <exception cref="ApplianceStartException">Component <c>pinout</c>; the message names the path and what is wrong.</exception>
    public static void Require(ApplianceConfiguration configuration, Hardware.ApplianceHardware hardware)
    {
        if (!hardware.ReadsInstalledPinout)
        {
            return;
        }

        try
        {
            PinoutLoader.CheckInstalledPermissions(configuration.PinoutPath);
        }
        catch (PinoutException exception)
        {
            throw new ApplianceStartException($"refusing to start: {exception.Message}", exception) { Component = "pinout" };
        }
    }
}
