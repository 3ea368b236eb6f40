namespace EdgeCapture.Hid.Descriptors;

/// <summary>
/// A small HID report descriptor parser (HID 1.11, section 6.2.2): short items, Usage Page, Usage,
/// Usage Minimum/Maximum, Logical Minimum/Maximum, Report Size/Count/ID, Input/Output/Feature,
/// Collection/End Collection, Push/Pop. Long items are skipped; physical, unit, designator and
/// string items are read and ignored.
/// </summary>
/// <remarks>
/// It exists so the tests can check that the descriptors in firmware/hid and the C# report writers agree
/// bit for bit. Anything malformed throws <see cref="HidDescriptorFormatException"/> naming the byte offset;
/// no other exception escapes, whatever the input.
/// </remarks>
public static class HidReportDescriptorParser
{
    /// <summary>Largest Report Size accepted: 32 bits, what a logical value can hold.</summary>
    public const int MaximumReportSize = 32;

    /// <summary>Largest Report Count accepted, a bound on the work and memory one item can cause.</summary>
    public const int MaximumReportCount = 4096;

    /// <summary>Largest report accepted, in bits (8 KiB), a bound like Linux's HID_MAX_BUFFER_SIZE.</summary>
    public const int MaximumReportBits = 8192 * 8;

    /// <summary>Deepest collection nesting and Push stack accepted.</summary>
    public const int MaximumNesting = 32;

    /// <summary>Most usages one main item may declare.</summary>
    public const int MaximumUsagesPerItem = 1024;

    private const int MainItem = 0;
    private const int GlobalItem = 1;
    private const int LocalItem = 2;

    /// <summary>Parses a binary report descriptor.</summary>
    /// <param name="descriptor">The descriptor bytes as written to report_desc.</param>
    /// <returns>The reports with their fields.</returns>
    /// <exception cref="HidDescriptorFormatException">The descriptor is malformed.</exception>
    public static HidReportDescriptor Parse(ReadOnlySpan<byte> descriptor)
    {
        var state = new ParserState();
        int offset = 0;
        while (offset < descriptor.Length)
        {
            int itemOffset = offset;
            byte prefix = descriptor[offset++];
            if (prefix == 0xFE)
            {
                // Long item: bDataSize, bLongItemTag, data. No standard long items exist; skip it.
                if (offset + 2 > descriptor.Length)
                {
                    throw new HidDescriptorFormatException(itemOffset, "long item header is truncated");
                }

                int longSize = descriptor[offset];
                offset += 2;
                if (offset + longSize > descriptor.Length)
                {
                    throw new HidDescriptorFormatException(itemOffset, $"long item needs {longSize} data bytes, {descriptor.Length - offset} remain");
                }

                offset += longSize;
                continue;
            }

            int size = (prefix & 0x03) == 3 ? 4 : prefix & 0x03;
            int type = (prefix >> 2) & 0x03;
            int tag = prefix >> 4;
            if (offset + size > descriptor.Length)
            {
                throw new HidDescriptorFormatException(itemOffset, $"item 0x{prefix:X2} needs {size} data bytes, {descriptor.Length - offset} remain");
            }

            uint unsignedData = 0;
            for (int index = 0; index < size; index++)
            {
                unsignedData |= (uint)descriptor[offset + index] << (8 * index);
            }

            int signedData = size switch
            {
                1 => (sbyte)unsignedData,
                2 => (short)unsignedData,
                _ => unchecked((int)unsignedData),
            };
            offset += size;

            switch (type)
            {
                case MainItem:
                    state.Main(itemOffset, tag, unsignedData);
                    break;
                case GlobalItem:
                    state.Global(itemOffset, tag, size, unsignedData, signedData);
                    break;
                case LocalItem:
                    state.Local(itemOffset, tag, size, unsignedData);
                    break;
                default:
                    throw new HidDescriptorFormatException(itemOffset, $"item 0x{prefix:X2} has the reserved item type 3");
            }
        }

        return state.Finish(descriptor.Length);
    }

    /// <summary>Global item state, saved and restored by Push and Pop.</summary>
    private struct GlobalState
    {
        public ushort UsagePage;
        public int LogicalMinimum;
        public int LogicalMaximumSigned;
        public uint LogicalMaximumUnsigned;
        public int ReportSize;
        public int ReportCount;
        public byte ReportId;
    }

