using System.Buffers.Binary;

namespace EdgeCapture.Hid;

/// <summary>
/// Keeps the state of the gadget consumer control and writes it as a 2-byte input report (no report ID):
/// one 16-bit array slot holding the Consumer page usage of the key held, or 0 when none is.
/// </summary>
/// <remarks>
/// One slot because people press one media key at a time. When several are held the slot shows the most
/// recently pressed; releasing it shows the previous one still held, so nothing sticks and nothing is lost.
/// Not thread-safe; no allocation after construction.
/// </remarks>
public sealed class ConsumerControlReportBuilder
{
    /// <summary>Bytes in one consumer control input report.</summary>
    public const int ReportLength = 2;

    /// <summary>Largest usage the report carries (the descriptor's usage and logical maximum).</summary>
    public const ushort MaximumUsage = 0x03FF;

    // Held usages in press order; the last one is reported. Capacity bounds the keys remembered at once.
    private const int Capacity = 16;
    private readonly ushort[] _held = new ushort[Capacity];
    private int _heldCount;

    /// <summary>The usage currently reported, 0 when none.</summary>
    public ushort CurrentUsage => _heldCount == 0 ? (ushort)0 : _held[_heldCount - 1];

    /// <summary>Presses a Consumer page usage.</summary>
    /// <param name="consumerUsage">1..<see cref="MaximumUsage"/>; 0 and larger values are ignored.</param>
    /// <returns>True when the report bytes changed.</returns>
    public bool Press(ushort consumerUsage)
    {
        if (consumerUsage == 0 || consumerUsage > MaximumUsage || IndexOf(consumerUsage) >= 0)
        {
            return false;
        }

        ushort before = CurrentUsage;
        if (_heldCount == Capacity)
        {
            // Drop the oldest held key to stay allocation-free; only the newest is ever reported.
            Array.Copy(_held, 1, _held, 0, Capacity - 1);
            _heldCount--;
        }

        _held[_heldCount++] = consumerUsage;
        return CurrentUsage != before;
    }

    /// <summary>Releases a Consumer page usage.</summary>
    /// <param name="consumerUsage">The usage given to <see cref="Press"/>.</param>
    /// <returns>True when the report bytes changed.</returns>
    public bool Release(ushort consumerUsage)
    {
        int index = IndexOf(consumerUsage);
        if (index < 0)
        {
            return false;
        }

        ushort before = CurrentUsage;
        Array.Copy(_held, index + 1, _held, index, _heldCount - index - 1);
        _heldCount--;
        return CurrentUsage != before;
    }

    /// <summary>Releases every consumer key.</summary>
    /// <returns>True when the report bytes changed.</returns>
    public bool ReleaseAll()
    {
        bool changed = _heldCount != 0;
        _heldCount = 0;
        return changed;
    }

    /// <summary>Writes the current state as a 2-byte consumer control report (usage, little-endian).</summary>
    /// <param name="report">At least <see cref="ReportLength"/> bytes; the first two are overwritten.</param>
    public void Write(Span<byte> report)
    {
        if (report.Length < ReportLength)
        {
            throw new ArgumentException($"A consumer control report needs {ReportLength} bytes.", nameof(report));
        }

        BinaryPrimitives.WriteUInt16LittleEndian(report, CurrentUsage);
    }

    private int IndexOf(ushort consumerUsage) => Array.IndexOf(_held, consumerUsage, 0, _heldCount);
}
