namespace EdgeCapture.Recording.Recorder;

/// <summary>
/// Lock-screen key suppression: after a lock or secure-attention chord, or an event after which the laptop is likely to show
/// a lock screen (<see cref="LockScreenTriggers"/>), key content is not recorded until the unlock has been submitted with
/// Enter and has visibly worked. No timeout ever ends suppression into recording; none of these settings can open the privacy gate.
/// </summary>
public sealed class LockScreenOptions
{
    /// <summary>The default chords: Win+L, Ctrl+Alt+Del, Ctrl+Cmd+Q, Ctrl+Shift+Power, Ctrl+Shift+Eject, Cmd+Option+Power.</summary>
    public static IReadOnlyList<string> DefaultChords { get; } =
        ["Gui+L", "Control+Alt+Delete", "Control+Gui+Q", "Control+Shift+Power", "Control+Shift+Eject", "Gui+Alt+Power"];

    /// <summary>Suppress key content at all. Default on.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Chords that start suppression, as <c>Modifier+...+Key</c>. Modifiers: Control (Ctrl), Shift, Alt (Option), Gui (Win, Cmd,
    /// Command, Meta, Super), either side. Keys: A-Z, 0-9, Delete (also keypad Delete), Power, Eject, Escape, Insert, Home, End,
    /// F1-F12. A chord holds when its key goes down while at least its modifiers are held. Default <see cref="DefaultChords"/>.
    /// </summary>
    public IReadOnlyList<string> Chords { get; init; } = DefaultChords;

    /// <summary>Events that start suppression without a chord. Default all of them.</summary>
    public LockScreenTriggers Triggers { get; init; } = LockScreenTriggers.All;

    /// <summary>
    /// Without capture, how long after the release of the Enter that submitted an unlock keys stay suppressed, so that a
    /// password typed again after a rejected one is not recorded. Another Enter starts it again. Default 10 s (at most 2 minutes).
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where capture runs, the share of the screen (8x8 blocks whose mean luma moved by more than 24 levels) that must differ from
    /// the lock screen after the Enter before suppression ends. Default 0.3.
    /// </summary>
    public double ScreenChangeFraction { get; init; } = 0.3;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting (including a chord that does not parse).</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Chords, nameof(Chords));
        foreach (string chord in Chords)
        {
            _ = LockChordDefinition.Parse(chord);
        }

        if (GracePeriod < TimeSpan.Zero || GracePeriod > TimeSpan.FromMinutes(2))
        {
            throw new ArgumentOutOfRangeException(nameof(GracePeriod), GracePeriod, "GracePeriod must be between 0 and 2 minutes.");
        }

        if (!(ScreenChangeFraction is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ScreenChangeFraction), ScreenChangeFraction, "ScreenChangeFraction must be above 0 and at most 1.");
        }

        if ((Triggers & ~LockScreenTriggers.All) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Triggers), Triggers, "Unknown lock-screen trigger.");
        }
    }
}

/// <summary>Events after which the laptop is likely to show a lock screen; each starts suppression when enabled.</summary>
[Flags]
public enum LockScreenTriggers
{
    /// <summary>None: only chords start suppression.</summary>
    None = 0,

    /// <summary>The host resumed the USB bus after suspend.</summary>
    HostResumed = 1 << 0,

    /// <summary>The host enumerated the HID gadget again (replugged, rebooted, switched).</summary>
    GadgetReenumerated = 1 << 1,

    /// <summary>The HDMI signal came back after a loss.</summary>
    SignalRestored = 1 << 2,

    /// <summary>The appliance started.</summary>
    ApplianceStarted = 1 << 3,

    /// <summary>All of the above.</summary>
    All = HostResumed | GadgetReenumerated | SignalRestored | ApplianceStarted,
}
