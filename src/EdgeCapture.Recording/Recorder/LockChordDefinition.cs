using EdgeCapture.Input.Evdev;
using EdgeCapture.Recording.Segments;

namespace EdgeCapture.Recording.Recorder;

/// <summary>Modifier groups of a chord, either side counting.</summary>
[Flags]
internal enum ChordModifiers
{
    None = 0,
    Control = 1,
    Shift = 2,
    Alt = 4,
    Gui = 8,
}

/// <summary>One parsed lock chord: the modifiers that must be held and the Linux key codes that complete it.</summary>
internal sealed class LockChordDefinition
{
    private const ushort KeypadDot = 83;
    private const ushort Power = 116;
    private const ushort EjectCd = 161;
    private const ushort EjectCloseCd = 162;
    private const ushort F1 = 59;
    private const ushort F11 = 87;
    private const ushort F12 = 88;

    private static readonly Dictionary<string, ChordModifiers> ModifierNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Control"] = ChordModifiers.Control, ["Ctrl"] = ChordModifiers.Control,
        ["Shift"] = ChordModifiers.Shift,
        ["Alt"] = ChordModifiers.Alt, ["Option"] = ChordModifiers.Alt,
        ["Gui"] = ChordModifiers.Gui, ["Win"] = ChordModifiers.Gui, ["Cmd"] = ChordModifiers.Gui, ["Command"] = ChordModifiers.Gui,
        ["Meta"] = ChordModifiers.Gui, ["Super"] = ChordModifiers.Gui,
    };

    private LockChordDefinition(ChordModifiers modifiers, ushort[] keys, LockChord code)
    {
        Modifiers = modifiers;
        Keys = keys;
        Code = code;
    }

    public ChordModifiers Modifiers { get; }

    public IReadOnlyList<ushort> Keys { get; }

    /// <summary>What the suppression-started marker says (a known chord, or <see cref="LockChord.Configured"/>).</summary>
    public LockChord Code { get; }

    public static LockChordDefinition Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("A lock chord must not be empty.", nameof(text));
        }

        string[] parts = text.Split('+', StringSplitOptions.TrimEntries);
        ChordModifiers modifiers = ChordModifiers.None;
        foreach (string part in parts[..^1])
        {
            modifiers |= ModifierNames.TryGetValue(part, out ChordModifiers modifier)
                ? modifier
                : throw new ArgumentException($"Lock chord '{text}': '{part}' is not a modifier (Control, Shift, Alt, Gui).", nameof(text));
        }

        string keyName = parts[^1];
        ushort[] keys = KeyCodesFor(keyName) ?? throw new ArgumentException($"Lock chord '{text}': '{keyName}' is not a key it can name.", nameof(text));
        if (modifiers == ChordModifiers.None)
        {
            throw new ArgumentException($"Lock chord '{text}' has no modifier: a plain key would suppress ordinary typing.", nameof(text));
        }

        return new LockChordDefinition(modifiers, keys, Identify(modifiers, keyName.ToUpperInvariant()));
    }

    public bool IsCompletedBy(ushort code, ChordModifiers held) => (held & Modifiers) == Modifiers && Keys.Contains(code);

    private static LockChord Identify(ChordModifiers modifiers, string key) => (modifiers, key) switch
    {
        (ChordModifiers.Gui, "L") => LockChord.GuiL,
        (ChordModifiers.Control | ChordModifiers.Alt, "DELETE") => LockChord.ControlAltDelete,
        (ChordModifiers.Control | ChordModifiers.Gui, "Q") => LockChord.ControlGuiQ,
        (ChordModifiers.Control | ChordModifiers.Shift, "POWER") => LockChord.ControlShiftPower,
        (ChordModifiers.Control | ChordModifiers.Shift, "EJECT") => LockChord.ControlShiftEject,
        (ChordModifiers.Gui | ChordModifiers.Alt, "POWER") => LockChord.GuiAltPower,
        _ => LockChord.Configured,
    };

    private static ushort[]? KeyCodesFor(string name)
    {
        string upper = name.ToUpperInvariant();
        switch (upper)
        {
            case "DELETE":
                return [KeyCodes.Delete, KeypadDot];
            case "POWER":
                return [Power];
            case "EJECT":
                return [EjectCd, EjectCloseCd];
            case "ESCAPE":
                return [KeyCodes.Escape];
            case "INSERT":
                return [KeyCodes.Insert];
            case "HOME":
                return [KeyCodes.Home];
            case "END":
                return [KeyCodes.End];
            default:
                break;
        }

        if (upper.Length == 1 && upper[0] is >= 'A' and <= 'Z')
        {
            return [LetterCodes[upper[0] - 'A']];
        }

        if (upper.Length == 1 && upper[0] is >= '0' and <= '9')
        {
            return [upper[0] == '0' ? KeyCodes.Digit0 : (ushort)(KeyCodes.Digit1 + (upper[0] - '1'))];
        }

        if (upper.Length is 2 or 3 && upper[0] == 'F' && int.TryParse(upper.AsSpan(1), out int function) && function is >= 1 and <= 12)
        {
            return [function switch { 11 => F11, 12 => F12, _ => (ushort)(F1 + function - 1) }];
        }

        return null;
    }

    private static readonly ushort[] LetterCodes =
    [
        KeyCodes.A, KeyCodes.B, KeyCodes.C, KeyCodes.D, KeyCodes.E, KeyCodes.F, KeyCodes.G, KeyCodes.H, KeyCodes.I, KeyCodes.J, KeyCodes.K,
        KeyCodes.L, KeyCodes.M, KeyCodes.N, KeyCodes.O, KeyCodes.P, KeyCodes.Q, KeyCodes.R, KeyCodes.S, KeyCodes.T, KeyCodes.U, KeyCodes.V,
        KeyCodes.W, KeyCodes.X, KeyCodes.Y, KeyCodes.Z,
    ];
}
