using EdgeCapture.Input.Evdev;

namespace EdgeCapture.Input.Simulation;

/// <summary>
/// A scripted lock and unlock for <see cref="DesktopActivityScript.CreateDefault(int, TimeSpan, ScriptedLockScreen?)"/>: at
/// <see cref="At"/> the user presses Win+L, waits for the lock screen, types <see cref="Password"/> and presses Enter, as
/// someone coming back to a locked laptop does. What the recorder must keep out of storage ("the password is never recorded").
/// </summary>
/// <param name="At">When the lock chord goes down (the first step boundary at or after it), from the start of the script.</param>
/// <param name="Password">The password typed on the lock screen: printable US-layout characters, no newline or tab.</param>
public sealed record ScriptedLockScreen(TimeSpan At, string Password)
{
    /// <summary>How long the lock screen is shown before the user starts typing.</summary>
    public static readonly TimeSpan PauseBeforeTyping = TimeSpan.FromMilliseconds(1200);

    /// <summary>Time per password character.</summary>
    public static readonly TimeSpan PerCharacter = TimeSpan.FromMilliseconds(110);

    /// <summary>The pause after Enter, while the desktop comes back.</summary>
    public static readonly TimeSpan PauseAfterEnter = TimeSpan.FromMilliseconds(900);

    private static readonly TimeSpan ChordLength = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan EnterLength = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the whole sequence takes, from the lock chord to the end of the pause after Enter.</summary>
    public TimeSpan Duration => ChordLength + PauseBeforeTyping + (PerCharacter * Password.Length) + TimeSpan.FromMilliseconds(150) + EnterLength + PauseAfterEnter;

    /// <summary>Throws <see cref="ArgumentException"/> when the password is empty or holds a character the US layout cannot type (or a newline or tab).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(At, TimeSpan.Zero);
        ArgumentException.ThrowIfNullOrEmpty(Password);
        foreach (char character in Password)
        {
            if (character is '\n' or '\t' || !UsKeyboardLayout.TryGetKey(character, out _, out _))
            {
                throw new ArgumentException($"The password holds '{character}', which the simulated US keyboard does not type.", nameof(Password));
            }
        }
    }

    /// <summary>The actions from <paramref name="start"/>: Win+L, a pause, the password, Enter, a pause.</summary>
    /// <param name="start">When the lock chord goes down.</param>
    /// <returns>The actions in time order; the last one ends at <c>start + Duration</c>.</returns>
    internal IReadOnlyList<SimulatedAction> ActionsFrom(TimeSpan start)
    {
        TimeSpan typing = start + ChordLength + PauseBeforeTyping;
        TimeSpan enter = typing + (PerCharacter * Password.Length) + TimeSpan.FromMilliseconds(150);
        return
        [
            SimulatedAction.KeyChord(start, ChordLength, KeyCodes.LeftMeta, KeyCodes.L),
            SimulatedAction.Idle(start + ChordLength, PauseBeforeTyping),
            SimulatedAction.TypeText(typing, Password, PerCharacter * Password.Length),
            SimulatedAction.KeyChord(enter, EnterLength, KeyCodes.Enter),
            SimulatedAction.Idle(enter + EnterLength, PauseAfterEnter),
        ];
    }
}
