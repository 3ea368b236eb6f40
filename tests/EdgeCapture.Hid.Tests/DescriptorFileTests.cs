using EdgeCapture.Hid.Descriptors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeCapture.Hid.Tests;

/// <summary>The descriptors in firmware/hid are the single source: the C# report writers must match them bit for bit.</summary>
public sealed class DescriptorFileTests
{
    private static readonly HidReportDescriptor Keyboard = Load("keyboard.hid");
    private static readonly HidReportDescriptor Mouse = Load("mouse.hid");
    private static readonly HidReportDescriptor Consumer = Load("consumer.hid");
    private static readonly HidReportDescriptor AbsolutePointer = Load("absolute-pointer.hid");

    private static HidReportDescriptor Load(string name) =>
        HidReportDescriptor.Parse(HidDescriptorText.ReadFile(RepositoryPaths.Firmware("hid", name)));

    private static void AssertField(
        HidReportField field, int offset, int size, int count, bool variable, bool relative, int minimum, int maximum, params HidUsageRange[] usages)
    {
        Assert.Equal(offset, field.BitOffset);
        Assert.Equal(size, field.BitSize);
        Assert.Equal(count, field.Count);
        Assert.False(field.IsConstant);
        Assert.Equal(variable, field.IsVariable);
        Assert.Equal(relative, field.IsRelative);
        Assert.Equal(minimum, field.LogicalMinimum);
        Assert.Equal(maximum, field.LogicalMaximum);
        Assert.Equal(usages, field.Usages);
    }

    private static void AssertPadding(HidReportField field, int offset, int bits)
    {
        Assert.True(field.IsConstant);
        Assert.Equal(offset, field.BitOffset);
        Assert.Equal(bits, field.BitLength);
    }

    [Fact]
    public void Keyboard_descriptor_is_the_boot_layout_the_builder_writes()
    {
        Assert.False(Keyboard.UsesReportIds);
        Assert.Equal(2, Keyboard.Reports.Count);
        HidReport input = Assert.IsType<HidReport>(Keyboard.Find(HidReportKind.Input));
        Assert.Equal(KeyboardReportBuilder.ReportLength, input.WireLength);
        Assert.Equal(64, input.BitLength);
        Assert.Equal(3, input.Fields.Count);
        AssertField(input.Fields[0], 0, 1, 8, variable: true, relative: false, 0, 1, new HidUsageRange(HidUsagePage.KeyboardKeypad, 0xE0, 0xE7));
        AssertPadding(input.Fields[1], 8, 8);
        AssertField(input.Fields[2], 16, 8, KeyboardReportBuilder.KeySlots, variable: false, relative: false, 0, KeyboardUsage.MaximumKey,
            new HidUsageRange(HidUsagePage.KeyboardKeypad, 0x00, KeyboardUsage.MaximumKey));
        Assert.Equal(new HidUsage(HidUsagePage.GenericDesktop, 0x06), input.Fields[0].Application);
    }

    [Fact]
    public void Keyboard_led_output_report_matches_the_led_bits()
    {
        HidReport output = Assert.IsType<HidReport>(Keyboard.Find(HidReportKind.Output));
        Assert.Equal(KeyboardLedReport.ReportLength, output.WireLength);
        Assert.Equal(2, output.Fields.Count);
        AssertField(output.Fields[0], 0, 1, 5, variable: true, relative: false, 0, 1, new HidUsageRange(HidUsagePage.Led, 0x01, 0x05));
        AssertPadding(output.Fields[1], 5, 3);

        // Each named bit decodes as the LED usage the HUT gives it (Num 1, Caps 2, Scroll 3, Compose 4, Kana 5).
        (byte Bit, ushort LedUsage)[] leds =
        [
            (KeyboardLedReport.NumLock, 1), (KeyboardLedReport.CapsLock, 2), (KeyboardLedReport.ScrollLock, 3),
            (KeyboardLedReport.Compose, 4), (KeyboardLedReport.Kana, 5),
        ];
        foreach ((byte bit, ushort ledUsage) in leds)
        {
            for (int element = 0; element < 5; element++)
            {
                bool lit = output.Fields[0].ReadElement([bit], element) == 1;
                Assert.Equal(output.Fields[0].UsageOf(element) == new HidUsage(HidUsagePage.Led, ledUsage), lit);
            }
        }
    }

