using EdgeCapture.Input.Evdev;

namespace EdgeCapture.Input.Simulation;

/// <summary>Printable ASCII to Linux KEY_* code and Shift, for a US keyboard (what the simulator types).</summary>
public static class UsKeyboardLayout
{
    private const string Unshifted = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./ \n\t";
    private const string Shifted = "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>?";

    private static readonly ushort[] KeysInOrder =
    [
        KeyCodes.Grave, KeyCodes.Digit1, KeyCodes.Digit2, KeyCodes.Digit3, KeyCodes.Digit4, KeyCodes.Digit5,
        KeyCodes.Digit6, KeyCodes.Digit7, KeyCodes.Digit8, KeyCodes.Digit9, KeyCodes.Digit0, KeyCodes.Minus, KeyCodes.Equal,
        KeyCodes.Q, KeyCodes.W, KeyCodes.E, KeyCodes.R, KeyCodes.T, KeyCodes.Y, KeyCodes.U, KeyCodes.I, KeyCodes.O, KeyCodes.P,
        KeyCodes.LeftBrace, KeyCodes.RightBrace, KeyCodes.Backslash,
        KeyCodes.A, KeyCodes.S, KeyCodes.D, KeyCodes.F, KeyCodes.G, KeyCodes.H, KeyCodes.J, KeyCodes.K, KeyCodes.L,
        KeyCodes.Semicolon, KeyCodes.Apostrophe,
        KeyCodes.Z, KeyCodes.X, KeyCodes.C, KeyCodes.V, KeyCodes.B, KeyCodes.N, KeyCodes.M,
        KeyCodes.Comma, KeyCodes.Dot, KeyCodes.Slash, KeyCodes.Space, KeyCodes.Enter, KeyCodes.Tab,
    ];

    /// <summary>Finds the key that types <paramref name="character"/> and whether Shift is needed.</summary>
    /// <param name="character">A printable ASCII character, space, newline or tab.</param>
    /// <param name="keyCode">The Linux KEY_* code.</param>
    /// <param name="needsShift">True when Shift must be held.</param>
    /// <returns>False when the character cannot be typed on a US keyboard.</returns>
    public static bool TryGetKey(char character, out ushort keyCode, out bool needsShift)
    {
        int index = Unshifted.IndexOf(character, StringComparison.Ordinal);
        if (index >= 0)
        {
            keyCode = KeysInOrder[index];
            needsShift = false;
            return true;
        }

        index = Shifted.IndexOf(character, StringComparison.Ordinal);
        if (index >= 0)
        {
            keyCode = KeysInOrder[index];
            needsShift = true;
            return true;
        }

        keyCode = 0;
        needsShift = false;
        return false;
    }

    /// <summary>Finds the character a key types on a US keyboard, with or without Shift (the host's view of typing).</summary>
    /// <param name="keyCode">A Linux KEY_* code.</param>
    /// <param name="shift">True when Shift is held.</param>
    /// <param name="character">The printable ASCII character, space, newline (Enter) or tab.</param>
    /// <returns>False for keys that type nothing (modifiers, function keys, arrows).</returns>
    public static bool TryGetCharacter(ushort keyCode, bool shift, out char character)
    {
        int index = Array.IndexOf(KeysInOrder, keyCode);
        if (index < 0)
        {
            character = '\0';
            return false;
        }

        character = shift && index < Shifted.Length ? Shifted[index] : Unshifted[index];
        return true;
    }
}
