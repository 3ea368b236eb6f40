namespace EdgeCapture.Protocol.Fleet;

/// <summary>The role a trusted signer holds on a box (from the box's root-owned configuration, never from the message).</summary>
public enum FleetRole
{
    /// <summary>IT: configuration and operational commands; never who can read the data.</summary>
    Operator,

    /// <summary>The data custodian: the only role that changes the recipients ("Governed control").</summary>
    Custodian,
}

/// <summary>The names of the roles as written in configuration and messages.</summary>
public static class FleetRoleNames
{
    /// <summary>The spelling of <paramref name="role"/>.</summary>
    /// <param name="role">The role.</param>
    /// <returns><c>operator</c> or <c>custodian</c>.</returns>
    public static string Name(FleetRole role) => role == FleetRole.Custodian ? "custodian" : "operator";

    /// <summary>Parses <c>operator</c> or <c>custodian</c>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="role">The role.</param>
    /// <returns>Whether the text names a role.</returns>
    public static bool TryParse(string? text, out FleetRole role)
    {
        role = text == "custodian" ? FleetRole.Custodian : FleetRole.Operator;
        return text is "operator" or "custodian";
    }
}