    [Fact]
    public void Keyboard_reports_decode_to_the_keys_pressed()
    {
        HidReport input = Keyboard.Find(HidReportKind.Input)!;
        var builder = new KeyboardReportBuilder();
        byte[] pressed = [KeyboardUsage.LeftShift, 0x0B, KeyboardUsage.RightAlt, 0x87, 0x04, 0xB7];
        foreach (byte usage in pressed)
        {
            builder.Press(usage);
        }

        var report = new byte[KeyboardReportBuilder.ReportLength];
        builder.Write(report);

        var decodedModifiers = new List<ushort>();
        for (int element = 0; element < input.Fields[0].Count; element++)
        {
            if (input.Fields[0].ReadElement(report, element) == 1)
            {
                decodedModifiers.Add(input.Fields[0].UsageOf(element)!.Value.Id);
            }
        }

        var decodedKeys = new List<int>();
        for (int slot = 0; slot < input.Fields[2].Count; slot++)
        {
            int value = input.Fields[2].ReadElement(report, slot);
            Assert.InRange(value, input.Fields[2].LogicalMinimum, input.Fields[2].LogicalMaximum);
            if (value != 0)
            {
                decodedKeys.Add(value);
            }
        }

        Assert.Equal(new ushort[] { KeyboardUsage.LeftShift, KeyboardUsage.RightAlt }, decodedModifiers);
        Assert.Equal(new[] { 0x0B, 0x87, 0x04, 0xB7 }, decodedKeys);
    }

    [Fact]
    public void Every_key_the_table_sends_fits_the_keyboard_or_consumer_descriptor()
    {
        HidReportField modifiers = Keyboard.Find(HidReportKind.Input)!.Fields[0];
        HidReportField keys = Keyboard.Find(HidReportKind.Input)!.Fields[2];
        HidReportField consumer = Consumer.Find(HidReportKind.Input)!.Fields[0];
        var builder = new KeyboardReportBuilder();
        var consumerBuilder = new ConsumerControlReportBuilder();
        foreach (KeyUsageMapping row in LinuxKeyUsageTable.Mappings)
        {
            HidReportField field = row.Usage.Page == HidUsagePage.Consumer ? consumer
                : KeyboardUsage.IsModifier((byte)row.Usage.Id) ? modifiers : keys;
            Assert.True(field.Declares(row.Usage), $"{row.LinuxKeyName} {row.Usage}");
            if (!field.IsVariable)
            {
                Assert.InRange(row.Usage.Id, field.LogicalMinimum, field.LogicalMaximum);
            }

            // And the builders accept it.
            bool accepted = row.Usage.Page == HidUsagePage.Consumer
                ? consumerBuilder.Press(row.Usage.Id) && consumerBuilder.Release(row.Usage.Id)
                : builder.Press((byte)row.Usage.Id) && builder.Release((byte)row.Usage.Id);
            Assert.True(accepted, row.LinuxKeyName);
        }
    }

    [Fact]
    public void Mouse_descriptor_matches_mouse_report_layout()
    {
        Assert.False(Mouse.UsesReportIds);
        Assert.Single(Mouse.Reports);
        HidReport input = Assert.IsType<HidReport>(Mouse.Find(HidReportKind.Input));
        Assert.Equal(MouseReport.ReportLength, input.WireLength);
        Assert.Equal(MouseReport.ReportLength * 8, input.BitLength);
        Assert.Equal(4, input.Fields.Count);
        AssertField(input.Fields[0], 0, 1, MouseReport.MaximumButtons, variable: true, relative: false, 0, 1,
            new HidUsageRange(HidUsagePage.Button, 1, MouseReport.MaximumButtons));
        AssertField(input.Fields[1], 8, 16, 2, variable: true, relative: true, MouseReport.MinimumDelta, MouseReport.MaximumDelta,
            new HidUsageRange(HidUsagePage.GenericDesktop, 0x30, 0x30), new HidUsageRange(HidUsagePage.GenericDesktop, 0x31, 0x31));
        AssertField(input.Fields[2], 40, 8, 1, variable: true, relative: true, MouseReport.MinimumWheel, MouseReport.MaximumWheel,
            new HidUsageRange(HidUsagePage.GenericDesktop, 0x38, 0x38));
        AssertField(input.Fields[3], 48, 8, 1, variable: true, relative: true, MouseReport.MinimumWheel, MouseReport.MaximumWheel,
            new HidUsageRange(HidUsagePage.Consumer, 0x238, 0x238));
        Assert.Equal(new HidUsage(HidUsagePage.GenericDesktop, 0x02), input.Fields[0].Application);
    }

