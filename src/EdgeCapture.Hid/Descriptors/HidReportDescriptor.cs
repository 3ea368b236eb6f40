namespace EdgeCapture.Hid.Descriptors;

/// <summary>The reports a HID report descriptor declares, parsed by <see cref="HidReportDescriptorParser"/>.</summary>
public sealed class HidReportDescriptor
{
    internal HidReportDescriptor(IReadOnlyList<HidReport> reports, bool usesReportIds)
    {
        Reports = reports;
        UsesReportIds = usesReportIds;
    }

    /// <summary>Every report, in order of first declaration.</summary>
    public IReadOnlyList<HidReport> Reports { get; }

    /// <summary>True when the descriptor declares report IDs (then every report is prefixed by its ID byte).</summary>
    public bool UsesReportIds { get; }

    /// <summary>The report of the given kind and ID, or null.</summary>
    /// <param name="kind">Input, output or feature.</param>
    /// <param name="reportId">Report ID, 0 for descriptors without IDs.</param>
    public HidReport? Find(HidReportKind kind, byte reportId = 0)
    {
        foreach (HidReport report in Reports)
        {
            if (report.Kind == kind && report.ReportId == reportId)
            {
                return report;
            }
        }

        return null;
    }

    /// <summary>Parses a binary descriptor; see <see cref="HidReportDescriptorParser.Parse"/>.</summary>
    /// <param name="descriptor">The descriptor bytes.</param>
    public static HidReportDescriptor Parse(ReadOnlySpan<byte> descriptor) => HidReportDescriptorParser.Parse(descriptor);
}
