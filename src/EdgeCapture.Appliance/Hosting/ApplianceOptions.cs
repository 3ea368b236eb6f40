using EdgeCapture.Appliance.Hardware;
using EdgeCapture.Crypto;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// What the host validates as it starts (ValidateOnStart): the configuration as loaded from <c>appliance.json</c>, the
/// environment and the command line, and the hardware it is to run on.
/// </summary>
internal sealed class ApplianceOptions
{
    /// <summary>The configuration.</summary>
    public ApplianceConfiguration? Configuration { get; private set; }

    /// <summary>The hardware.</summary>
    public ApplianceHardware? Hardware { get; private set; }

    /// <summary>The recipients the configuration names, once validated.</summary>
    public IReadOnlyList<AgeRecipient> Recipients { get; internal set; } = [];

    /// <summary>Sets what is validated.</summary>
    public void Set(ApplianceConfiguration configuration, ApplianceHardware hardware)
    {
        Configuration = configuration;
        Hardware = hardware;
    }
}