    [Property(MaxTest = 200)]
    public bool Mouse_reports_decode_through_the_descriptor_to_the_values_written(byte buttons, short deltaX, short deltaY, sbyte wheel, sbyte pan)
    {
        HidReport input = Mouse.Find(HidReportKind.Input)!;
        var report = new byte[MouseReport.ReportLength];
        MouseReport.Write(report, buttons, deltaX, deltaY, wheel, pan);

        HidReportField buttonField = input.FindField(new HidUsage(HidUsagePage.Button, 1))!;
        HidReportField motion = input.FindField(new HidUsage(HidUsagePage.GenericDesktop, 0x30))!;
        int decodedButtons = 0;
        for (int element = 0; element < buttonField.Count; element++)
        {
            decodedButtons |= buttonField.ReadElement(report, element) << (buttonField.UsageOf(element)!.Value.Id - 1);
        }

        return decodedButtons == buttons
            && motion.ReadElement(report, 0) == deltaX
            && motion.UsageOf(1) == new HidUsage(HidUsagePage.GenericDesktop, 0x31)
            && motion.ReadElement(report, 1) == deltaY
            && input.FindField(new HidUsage(HidUsagePage.GenericDesktop, 0x38))!.ReadElement(report, 0) == wheel
            && input.FindField(new HidUsage(HidUsagePage.Consumer, 0x238))!.ReadElement(report, 0) == pan;
    }

    [Fact]
    public void Absolute_pointer_descriptor_matches_the_absolute_report_layout()
    {
        Assert.False(AbsolutePointer.UsesReportIds);
        Assert.Single(AbsolutePointer.Reports);
        HidReport input = Assert.IsType<HidReport>(AbsolutePointer.Find(HidReportKind.Input));
        Assert.Equal(AbsolutePointerReport.ReportLength, input.WireLength);
        Assert.Equal(MouseReport.ReportLength, AbsolutePointerReport.ReportLength);   // one report_length for both pointer modes
        Assert.Equal(4, input.Fields.Count);
        AssertField(input.Fields[0], 0, 1, MouseReport.MaximumButtons, variable: true, relative: false, 0, 1,
            new HidUsageRange(HidUsagePage.Button, 1, MouseReport.MaximumButtons));
        AssertField(input.Fields[1], 8, 16, 2, variable: true, relative: false, 0, AbsolutePointerReport.MaximumCoordinate,
            new HidUsageRange(HidUsagePage.GenericDesktop, 0x30, 0x30), new HidUsageRange(HidUsagePage.GenericDesktop, 0x31, 0x31));
        AssertField(input.Fields[2], 40, 8, 1, variable: true, relative: true, MouseReport.MinimumWheel, MouseReport.MaximumWheel,
            new HidUsageRange(HidUsagePage.GenericDesktop, 0x38, 0x38));
        AssertField(input.Fields[3], 48, 8, 1, variable: true, relative: true, MouseReport.MinimumWheel, MouseReport.MaximumWheel,
            new HidUsageRange(HidUsagePage.Consumer, 0x238, 0x238));
        Assert.Equal(new HidUsage(HidUsagePage.GenericDesktop, 0x02), input.Fields[0].Application);
    }

