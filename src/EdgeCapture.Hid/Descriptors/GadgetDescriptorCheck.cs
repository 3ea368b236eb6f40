namespace EdgeCapture.Hid.Descriptors;

/// <summary>
/// Checks that the gadget's report descriptors (firmware/hid/*.hid, as installed on a box) describe exactly the
/// reports <see cref="KeyboardReportBuilder"/>, <see cref="MouseReport"/>, <see cref="AbsolutePointerReport"/>,
/// <see cref="ConsumerControlReportBuilder"/> and <see cref="KeyboardLedReport"/> produce and read: sizes, bit positions, usages, logical ranges.
/// A firmware directory from one release and a binary from another would otherwise disagree silently.
/// </summary>
public static class GadgetDescriptorCheck
{
    /// <summary>File name of the keyboard descriptor in a descriptor directory.</summary>
    public const string KeyboardFile = "keyboard.hid";

    /// <summary>File name of the mouse descriptor in a descriptor directory.</summary>
    public const string MouseFile = "mouse.hid";

    /// <summary>File name of the absolute pointer descriptor (the mouse function's descriptor in absolute pointer mode).</summary>
    public const string AbsolutePointerFile = "absolute-pointer.hid";

    /// <summary>File name of the consumer control descriptor in a descriptor directory.</summary>
    public const string ConsumerFile = "consumer.hid";

    /// <summary>Reads and checks the four descriptor files of a directory.</summary>
    /// <param name="directory">A directory holding keyboard.hid, mouse.hid, absolute-pointer.hid and consumer.hid.</param>
    /// <returns>Every disagreement found, empty when the descriptors match the report writers.</returns>
    /// <exception cref="HidDescriptorFormatException">A file is not valid descriptor text or not a valid descriptor.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static IReadOnlyList<string> CheckDirectory(string directory)
    {
        HidReportDescriptor Load(string name)
        {
            string path = Path.Combine(directory, name);
            try
            {
                return HidReportDescriptor.Parse(HidDescriptorText.ReadFile(path));
            }
            catch (HidDescriptorFormatException exception)
            {
                throw new HidDescriptorFormatException($"{path}: {exception.Message}", exception);
            }
        }

        var problems = new List<string>(Check(Load(KeyboardFile), Load(MouseFile), Load(ConsumerFile)));
        CheckAbsolutePointer(Load(AbsolutePointerFile), problems);
        return problems;
    }

    /// <summary>Checks a parsed relative mouse descriptor against <see cref="MouseReport"/>.</summary>
    /// <param name="mouse">The mouse descriptor.</param>
    /// <returns>Every disagreement found, empty when it matches.</returns>
    public static IReadOnlyList<string> CheckRelativeMouse(HidReportDescriptor mouse)
    {
        ArgumentNullException.ThrowIfNull(mouse);
        var problems = new List<string>();
        CheckMouse(mouse, problems);
        return problems;
    }

    /// <summary>Checks a parsed absolute pointer descriptor against <see cref="AbsolutePointerReport"/>.</summary>
    /// <param name="absolutePointer">The absolute pointer descriptor.</param>
    /// <returns>Every disagreement found, empty when it matches.</returns>
    public static IReadOnlyList<string> CheckAbsolutePointer(HidReportDescriptor absolutePointer)
    {
        ArgumentNullException.ThrowIfNull(absolutePointer);
        var problems = new List<string>();
        CheckAbsolutePointer(absolutePointer, problems);
        return problems;
    }

    /// <summary>Checks parsed descriptors against the report writers.</summary>
    /// <param name="keyboard">The keyboard descriptor.</param>
    /// <param name="mouse">The mouse descriptor.</param>
    /// <param name="consumer">The consumer control descriptor.</param>
    /// <returns>Every disagreement found, empty when they match.</returns>
    public static IReadOnlyList<string> Check(HidReportDescriptor keyboard, HidReportDescriptor mouse, HidReportDescriptor consumer)
    {
        ArgumentNullException.ThrowIfNull(keyboard);
        ArgumentNullException.ThrowIfNull(mouse);
        ArgumentNullException.ThrowIfNull(consumer);
        var problems = new List<string>();
        CheckKeyboard(keyboard, problems);
        CheckMouse(mouse, problems);
        CheckConsumer(consumer, problems);
        return problems;
    }

