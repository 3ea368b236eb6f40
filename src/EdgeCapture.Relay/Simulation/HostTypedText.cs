using System.Text;
using EdgeCapture.Hid;
using EdgeCapture.Input.Simulation;

namespace EdgeCapture.Relay.Simulation;

/// <summary>
/// The simulated host's view of typing: what a text field on a US-layout host would show from the keyboard reports the
/// gadget wrote. A key types its character on the report in which it first appears (as a host's HID driver delivers a
/// key-down), Shift picks the shifted character, and keys pressed with Ctrl, Alt or GUI held are shortcuts, not text.
/// It lets a simulated run prove that a typed sentence crossed the relay intact, in order.
/// </summary>
public sealed class HostTypedText
{
    private const byte ShortcutModifiers = 0b1101_1101; // Ctrl, Alt, GUI on both sides; Shift types text.
    private const byte ShiftModifiers = 0b0010_0010;
    private readonly StringBuilder _text = new();
    private readonly byte[] _held = new byte[KeyboardReportBuilder.KeySlots];

    /// <summary>The text typed so far.</summary>
    public string Text => _text.ToString();

    /// <summary>Takes one keyboard report (modifier byte, reserved byte, six key slots).</summary>
    /// <param name="report">The report as the gadget wrote it.</param>
    public void Add(ReadOnlySpan<byte> report)
    {
        if (report.Length < KeyboardReportBuilder.ReportLength)
        {
            return;
        }

        ReadOnlySpan<byte> slots = report.Slice(2, KeyboardReportBuilder.KeySlots);
        if (slots.IndexOfAnyExcept(KeyboardUsage.ErrorRollOver) < 0)
        {
            // Rollover: a host keeps the previous state until the keys fit again.
            return;
        }

        byte modifiers = report[0];
        foreach (byte usage in slots)
        {
            if (usage == KeyboardUsage.None || _held.AsSpan().Contains(usage) || (modifiers & ShortcutModifiers) != 0)
            {
                continue;
            }

            if (LinuxKeyUsageTable.TryGetLinuxKeyCode(new HidUsage(HidUsagePage.KeyboardKeypad, usage), out ushort keyCode)
                && UsKeyboardLayout.TryGetCharacter(keyCode, (modifiers & ShiftModifiers) != 0, out char character))
            {
                _text.Append(character);
            }
        }

        slots.CopyTo(_held);
    }

    /// <summary>How many of <paramref name="sentences"/> appear in <paramref name="text"/>, each after the one before.</summary>
    /// <param name="text">What the host received.</param>
    /// <param name="sentences">What was typed, in order.</param>
    /// <returns>The number found in order; equal to the count when every sentence arrived intact.</returns>
    public static int CountInOrder(string text, IReadOnlyList<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sentences);
        int found = 0;
        int position = 0;
        foreach (string sentence in sentences)
        {
            int at = text.IndexOf(sentence, position, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            found++;
            position = at + sentence.Length;
        }

        return found;
    }
}
