using EdgeCapture.Hid;

namespace EdgeCapture.Dataset.Layouts;

/// <summary>
/// What a key on the Keyboard/Keypad page (0x07) types on a host layout, and its PyAutoGUI name. The box only sees
/// HID usages (positions on the keyboard); the host's layout decides the character, so the export asks for it
/// (<c>--layout</c>, US by default). Dead keys are typed as their own character (no composition).
/// </summary>
public sealed class KeyboardLayout
{
    private const int FirstPrintable = 0x04;
    private readonly string?[] _plain = new string?[256];
    private readonly string?[] _shifted = new string?[256];
    private readonly string?[] _altGraph = new string?[256];

    private KeyboardLayout(string name, string description)
    {
        Name = name;
        Description = description;
    }

    /// <summary>The layout's short name (<c>us</c>, <c>de</c>, <c>uk</c>).</summary>
    public string Name { get; }

    /// <summary>A human-readable description.</summary>
    public string Description { get; }

    /// <summary>The US layout (the default).</summary>
    public static KeyboardLayout UnitedStates { get; } = CreateUnitedStates();

    /// <summary>The names <see cref="Get"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["us", "uk", "de"];

    /// <summary>Finds a layout by name (case-insensitive).</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <returns>The layout.</returns>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static KeyboardLayout Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant() switch
        {
            "US" => UnitedStates,
            "UK" or "GB" => UnitedKingdom.Value,
            "DE" => German.Value,
            _ => throw new ArgumentException($"Unknown keyboard layout '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    private static readonly Lazy<KeyboardLayout> UnitedKingdom = new(CreateUnitedKingdom);
    private static readonly Lazy<KeyboardLayout> German = new(CreateGerman);

    /// <summary>The text a key types with the given modifiers, or null when it types nothing.</summary>
    /// <param name="usageId">A Keyboard/Keypad page usage.</param>
    /// <param name="shift">Shift held (or Caps Lock on a letter).</param>
    /// <param name="altGraph">AltGr (right Alt) held.</param>
    /// <returns>The character(s), or null.</returns>
    public string? Type(ushort usageId, bool shift, bool altGraph)
    {
        if (usageId >= 256)
        {
            return null;
        }

        if (altGraph)
        {
            return _altGraph[usageId];
        }

        return shift ? _shifted[usageId] : _plain[usageId];
    }

    /// <summary>True when right Alt is AltGr on this layout (it types third-level characters); otherwise it is Alt.</summary>
    public bool HasAltGraph => _altGraph.Any(text => text is not null);

    /// <summary>True when the key types a letter (Caps Lock applies to it).</summary>
    /// <param name="usageId">A Keyboard/Keypad page usage.</param>
    public bool IsLetter(ushort usageId) => usageId < 256 && _plain[usageId] is { Length: 1 } text && char.IsLetter(text[0]);

    /// <summary>
    /// The PyAutoGUI key name of a usage: the unshifted character for printable keys on this layout, otherwise the
    /// name from PyAutoGUI's KEYBOARD_KEYS (<c>enter</c>, <c>shiftleft</c>, <c>volumeup</c>...); null when it has none.
    /// </summary>
    /// <param name="usage">The HID usage.</param>
    /// <returns>The name, or null.</returns>
    public string? KeyName(HidUsage usage)
    {
        if (usage.Page == HidUsagePage.KeyboardKeypad && usage.Id < 256)
        {
            if (usage.Id is >= FirstPrintable and <= 0x38 or 0x64 && _plain[usage.Id] is { } text && text != "\n" && text != "\t" && text != " ")
            {
                return text;
            }

            return KeyNames.Keyboard(usage.Id);
        }

        return usage.Page == HidUsagePage.Consumer ? KeyNames.Consumer(usage.Id) : null;
    }

    private void Row(int firstUsage, string plain, string shifted)
    {
        for (int index = 0; index < plain.Length; index++)
        {
            _plain[firstUsage + index] = plain[index] == '\0' ? null : plain[index].ToString();
            _shifted[firstUsage + index] = shifted[index] == '\0' ? null : shifted[index].ToString();
        }
    }

    private void Common()
    {
        // Enter, Escape (types nothing), Backspace (handled by the text builder), Tab, Space.
        _plain[0x28] = _shifted[0x28] = "\n";
        _plain[0x2B] = _shifted[0x2B] = "\t";
        _plain[0x2C] = _shifted[0x2C] = " ";

        // Keypad: the same on every layout here (Num Lock assumed on).
        Row(0x54, "/*-+\n1234567890.", "/*-+\n1234567890.");
    }

    private static KeyboardLayout CreateUnitedStates()
    {
        var layout = new KeyboardLayout("us", "US (QWERTY)");
        layout.Row(0x04, "abcdefghijklmnopqrstuvwxyz1234567890", "ABCDEFGHIJKLMNOPQRSTUVWXYZ!@#$%^&*()");
        layout.Row(0x2D, "-=[]\\\\;'`,./", "_+{}||:\"~<>?");
        layout.Row(0x64, "\\", "|");
        layout.Common();
        return layout;
    }

    private static KeyboardLayout CreateUnitedKingdom()
    {
        var layout = new KeyboardLayout("uk", "United Kingdom (QWERTY)");
        layout.Row(0x04, "abcdefghijklmnopqrstuvwxyz1234567890", "ABCDEFGHIJKLMNOPQRSTUVWXYZ!\"£$%^&*()");
        layout.Row(0x2D, "-=[]##;'`,./", "_+{}~~:@¬<>?");
        layout.Row(0x64, "\\", "|");
        layout._altGraph[0x21] = "€";
        layout.Common();
        return layout;
    }

    private static KeyboardLayout CreateGerman()
    {
        var layout = new KeyboardLayout("de", "German (QWERTZ; dead keys typed as themselves)");
        layout.Row(0x04, "abcdefghijklmnopqrstuvwxzy1234567890", "ABCDEFGHIJKLMNOPQRSTUVWXZY!\"§$%&/()=");
        layout.Row(0x2D, "ß´ü+##öä^,.-", "?`Ü*''ÖÄ°;:_");
        layout.Row(0x64, "<", ">");
        layout._altGraph[0x14] = "@";
        layout._altGraph[0x08] = "€";
        layout._altGraph[0x10] = "µ";
        layout._altGraph[0x1F] = "²";
        layout._altGraph[0x20] = "³";
        layout._altGraph[0x24] = "{";
        layout._altGraph[0x25] = "[";
        layout._altGraph[0x26] = "]";
        layout._altGraph[0x27] = "}";
        layout._altGraph[0x2D] = "\\";
        layout._altGraph[0x30] = "~";
        layout._altGraph[0x64] = "|";
        layout.Common();
        return layout;
    }
}
