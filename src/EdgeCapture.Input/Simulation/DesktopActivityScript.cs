using EdgeCapture.Input.Evdev;

namespace EdgeCapture.Input.Simulation;

/// <summary>
/// A deterministic simulated desktop user: a time-ordered list of actions (typing, chords, pointer moves,
/// clicks, drags, scrolls, pauses). The relay simulator turns it into evdev bytes (<see cref="DesktopActivityEvdev"/>)
/// and the video simulator renders frames from the same script, so frames and input agree.
/// The pointer starts at (<see cref="InitialPointerX"/>, <see cref="InitialPointerY"/>) on a
/// <see cref="ScreenWidth"/> x <see cref="ScreenHeight"/> screen; one mouse count is one pixel; the default script
/// never moves the pointer off screen.
/// </summary>
public sealed class DesktopActivityScript
{
    /// <summary>Width of the simulated screen in pixels.</summary>
    public const int ScreenWidth = 1920;

    /// <summary>Height of the simulated screen in pixels.</summary>
    public const int ScreenHeight = 1080;

    private static readonly string[] Sentences =
    [
        "The quick brown fox jumps over the lazy dog.",
        "Hello, World! Ready?",
        "Meeting moved to 10:30 with the \"Ops\" team.",
        "Invoice #4521: Total $1,250.00 (paid).",
        "Ship it & VERIFY the build_42 logs!",
        "Dear Ms. O'Neil, see the Q3 report <attached>.",
    ];

    private static readonly ushort[][] Chords =
    [
        [KeyCodes.LeftCtrl, KeyCodes.S],
        [KeyCodes.LeftCtrl, KeyCodes.C],
        [KeyCodes.LeftCtrl, KeyCodes.V],
        [KeyCodes.LeftCtrl, KeyCodes.Z],
        [KeyCodes.LeftCtrl, KeyCodes.LeftShift, KeyCodes.T],
        [KeyCodes.LeftAlt, KeyCodes.Tab],
        [KeyCodes.LeftMeta],
    ];

    private readonly SimulatedAction[] _actions;