    [Property(MaxTest = 200)]
    public bool Absolute_pointer_reports_decode_through_the_descriptor_to_the_values_written(byte buttons, ushort x, ushort y, sbyte wheel, sbyte pan)
    {
        HidReport input = AbsolutePointer.Find(HidReportKind.Input)!;
        var report = new byte[AbsolutePointerReport.ReportLength];
        AbsolutePointerReport.Write(report, buttons, x, y, wheel, pan);

        HidReportField buttonField = input.FindField(new HidUsage(HidUsagePage.Button, 1))!;
        HidReportField position = input.FindField(new HidUsage(HidUsagePage.GenericDesktop, 0x30))!;
        int decodedButtons = 0;
        for (int element = 0; element < buttonField.Count; element++)
        {
            decodedButtons |= buttonField.ReadElement(report, element) << (buttonField.UsageOf(element)!.Value.Id - 1);
        }

        int decodedX = position.ReadElement(report, 0);
        int decodedY = position.ReadElement(report, 1);
        return decodedButtons == buttons
            && decodedX == Math.Min(x, AbsolutePointerReport.MaximumCoordinate)
            && decodedY == Math.Min(y, AbsolutePointerReport.MaximumCoordinate)
            && decodedX >= position.LogicalMinimum && decodedX <= position.LogicalMaximum
            && input.FindField(new HidUsage(HidUsagePage.GenericDesktop, 0x38))!.ReadElement(report, 0) == wheel
            && input.FindField(new HidUsage(HidUsagePage.Consumer, 0x238))!.ReadElement(report, 0) == pan;
    }

    [Fact]
    public void Consumer_descriptor_matches_the_consumer_builder()
    {
        Assert.False(Consumer.UsesReportIds);
        Assert.Single(Consumer.Reports);
        HidReport input = Assert.IsType<HidReport>(Consumer.Find(HidReportKind.Input));
        Assert.Equal(ConsumerControlReportBuilder.ReportLength, input.WireLength);
        Assert.Single(input.Fields);
        AssertField(input.Fields[0], 0, 16, 1, variable: false, relative: false, 0, ConsumerControlReportBuilder.MaximumUsage,
            new HidUsageRange(HidUsagePage.Consumer, 0, ConsumerControlReportBuilder.MaximumUsage));
        Assert.Equal(new HidUsage(HidUsagePage.Consumer, 0x01), input.Fields[0].Application);

        var builder = new ConsumerControlReportBuilder();
        var report = new byte[ConsumerControlReportBuilder.ReportLength];
        foreach (ushort usage in new ushort[] { 0xE9, 0xCD, 0x192, 0x3FF })
        {
            builder.Press(usage);
            builder.Write(report);
            Assert.Equal(usage, input.Fields[0].ReadElement(report, 0));
        }

        builder.ReleaseAll();
        builder.Write(report);
        Assert.Equal(0, input.Fields[0].ReadElement(report, 0));
    }

    [Property(MaxTest = 500)]
    public Property Mutated_firmware_descriptors_parse_or_fail_with_the_documented_exception()
    {
        byte[][] sources =
        [
            HidDescriptorText.ReadFile(RepositoryPaths.Firmware("hid", "keyboard.hid")),
            HidDescriptorText.ReadFile(RepositoryPaths.Firmware("hid", "mouse.hid")),
            HidDescriptorText.ReadFile(RepositoryPaths.Firmware("hid", "consumer.hid")),
            HidDescriptorText.ReadFile(RepositoryPaths.Firmware("hid", "absolute-pointer.hid")),
        ];
        Gen<(int Source, int Position, byte Value, bool Truncate)> mutations =
            from source in Gen.Choose(0, 3)
            from position in Gen.Choose(0, 200)
            from value in ArbMap.Default.GeneratorFor<byte>()
            from truncate in ArbMap.Default.GeneratorFor<bool>()
            select (source, position, value, truncate);
        return Prop.ForAll(mutations.ToArbitrary(), mutation =>
        {
            byte[] bytes = [.. sources[mutation.Source]];
            int position = mutation.Position % bytes.Length;
            if (mutation.Truncate)
            {
                bytes = bytes[..position];
            }
            else
            {
                bytes[position] = mutation.Value;
            }

            return ParsesOrFailsCleanly(bytes);
        });
    }

    internal static bool ParsesOrFailsCleanly(byte[] bytes)
    {
        try
        {
            HidReportDescriptor descriptor = HidReportDescriptor.Parse(bytes);
            return descriptor.Reports.All(report => report.Fields.Sum(field => field.BitLength) == report.BitLength);
        }
        catch (HidDescriptorFormatException exception)
        {
            return exception.Message.Length > 0;
        }
    }
}
