namespace EdgeCapture.Hid;

/// <summary>
/// Keeps the state of the gadget keyboard and writes it as a boot-protocol input report
/// (8 bytes, no report ID): modifier bits, one reserved byte, six key slots.
/// </summary>
/// <remarks>
/// <para>Keys occupy the slots in the order they were pressed. With more than six non-modifier keys held the
/// report carries ErrorRollOver (0x01) in all six slots (HID 1.11, appendix C) and the modifier bits stay
/// true; as keys are released the real state returns. Every held key is remembered, so releasing one of
/// eight held keys does not lose the others.</para>
/// <para>Not thread-safe: one relay thread owns it. No allocation after construction.</para>
/// </remarks>
public sealed class KeyboardReportBuilder
{
    /// <summary>Bytes in one keyboard input report.</summary>
    public const int ReportLength = 8;

    /// <summary>Non-modifier keys one report can name.</summary>
    public const int KeySlots = 6;

    // Press-ordered list of held non-modifier usages; a usage appears at most once, so 256 entries suffice.
    private readonly byte[] _held = new byte[256];
    private int _heldCount;
    private byte _modifiers;

    /// <summary>Current modifier bits (bit 0 Left Control ... bit 7 Right GUI).</summary>
    public byte Modifiers => _modifiers;

    /// <summary>Number of non-modifier keys held, including those beyond the six slots.</summary>
    public int HeldKeyCount => _heldCount;

    /// <summary>True when more keys are held than the report carries, so the slots hold ErrorRollOver.</summary>
    public bool IsRolledOver => _heldCount > KeySlots;

    /// <summary>Presses a Keyboard/Keypad page usage.</summary>
    /// <param name="keyboardUsage">0x04..0xDD for keys, 0xE0..0xE7 for modifiers; other values are not keys the
    /// descriptor can carry and are ignored (false).</param>
    /// <returns>True when the report bytes changed.</returns>
    public bool Press(byte keyboardUsage)
    {
        if (KeyboardUsage.IsModifier(keyboardUsage))
        {
            byte bit = ModifierBit(keyboardUsage);
            if ((_modifiers & bit) != 0)
            {
                return false;
            }

            _modifiers |= bit;
            return true;
        }

        if (keyboardUsage <= 0x03 || keyboardUsage > KeyboardUsage.MaximumKey || IndexOf(keyboardUsage) >= 0)
        {
            return false;
        }

        bool wasRolledOver = IsRolledOver;
        _held[_heldCount++] = keyboardUsage;
        return !wasRolledOver;
    }

    /// <summary>Releases a Keyboard/Keypad page usage.</summary>
    /// <param name="keyboardUsage">The usage given to <see cref="Press"/>.</param>
    /// <returns>True when the report bytes changed.</returns>
    public bool Release(byte keyboardUsage)
    {
        if (KeyboardUsage.IsModifier(keyboardUsage))
        {
            byte bit = ModifierBit(keyboardUsage);
            if ((_modifiers & bit) == 0)
            {
                return false;
            }

            _modifiers &= (byte)~bit;
            return true;
        }

        int index = IndexOf(keyboardUsage);
        if (index < 0)
        {
            return false;
        }

        bool wasRolledOver = IsRolledOver;
        Array.Copy(_held, index + 1, _held, index, _heldCount - index - 1);
        _heldCount--;
        return !(wasRolledOver && IsRolledOver);
    }

    /// <summary>Releases every key and modifier.</summary>
    /// <returns>True when the report bytes changed.</returns>
    public bool ReleaseAll()
    {
        bool changed = _modifiers != 0 || _heldCount != 0;
        _modifiers = 0;
        _heldCount = 0;
        return changed;
    }

    /// <summary>True when the usage (key or modifier) is held.</summary>
    /// <param name="keyboardUsage">A Keyboard/Keypad page usage.</param>
    public bool IsPressed(byte keyboardUsage) =>
        KeyboardUsage.IsModifier(keyboardUsage)
            ? (_modifiers & ModifierBit(keyboardUsage)) != 0
            : IndexOf(keyboardUsage) >= 0;

    /// <summary>Writes the current state as an 8-byte boot keyboard report.</summary>
    /// <param name="report">At least <see cref="ReportLength"/> bytes; the first eight are overwritten.</param>
    public void Write(Span<byte> report)
    {
        if (report.Length < ReportLength)
        {
            throw new ArgumentException($"A keyboard report needs {ReportLength} bytes.", nameof(report));
        }

        report[0] = _modifiers;
        report[1] = 0;
        Span<byte> slots = report.Slice(2, KeySlots);
        if (IsRolledOver)
        {
            slots.Fill(KeyboardUsage.ErrorRollOver);
            return;
        }

        _held.AsSpan(0, _heldCount).CopyTo(slots);
        slots[_heldCount..].Clear();
    }

    private int IndexOf(byte keyboardUsage) => Array.IndexOf(_held, keyboardUsage, 0, _heldCount);

    private static byte ModifierBit(byte modifierUsage) => (byte)(1 << (modifierUsage - KeyboardUsage.LeftControl));
}