    /// <summary>Creates a script from explicit actions (sorted by <see cref="SimulatedAction.At"/>, none ending after <paramref name="length"/>).</summary>
    /// <param name="actions">The actions in time order.</param>
    /// <param name="length">Total length of the script.</param>
    /// <param name="initialPointerX">Pointer X at time zero.</param>
    /// <param name="initialPointerY">Pointer Y at time zero.</param>
    public DesktopActivityScript(IReadOnlyList<SimulatedAction> actions, TimeSpan length, int initialPointerX = ScreenWidth / 2, int initialPointerY = ScreenHeight / 2)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, TimeSpan.Zero);
        _actions = new SimulatedAction[actions.Count];
        TimeSpan previous = TimeSpan.Zero;
        for (int index = 0; index < actions.Count; index++)
        {
            SimulatedAction action = actions[index];
            if (action.At < previous || action.Duration < TimeSpan.Zero || action.End > length)
            {
                throw new ArgumentException($"Action {index} ({action.Kind} at {action.At}) is out of order, negative or past the end.", nameof(actions));
            }

            previous = action.At;
            _actions[index] = action;
        }

        Length = length;
        InitialPointerX = initialPointerX;
        InitialPointerY = initialPointerY;
    }

    /// <summary>The actions in time order.</summary>
    public IReadOnlyList<SimulatedAction> Actions => _actions;

    /// <summary>Total length of the script.</summary>
    public TimeSpan Length { get; }

    /// <summary>Pointer X at time zero.</summary>
    public int InitialPointerX { get; }

    /// <summary>Pointer Y at time zero.</summary>
    public int InitialPointerY { get; }

    /// <summary>
    /// The default office-work script: sentences with shifted characters, shortcuts, pointer moves, clicks, drags,
    /// scrolls and pauses. The same seed and length always give the same script.
    /// </summary>
    /// <param name="seed">Random seed.</param>
    /// <param name="length">Script length.</param>
    /// <returns>The script.</returns>
    public static DesktopActivityScript CreateDefault(int seed, TimeSpan length) => CreateDefault(seed, length, lockScreen: null);

    /// <summary>
    /// The default office-work script with, when <paramref name="lockScreen"/> is given, a scripted lock and unlock (Win+L,
    /// the password typed on the lock screen, Enter) at the first step boundary at or after its time. Without it the script
    /// is exactly <see cref="CreateDefault(int, TimeSpan)"/>'s.
    /// </summary>
    /// <param name="seed">Random seed.</param>
    /// <param name="length">Script length.</param>
    /// <param name="lockScreen">The lock and unlock, or null.</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">The password cannot be typed, or the sequence does not fit before the end.</exception>
    public static DesktopActivityScript CreateDefault(int seed, TimeSpan length, ScriptedLockScreen? lockScreen)
    {
        if (lockScreen is not null)
        {
            lockScreen.Validate();
            if (lockScreen.At + lockScreen.Duration + TimeSpan.FromSeconds(2) > length)
            {
                throw new ArgumentException($"The lock and unlock at {lockScreen.At} ({lockScreen.Duration} long) does not fit in a {length} script.", nameof(lockScreen));
            }
        }

        bool locked = false;
        // System.Random with an explicit seed uses a fixed legacy algorithm, stable across runtime versions.
        var random = new Random(seed);
        var actions = new List<SimulatedAction>();
        int pointerX = ScreenWidth / 2;
        int pointerY = ScreenHeight / 2;
        TimeSpan now = TimeSpan.FromMilliseconds(200);
        int misses = 0;
        while (misses < 16)
        {
            if (lockScreen is not null && !locked && now >= lockScreen.At)
            {
                // The user locks the laptop and unlocks it again; the script goes on from where the pointer was.
                locked = true;
                IReadOnlyList<SimulatedAction> sequence = lockScreen.ActionsFrom(now);
                actions.AddRange(sequence);
                now = sequence[^1].End + TimeSpan.FromMilliseconds(100);
                continue;
            }

            int choice = random.Next(100);
            var step = new List<SimulatedAction>();
            TimeSpan cursor = now;
            if (choice < 28)
            {
                string sentence = Sentences[random.Next(Sentences.Length)];
                TimeSpan perCharacter = TimeSpan.FromMilliseconds(random.Next(70, 141));
                step.Add(SimulatedAction.TypeText(cursor, sentence, perCharacter * sentence.Length));
            }
            else if (choice < 38)
            {
                ushort[] chord = Chords[random.Next(Chords.Length)];
                step.Add(SimulatedAction.KeyChord(cursor, TimeSpan.FromMilliseconds(random.Next(90, 200)), chord));
            }
            else if (choice < 80)
            {
                (int targetX, int targetY) = (random.Next(40, ScreenWidth - 40), random.Next(40, ScreenHeight - 40));
                TimeSpan moveDuration = TimeSpan.FromMilliseconds(random.Next(150, 700));
                step.Add(SimulatedAction.MouseMove(cursor, targetX - pointerX, targetY - pointerY, moveDuration));
                cursor += moveDuration + TimeSpan.FromMilliseconds(random.Next(60, 200));
                (pointerX, pointerY) = (targetX, targetY);
                if (choice >= 55)
                {
                    // A click, a right click, or a drag to a second point.
                    SimulatedMouseButton button = choice < 70 ? SimulatedMouseButton.Left : choice < 74 ? SimulatedMouseButton.Right : SimulatedMouseButton.Left;
                    step.Add(SimulatedAction.MouseButton(cursor, button, isPress: true));
                    cursor += TimeSpan.FromMilliseconds(random.Next(60, 130));
                    if (choice >= 74)
                    {
                        (int dragX, int dragY) = (random.Next(40, ScreenWidth - 40), random.Next(40, ScreenHeight - 40));
                        TimeSpan dragDuration = TimeSpan.FromMilliseconds(random.Next(250, 900));
                        step.Add(SimulatedAction.MouseMove(cursor, dragX - pointerX, dragY - pointerY, dragDuration));
                        cursor += dragDuration + TimeSpan.FromMilliseconds(40);
                        (pointerX, pointerY) = (dragX, dragY);
                    }

                    step.Add(SimulatedAction.MouseButton(cursor, button, isPress: false));
                }
            }
            else if (choice < 90)
            {
                int wheel = random.Next(1, 6) * (random.Next(2) == 0 ? -1 : 1);
                int pan = random.Next(4) == 0 ? random.Next(-2, 3) : 0;
                int detents = Math.Abs(wheel) + Math.Abs(pan);
                step.Add(SimulatedAction.Scroll(cursor, wheel, pan, TimeSpan.FromMilliseconds(40 * detents)));
            }
            else
            {
                step.Add(SimulatedAction.Idle(cursor, TimeSpan.FromMilliseconds(random.Next(300, 1500))));
            }

            TimeSpan stepEnd = step[^1].End;
            if (lockScreen is not null && !locked && stepEnd > lockScreen.At)
            {
                // The lock comes first, exactly at its time: this step is dropped (the pointer did not move).
                (pointerX, pointerY) = PointerAfter(actions, ScreenWidth / 2, ScreenHeight / 2);
                now = lockScreen.At;
                continue;
            }

            if (stepEnd > length)
            {
                // Too long for what is left: try something shorter (the pointer did not move).
                (pointerX, pointerY) = PointerAfter(actions, ScreenWidth / 2, ScreenHeight / 2);
                misses++;
                continue;
            }

            actions.AddRange(step);
            now = stepEnd + TimeSpan.FromMilliseconds(random.Next(80, 300));
        }

        return new DesktopActivityScript(actions, length);
    }

    private static (int X, int Y) PointerAfter(List<SimulatedAction> actions, int x, int y)
    {
        foreach (SimulatedAction action in actions)
        {
            if (action.Kind == SimulatedActionKind.MouseMove)
            {
                x += action.DeltaX;
                y += action.DeltaY;
            }
        }

        return (x, y);
    }

    /// <summary>Where the pointer is at <paramref name="at"/> (moves are linear over their duration).</summary>
    /// <param name="at">Time from the start of the script.</param>
    /// <returns>The pointer position in pixels.</returns>
    public (int X, int Y) PointerPositionAt(TimeSpan at)
    {
        int x = InitialPointerX;
        int y = InitialPointerY;
        foreach (SimulatedAction action in _actions)
        {
            if (action.At > at)
            {
                break;
            }

            if (action.Kind != SimulatedActionKind.MouseMove)
            {
                continue;
            }

            if (action.End <= at || action.Duration == TimeSpan.Zero)
            {
                x += action.DeltaX;
                y += action.DeltaY;
            }
            else
            {
                double fraction = (at - action.At) / action.Duration;
                x += (int)Math.Round(action.DeltaX * fraction);
                y += (int)Math.Round(action.DeltaY * fraction);
            }
        }

        return (x, y);
    }
}
