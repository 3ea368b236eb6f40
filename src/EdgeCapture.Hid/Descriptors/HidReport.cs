namespace EdgeCapture.Hid.Descriptors;

/// <summary>One report a descriptor declares: its kind, report ID and fields in bit order.</summary>
public sealed class HidReport
{
    internal HidReport(HidReportKind kind, byte reportId, IReadOnlyList<HidReportField> fields, int bitLength)
    {
        Kind = kind;
        ReportId = reportId;
        Fields = fields;
        BitLength = bitLength;
    }

    /// <summary>Input, output or feature.</summary>
    public HidReportKind Kind { get; }

    /// <summary>The report ID, or 0 when the descriptor uses none (then no ID byte is sent).</summary>
    public byte ReportId { get; }

    /// <summary>Fields in the order the descriptor declares them, constants included.</summary>
    public IReadOnlyList<HidReportField> Fields { get; }

    /// <summary>Bits of report data, report ID excluded.</summary>
    public int BitLength { get; }

    /// <summary>Bytes of report data, report ID excluded (bits rounded up).</summary>
    public int DataLength => (BitLength + 7) / 8;

    /// <summary>Bytes on the wire: data plus one ID byte when <see cref="ReportId"/> is not 0.</summary>
    public int WireLength => DataLength + (ReportId == 0 ? 0 : 1);

    /// <summary>The first data field that declares <paramref name="usage"/>, or null.</summary>
    /// <param name="usage">The usage sought.</param>
    public HidReportField? FindField(HidUsage usage)
    {
        foreach (HidReportField field in Fields)
        {
            if (!field.IsConstant && field.Declares(usage))
            {
                return field;
            }
        }

        return null;
    }
}