    private static void CheckKeyboard(HidReportDescriptor descriptor, List<string> problems)
    {
        HidReport? input = ExpectReport("keyboard", descriptor, HidReportKind.Input, KeyboardReportBuilder.ReportLength, problems);
        if (input is not null)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                ExpectVariable("keyboard", input, new HidUsage(HidUsagePage.KeyboardKeypad, (ushort)(KeyboardUsage.LeftControl + bit)), bit, 1, 0, 1, relative: false, problems);
            }

            ExpectArray("keyboard key slots", input, HidUsagePage.KeyboardKeypad, 0x04, KeyboardUsage.MaximumKey, 16, 8, KeyboardReportBuilder.KeySlots, problems);
        }

        HidReport? output = ExpectReport("keyboard LEDs", descriptor, HidReportKind.Output, KeyboardLedReport.ReportLength, problems);
        if (output is not null)
        {
            // LED usage n (Num Lock = 1 ... Kana = 5) sits in bit n-1, as KeyboardLedReport's constants say.
            for (int bit = 0; bit < 5; bit++)
            {
                ExpectVariable("keyboard LEDs", output, new HidUsage(HidUsagePage.Led, (ushort)(bit + 1)), bit, 1, 0, 1, relative: false, problems);
            }
        }
    }

    private static void CheckMouse(HidReportDescriptor descriptor, List<string> problems)
    {
        HidReport? input = ExpectReport("mouse", descriptor, HidReportKind.Input, MouseReport.ReportLength, problems);
        if (input is null)
        {
            return;
        }

        for (int button = 0; button < MouseReport.MaximumButtons; button++)
        {
            ExpectVariable("mouse", input, new HidUsage(HidUsagePage.Button, (ushort)(button + 1)), button, 1, 0, 1, relative: false, problems);
        }

        ExpectVariable("mouse", input, new HidUsage(HidUsagePage.GenericDesktop, 0x30), 8, 16, MouseReport.MinimumDelta, MouseReport.MaximumDelta, relative: true, problems);
        ExpectVariable("mouse", input, new HidUsage(HidUsagePage.GenericDesktop, 0x31), 24, 16, MouseReport.MinimumDelta, MouseReport.MaximumDelta, relative: true, problems);
        ExpectVariable("mouse", input, new HidUsage(HidUsagePage.GenericDesktop, 0x38), 40, 8, MouseReport.MinimumWheel, MouseReport.MaximumWheel, relative: true, problems);
        ExpectVariable("mouse", input, new HidUsage(HidUsagePage.Consumer, 0x238), 48, 8, MouseReport.MinimumWheel, MouseReport.MaximumWheel, relative: true, problems);
    }

    private static void CheckAbsolutePointer(HidReportDescriptor descriptor, List<string> problems)
    {
        HidReport? input = ExpectReport("absolute pointer", descriptor, HidReportKind.Input, AbsolutePointerReport.ReportLength, problems);
        if (input is null)
        {
            return;
        }

        for (int button = 0; button < MouseReport.MaximumButtons; button++)
        {
            ExpectVariable("absolute pointer", input, new HidUsage(HidUsagePage.Button, (ushort)(button + 1)), button, 1, 0, 1, relative: false, problems);
        }

        ExpectVariable("absolute pointer", input, new HidUsage(HidUsagePage.GenericDesktop, 0x30), 8, 16, 0, AbsolutePointerReport.MaximumCoordinate, relative: false, problems);
        ExpectVariable("absolute pointer", input, new HidUsage(HidUsagePage.GenericDesktop, 0x31), 24, 16, 0, AbsolutePointerReport.MaximumCoordinate, relative: false, problems);
        ExpectExactRange("absolute pointer", input, new HidUsage(HidUsagePage.GenericDesktop, 0x30), 0, AbsolutePointerReport.MaximumCoordinate, problems);
        ExpectVariable("absolute pointer", input, new HidUsage(HidUsagePage.GenericDesktop, 0x38), 40, 8, MouseReport.MinimumWheel, MouseReport.MaximumWheel, relative: true, problems);
        ExpectVariable("absolute pointer", input, new HidUsage(HidUsagePage.Consumer, 0x238), 48, 8, MouseReport.MinimumWheel, MouseReport.MaximumWheel, relative: true, problems);
    }

    /// <summary>An absolute axis must declare exactly the writer's range: the host scales the logical range onto the screen.</summary>
    private static void ExpectExactRange(string name, HidReport report, HidUsage usage, int minimum, int maximum, List<string> problems)
    {
        HidReportField? field = report.FindField(usage);
        if (field is not null && (field.LogicalMinimum != minimum || field.LogicalMaximum != maximum))
        {
            problems.Add($"{name}: {usage} declares {field.LogicalMinimum}..{field.LogicalMaximum}, the host would scale it; the report writer uses exactly {minimum}..{maximum}");
        }
    }

    private static void CheckConsumer(HidReportDescriptor descriptor, List<string> problems)
    {
        HidReport? input = ExpectReport("consumer control", descriptor, HidReportKind.Input, ConsumerControlReportBuilder.ReportLength, problems);
        if (input is not null)
        {
            ExpectArray("consumer control", input, HidUsagePage.Consumer, 0x001, ConsumerControlReportBuilder.MaximumUsage, 0, 16, 1, problems);
        }
    }

    private static HidReport? ExpectReport(string name, HidReportDescriptor descriptor, HidReportKind kind, int length, List<string> problems)
    {
        if (descriptor.UsesReportIds)
        {
            problems.Add($"{name}: the descriptor uses report IDs; the report writers send none");
            return null;
        }

        HidReport? report = descriptor.Find(kind);
        if (report is null)
        {
            problems.Add($"{name}: no {kind} report");
            return null;
        }

        if (report.WireLength != length)
        {
            problems.Add($"{name}: {kind} report is {report.WireLength} bytes, the report writer uses {length}");
            return null;
        }

        return report;
    }

    private static void ExpectVariable(
        string name, HidReport report, HidUsage usage, int bitOffset, int bitSize, int minimum, int maximum, bool relative, List<string> problems)
    {
        foreach (HidReportField field in report.Fields)
        {
            if (field.IsConstant || !field.IsVariable)
            {
                continue;
            }

            for (int element = 0; element < field.Count; element++)
            {
                if (field.UsageOf(element) != usage)
                {
                    continue;
                }

                int offset = field.BitOffset + (element * field.BitSize);
                if (offset != bitOffset || field.BitSize != bitSize)
                {
                    problems.Add($"{name}: {usage} is at bits {offset}+{field.BitSize}, the report writer puts it at {bitOffset}+{bitSize}");
                }
                else if (field.LogicalMinimum > minimum || field.LogicalMaximum < maximum)
                {
                    problems.Add($"{name}: {usage} ranges {field.LogicalMinimum}..{field.LogicalMaximum}, the report writer sends {minimum}..{maximum}");
                }
                else if (field.IsRelative != relative)
                {
                    problems.Add($"{name}: {usage} is {(field.IsRelative ? "relative" : "absolute")}, expected {(relative ? "relative" : "absolute")}");
                }

                return;
            }
        }

        problems.Add($"{name}: no variable field carries {usage}");
    }

    private static void ExpectArray(
        string name, HidReport report, ushort page, ushort firstUsage, ushort lastUsage, int bitOffset, int bitSize, int count, List<string> problems)
    {
        HidReportField? field = report.Fields.FirstOrDefault(candidate => !candidate.IsConstant && !candidate.IsVariable);
        if (field is null)
        {
            problems.Add($"{name}: no array field");
            return;
        }

        if (field.BitOffset != bitOffset || field.BitSize != bitSize || field.Count != count)
        {
            problems.Add($"{name}: array is {field.Count} x {field.BitSize} bits at bit {field.BitOffset}, the report writer uses {count} x {bitSize} at bit {bitOffset}");
        }

        if (!field.Declares(new HidUsage(page, firstUsage)) || !field.Declares(new HidUsage(page, lastUsage)))
        {
            problems.Add($"{name}: array usages do not cover 0x{page:X2}:0x{firstUsage:X2}..0x{lastUsage:X2}");
        }

        if (field.LogicalMinimum > 0 || field.LogicalMaximum < lastUsage)
        {
            problems.Add($"{name}: array values range {field.LogicalMinimum}..{field.LogicalMaximum}, the report writer sends 0..{lastUsage}");
        }
    }
}
