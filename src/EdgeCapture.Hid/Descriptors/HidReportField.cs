namespace EdgeCapture.Hid.Descriptors;

/// <summary>
/// One main item's fields in a report: <see cref="Count"/> elements of <see cref="BitSize"/> bits each,
/// starting at <see cref="BitOffset"/> (bit 0 = least significant bit of the first byte after any report ID).
/// </summary>
public sealed class HidReportField
{
    private readonly HidUsageRange[] _usages;

    internal HidReportField(
        int bitOffset,
        int bitSize,
        int count,
        uint flags,
        int logicalMinimum,
        int logicalMaximum,
        HidUsageRange[] usages,
        HidUsage application)
    {
        BitOffset = bitOffset;
        BitSize = bitSize;
        Count = count;
        Flags = flags;
        LogicalMinimum = logicalMinimum;
        LogicalMaximum = logicalMaximum;
        _usages = usages;
        Application = application;
    }

    /// <summary>Bit offset of the first element within the report (report ID byte excluded).</summary>
    public int BitOffset { get; }

    /// <summary>Bits per element (Report Size).</summary>
    public int BitSize { get; }

    /// <summary>Number of elements (Report Count).</summary>
    public int Count { get; }

    /// <summary>Total bits the field occupies.</summary>
    public int BitLength => BitSize * Count;

    /// <summary>The main item's data bits (bit 0 Constant, bit 1 Variable, bit 2 Relative, ...).</summary>
    public uint Flags { get; }

    /// <summary>Constant (padding) rather than data.</summary>
    public bool IsConstant => (Flags & 0x01) != 0;

    /// <summary>Variable: one element per usage. Otherwise an array of usage indices (key slots).</summary>
    public bool IsVariable => (Flags & 0x02) != 0;

    /// <summary>Relative values (mouse motion) rather than absolute.</summary>
    public bool IsRelative => (Flags & 0x04) != 0;

    /// <summary>Logical Minimum in force for this field.</summary>
    public int LogicalMinimum { get; }

    /// <summary>Logical Maximum in force for this field.</summary>
    public int LogicalMaximum { get; }

    /// <summary>Elements are two's complement signed (the logical minimum is negative).</summary>
    public bool IsSigned => LogicalMinimum < 0;

    /// <summary>The usages declared for the field, as ranges in declaration order.</summary>
    public IReadOnlyList<HidUsageRange> Usages => _usages;

    /// <summary>The usage of the application collection the field belongs to (for example Generic Desktop Mouse).</summary>
    public HidUsage Application { get; }

    /// <summary>
    /// The usage of element <paramref name="index"/> of a variable field: the declared usages in order,
    /// the last one repeating for further elements (HID 1.11, 6.2.2.8). Null when none was declared.
    /// </summary>
    /// <param name="index">Element index, 0..Count-1.</param>
    public HidUsage? UsageOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        long remaining = index;
        foreach (HidUsageRange range in _usages)
        {
            if (remaining < range.Length)
            {
                return new HidUsage(range.Page, (ushort)(range.Minimum + remaining));
            }

            remaining -= range.Length;
        }

        return _usages.Length == 0 ? null : new HidUsage(_usages[^1].Page, _usages[^1].Maximum);
    }

    /// <summary>True when the field declares <paramref name="usage"/> (for arrays: within its usage range).</summary>
    /// <param name="usage">The usage sought.</param>
    public bool Declares(HidUsage usage) => Array.Exists(_usages, range => range.Contains(usage));

    /// <summary>Reads element <paramref name="index"/> from report data, sign-extended when <see cref="IsSigned"/>.</summary>
    /// <param name="report">Report bytes without the report ID byte.</param>
    /// <param name="index">Element index, 0..Count-1.</param>
    /// <returns>The element's value.</returns>
    public int ReadElement(ReadOnlySpan<byte> report, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int start = BitOffset + (index * BitSize);
        if (start + BitSize > report.Length * 8)
        {
            throw new ArgumentException($"Report of {report.Length} bytes is too short for bits {start}..{start + BitSize - 1}.", nameof(report));
        }

        ulong value = 0;
        for (int bit = 0; bit < BitSize; bit++)
        {
            int position = start + bit;
            if ((report[position >> 3] & (1 << (position & 7))) != 0)
            {
                value |= 1UL << bit;
            }
        }

        if (IsSigned && BitSize < 64 && (value & (1UL << (BitSize - 1))) != 0)
        {
            value |= ulong.MaxValue << BitSize;
        }

        return unchecked((int)value);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"bits {BitOffset}+{BitSize}x{Count} {(IsConstant ? "const" : IsVariable ? "var" : "array")}{(IsRelative ? " rel" : string.Empty)} " +
        $"logical {LogicalMinimum}..{LogicalMaximum} usages [{string.Join(", ", _usages)}]";
}

/// <summary>A contiguous run of usages on one page; a single Usage item is a run of length one.</summary>
/// <param name="Page">Usage page.</param>
/// <param name="Minimum">First usage identifier.</param>
/// <param name="Maximum">Last usage identifier (inclusive).</param>
public readonly record struct HidUsageRange(ushort Page, ushort Minimum, ushort Maximum)
{
    /// <summary>Number of usages in the run.</summary>
    public int Length => Maximum - Minimum + 1;

    /// <summary>True when <paramref name="usage"/> lies in the run.</summary>
    /// <param name="usage">The usage sought.</param>
    public bool Contains(HidUsage usage) => usage.Page == Page && usage.Id >= Minimum && usage.Id <= Maximum;

    /// <inheritdoc/>
    public override string ToString() =>
        Minimum == Maximum ? $"0x{Page:X2}:0x{Minimum:X2}" : $"0x{Page:X2}:0x{Minimum:X2}..0x{Maximum:X2}";
}