    private sealed class ParserState
    {
        private readonly Stack<GlobalState> _pushed = new();
        private readonly Stack<HidUsage> _collections = new();
        private readonly List<HidUsageRange> _usages = [];
        private readonly List<(HidReportKind Kind, byte Id, List<HidReportField> Fields, int Bits)> _reports = [];
        private GlobalState _global;
        private uint? _usageMinimum;
        private uint? _usageMaximum;
        private bool _declaredFieldWithoutId;
        private bool _usedReportId;
        private HidUsage _application;

        public void Main(int offset, int tag, uint data)
        {
            switch (tag)
            {
                case 0x8:
                    AddField(offset, HidReportKind.Input, data);
                    break;
                case 0x9:
                    AddField(offset, HidReportKind.Output, data);
                    break;
                case 0xB:
                    AddField(offset, HidReportKind.Feature, data);
                    break;
                case 0xA:
                    if (_collections.Count >= MaximumNesting)
                    {
                        throw new HidDescriptorFormatException(offset, $"collections nest deeper than {MaximumNesting}");
                    }

                    HidUsage collectionUsage = FirstUsage() ?? default;
                    if (_collections.Count == 0)
                    {
                        _application = collectionUsage;
                    }

                    _collections.Push(collectionUsage);
                    break;
                case 0xC:
                    if (_collections.Count == 0)
                    {
                        throw new HidDescriptorFormatException(offset, "End Collection without an open collection");
                    }

                    _collections.Pop();
                    break;
                default:
                    throw new HidDescriptorFormatException(offset, $"unknown main item tag 0x{tag:X}");
            }

            ClearLocals();
        }

        public void Global(int offset, int tag, int size, uint unsignedData, int signedData)
        {
            switch (tag)
            {
                case 0x0:
                    if (unsignedData > ushort.MaxValue)
                    {
                        throw new HidDescriptorFormatException(offset, $"Usage Page 0x{unsignedData:X} does not fit 16 bits");
                    }

                    _global.UsagePage = (ushort)unsignedData;
                    break;
                case 0x1:
                    _global.LogicalMinimum = signedData;
                    break;
                case 0x2:
                    _global.LogicalMaximumSigned = signedData;
                    _global.LogicalMaximumUnsigned = unsignedData;
                    break;
                case 0x3:
                case 0x4:
                case 0x5:
                case 0x6:
                    // Physical Minimum/Maximum, Unit Exponent, Unit: not needed to lay out reports.
                    break;
                case 0x7:
                    if (unsignedData > MaximumReportSize)
                    {
                        throw new HidDescriptorFormatException(offset, $"Report Size {unsignedData} exceeds {MaximumReportSize} bits");
                    }

                    _global.ReportSize = (int)unsignedData;
                    break;
                case 0x8:
                    if (size == 0 || unsignedData is 0 or > 255)
                    {
                        throw new HidDescriptorFormatException(offset, $"Report ID {unsignedData} is outside 1..255");
                    }

                    if (_declaredFieldWithoutId)
                    {
                        throw new HidDescriptorFormatException(offset, "Report ID appears after fields declared without one");
                    }

                    _global.ReportId = (byte)unsignedData;
                    _usedReportId = true;
                    break;
                case 0x9:
                    if (unsignedData > MaximumReportCount)
                    {
                        throw new HidDescriptorFormatException(offset, $"Report Count {unsignedData} exceeds {MaximumReportCount}");
                    }

                    _global.ReportCount = (int)unsignedData;
                    break;
                case 0xA:
                    if (_pushed.Count >= MaximumNesting)
                    {
                        throw new HidDescriptorFormatException(offset, $"Push nests deeper than {MaximumNesting}");
                    }

                    _pushed.Push(_global);
                    break;
                case 0xB:
                    if (_pushed.Count == 0)
                    {
                        throw new HidDescriptorFormatException(offset, "Pop without a matching Push");
                    }

                    _global = _pushed.Pop();
                    break;
                default:
                    throw new HidDescriptorFormatException(offset, $"unknown global item tag 0x{tag:X}");
            }
        }

        public void Local(int offset, int tag, int size, uint data)
        {
            switch (tag)
            {
                case 0x0:
                    HidUsage usage = ExtendedUsage(size, data);
                    AddUsages(offset, new HidUsageRange(usage.Page, usage.Id, usage.Id));
                    break;
                case 0x1:
                    _usageMinimum = ExtendedRaw(size, data);
                    AddUsageRangeWhenComplete(offset);
                    break;
                case 0x2:
                    _usageMaximum = ExtendedRaw(size, data);
                    AddUsageRangeWhenComplete(offset);
                    break;
                default:
                    // Designator and string indices, delimiters: no effect on report layout.
                    break;
            }
        }

