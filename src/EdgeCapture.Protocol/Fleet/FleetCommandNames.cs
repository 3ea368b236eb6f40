namespace EdgeCapture.Protocol.Fleet;

/// <summary>The commands a box understands and the roles that may sign each ("Governed control").</summary>
public static class FleetCommandNames
{
    /// <summary>Report the status now (any trusted role).</summary>
    public const string Status = "status";

    /// <summary>Apply configuration settings now (<c>{"settings":{...}}</c>), validated like desired configuration.</summary>
    public const string ApplyConfig = "apply-config";

    /// <summary>Set or rotate who can read the data (<c>{"recipients":["age1..."]}</c>); custodian only.</summary>
    public const string SetRecipients = "set-recipients";

    /// <summary>Delete the sealed segments still waiting in the outbox.</summary>
    public const string PurgeOutbox = "purge-outbox";

    /// <summary>Stop recording remotely (stricter only; the relay keeps working).</summary>
    public const string StopRecording = "stop-recording";

    /// <summary>Lift a remote stop; never overrides the hardware switch ("The switch wins").</summary>
    public const string AllowRecording = "allow-recording";

    /// <summary>Restart the box's service.</summary>
    public const string RestartService = "restart-service";

    /// <summary>Forget the last minutes of recording, like the forget button (<c>{"minutes":N}</c>).</summary>
    public const string ForgetWindow = "forget-window";

    /// <summary>Every command.</summary>
    public static IReadOnlyList<string> All { get; } = [Status, ApplyConfig, SetRecipients, PurgeOutbox, StopRecording, AllowRecording, RestartService, ForgetWindow];

    /// <summary>Whether <paramref name="name"/> is a known command.</summary>
    /// <param name="name">The name.</param>
    /// <returns>Whether it is known.</returns>
    public static bool IsKnown(string name) => All.Contains(name);

    /// <summary>
    /// Whether a signer with <paramref name="role"/> may issue <paramref name="name"/>: <c>set-recipients</c> only the
    /// custodian; <c>status</c> both; every other command only an operator (the custodian's key changes readers, not boxes).
    /// </summary>
    /// <param name="name">The command.</param>
    /// <param name="role">The signer's role on the box.</param>
    /// <returns>Whether the role is allowed.</returns>
    public static bool IsAllowed(string name, FleetRole role) => name switch
    {
        SetRecipients => role == FleetRole.Custodian,
        Status => true,
        _ => IsKnown(name) && role == FleetRole.Operator,
    };

    /// <summary>The role a command needs, in words (for rejection reasons).</summary>
    /// <param name="name">The command.</param>
    /// <returns>A description.</returns>
    public static string RequiredRoleDescription(string name) => name switch
    {
        SetRecipients => "custodian",
        Status => "operator or custodian",
        _ => "operator",
    };
}
