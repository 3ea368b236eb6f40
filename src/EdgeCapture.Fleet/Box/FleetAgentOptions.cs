namespace EdgeCapture.Fleet.Box;

/// <summary>How the box's fleet agent runs.</summary>
public sealed record FleetAgentOptions
{
    /// <summary>The box's id (valid as a topic level, see <see cref="Protocol.Fleet.FleetTopics.IsValidName"/>).</summary>
    public required string DeviceId { get; init; }

    /// <summary>Trusted signers, groups and limits, from the root-owned configuration.</summary>
    public required FleetBoxConfiguration Configuration { get; init; }

    /// <summary>How often the status is checked for changes (a change is published at once; otherwise every status interval).</summary>
    public TimeSpan ChangePollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Received fleet messages waiting for the agent; beyond this they are dropped with a logged reason.</summary>
    public int IncomingCapacity { get; init; } = 256;
}