        public HidReportDescriptor Finish(int length)
        {
            if (_collections.Count != 0)
            {
                throw new HidDescriptorFormatException(length, $"{_collections.Count} collection(s) left open at the end");
            }

            if (_usageMinimum is not null || _usageMaximum is not null)
            {
                throw new HidDescriptorFormatException(length, "Usage Minimum or Maximum without its partner at the end");
            }

            var reports = new List<HidReport>(_reports.Count);
            foreach ((HidReportKind kind, byte id, List<HidReportField> fields, int bits) in _reports)
            {
                reports.Add(new HidReport(kind, id, fields.AsReadOnly(), bits));
            }

            return new HidReportDescriptor(reports.AsReadOnly(), _usedReportId);
        }

        private void AddField(int offset, HidReportKind kind, uint flags)
        {
            if (_usageMinimum is not null || _usageMaximum is not null)
            {
                throw new HidDescriptorFormatException(offset, "Usage Minimum without Usage Maximum (or the reverse) before a main item");
            }

            int size = _global.ReportSize;
            int count = _global.ReportCount;
            if (size == 0 || count == 0)
            {
                return; // Declares no bits; Linux ignores such items too.
            }

            bool isConstant = (flags & 0x01) != 0;
            int minimum = _global.LogicalMinimum;
            // Logical Maximum is signed only when the minimum is negative (HID 1.11 6.2.2.7; Linux does the same).
            long maximum = minimum < 0 ? _global.LogicalMaximumSigned : _global.LogicalMaximumUnsigned;
            if (!isConstant && minimum > maximum)
            {
                throw new HidDescriptorFormatException(offset, $"Logical Minimum {minimum} exceeds Logical Maximum {maximum}");
            }

            if (maximum > int.MaxValue)
            {
                throw new HidDescriptorFormatException(offset, $"Logical Maximum {maximum} does not fit a 32-bit value");
            }

            if (_global.ReportId == 0)
            {
                _declaredFieldWithoutId = true;
            }

            int index = _reports.FindIndex(report => report.Kind == kind && report.Id == _global.ReportId);
            if (index < 0)
            {
                _reports.Add((kind, _global.ReportId, [], 0));
                index = _reports.Count - 1;
            }

            (HidReportKind Kind, byte Id, List<HidReportField> Fields, int Bits) report = _reports[index];
            int bitLength = size * count;
            if (report.Bits + bitLength > MaximumReportBits)
            {
                throw new HidDescriptorFormatException(offset, $"{kind} report {report.Id} grows beyond {MaximumReportBits} bits");
            }

            report.Fields.Add(new HidReportField(report.Bits, size, count, flags, minimum, (int)maximum, [.. _usages], _application));
            _reports[index] = report with { Bits = report.Bits + bitLength };
        }

        private void AddUsageRangeWhenComplete(int offset)
        {
            if (_usageMinimum is not uint minimum || _usageMaximum is not uint maximum)
            {
                return;
            }

            HidUsage first = Extend(minimum);
            HidUsage last = Extend(maximum);
            if (first.Page != last.Page)
            {
                throw new HidDescriptorFormatException(offset, $"Usage Minimum {first} and Maximum {last} lie on different pages");
            }

            if (first.Id > last.Id)
            {
                throw new HidDescriptorFormatException(offset, $"Usage Minimum {first} exceeds Usage Maximum {last}");
            }

            _usageMinimum = null;
            _usageMaximum = null;
            AddUsages(offset, new HidUsageRange(first.Page, first.Id, last.Id));
        }

        private void AddUsages(int offset, HidUsageRange range)
        {
            if (_usages.Count >= MaximumUsagesPerItem)
            {
                throw new HidDescriptorFormatException(offset, $"more than {MaximumUsagesPerItem} usage items before one main item");
            }

            _usages.Add(range);
        }

        private HidUsage? FirstUsage() =>
            _usages.Count == 0 ? null : new HidUsage(_usages[0].Page, _usages[0].Minimum);

        private void ClearLocals()
        {
            _usages.Clear();
            _usageMinimum = null;
            _usageMaximum = null;
        }

        // A 4-byte local usage carries its own page in the high 16 bits; shorter ones take the current page.
        private uint ExtendedRaw(int size, uint data) =>
            size == 4 ? data : ((uint)_global.UsagePage << 16) | (data & 0xFFFF);

        private HidUsage ExtendedUsage(int size, uint data) => Extend(ExtendedRaw(size, data));

        private static HidUsage Extend(uint raw) => new((ushort)(raw >> 16), (ushort)raw);
    }
}
