using EdgeCapture.Hid.Descriptors;
using FsCheck.Xunit;

namespace EdgeCapture.Hid.Tests;

public sealed class HidReportDescriptorParserTests
{
    private static HidDescriptorFormatException Malformed(params byte[] descriptor) =>
        Assert.Throws<HidDescriptorFormatException>(() => HidReportDescriptor.Parse(descriptor));

    [Fact]
    public void Empty_descriptor_has_no_reports()
    {
        Assert.Empty(HidReportDescriptor.Parse([]).Reports);
    }

    [Fact]
    public void Truncated_item_names_its_offset()
    {
        HidDescriptorFormatException error = Malformed(0x05, 0x01, 0x26, 0xFF);
        Assert.Equal(2, error.Offset);
        Assert.Contains("byte 2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0xC0 })]                                   // End Collection with none open
    [InlineData(new byte[] { 0x05, 0x01, 0x09, 0x02, 0xA1, 0x01 })]     // collection left open
    [InlineData(new byte[] { 0xB4 })]                                   // Pop without Push
    [InlineData(new byte[] { 0x85, 0x00 })]                             // Report ID 0
    [InlineData(new byte[] { 0x84 })]                                   // Report ID without data
    [InlineData(new byte[] { 0x75, 0x21 })]                             // Report Size 33
    [InlineData(new byte[] { 0x96, 0x01, 0x10 })]                       // Report Count 4097
    [InlineData(new byte[] { 0x0C })]                                   // reserved item type
    [InlineData(new byte[] { 0x00 })]                                   // main item tag 0
    [InlineData(new byte[] { 0xF4 })]                                   // global item tag 0xF
    [InlineData(new byte[] { 0x19, 0x01, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02 })]         // Usage Minimum without Maximum
    [InlineData(new byte[] { 0x19, 0x05, 0x29, 0x01 })]                                 // Usage Minimum > Maximum
    [InlineData(new byte[] { 0x15, 0x05, 0x25, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 })] // Logical Minimum > Maximum
    [InlineData(new byte[] { 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0x85, 0x01 })]         // Report ID after unnumbered fields
    [InlineData(new byte[] { 0xFE, 0x05, 0x00, 0x01 })]                                 // long item truncated
    [InlineData(new byte[] { 0x1B, 0x01, 0x00, 0x01, 0x00, 0x2B, 0x05, 0x00, 0x02, 0x00 })] // range across pages
    [InlineData(new byte[] { 0x19, 0x01 })]                                             // Usage Minimum dangling at the end
    public void Malformed_descriptors_fail_with_the_documented_exception(byte[] descriptor)
    {
        HidDescriptorFormatException error = Malformed(descriptor);
        Assert.InRange(error.Offset, 0, descriptor.Length);
    }

    [Fact]
    public void Too_deep_nesting_is_rejected()
    {
        byte[] collections = [.. Enumerable.Repeat(new byte[] { 0xA1, 0x00 }, 33).SelectMany(item => item)];
        Malformed(collections);
        byte[] pushes = [.. Enumerable.Repeat((byte)0xA4, 33)];
        Malformed(pushes);
    }

    [Fact]
    public void Push_and_pop_restore_the_global_state()
    {
        byte[] descriptor =
        [
            0x05, 0x01, 0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95, 0x02, // GD, -127..127, 8 bits x 2
            0xA4,                                                       // Push
            0x05, 0x09, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x03, // Button, 0..1, 1 bit x 3
            0x19, 0x01, 0x29, 0x03, 0x81, 0x02,
            0x95, 0x01, 0x75, 0x05, 0x81, 0x01,                         // 5 bits padding
            0xB4,                                                       // Pop
            0x09, 0x30, 0x09, 0x31, 0x81, 0x06,
        ];
        HidReport report = HidReportDescriptor.Parse(descriptor).Find(HidReportKind.Input)!;
        Assert.Equal(24, report.BitLength);
        HidReportField motion = report.Fields[2];
        Assert.Equal(8, motion.BitOffset);
        Assert.Equal(8, motion.BitSize);
        Assert.Equal(2, motion.Count);
        Assert.Equal(-127, motion.LogicalMinimum);
        Assert.True(motion.IsSigned);
        Assert.Equal(new HidUsage(HidUsagePage.GenericDesktop, 0x31), motion.UsageOf(1));
        Assert.Equal(-3, motion.ReadElement(new byte[] { 0, 0xFD, 5 }, 0));
        Assert.Equal(5, motion.ReadElement(new byte[] { 0, 0xFD, 5 }, 1));
    }

    [Fact]
    public void Report_ids_separate_reports_and_add_a_wire_byte()
    {
        byte[] descriptor =
        [
            0x85, 0x01, 0x05, 0x0C, 0x09, 0xE9, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02,
            0x75, 0x07, 0x81, 0x01,
            0x85, 0x02, 0x75, 0x10, 0x81, 0x02,
            0x85, 0x01, 0x75, 0x08, 0x91, 0x02,
        ];
        HidReportDescriptor parsed = HidReportDescriptor.Parse(descriptor);
        Assert.True(parsed.UsesReportIds);
        Assert.Equal(3, parsed.Reports.Count);
        Assert.Equal(2, parsed.Find(HidReportKind.Input, 1)!.WireLength);
        Assert.Equal(3, parsed.Find(HidReportKind.Input, 2)!.WireLength);
        Assert.Equal(2, parsed.Find(HidReportKind.Output, 1)!.WireLength);
        Assert.Null(parsed.Find(HidReportKind.Input, 0));
    }

    [Fact]
    public void Four_byte_usages_carry_their_own_page_and_long_items_are_skipped()
    {
        byte[] descriptor =
        [
            0xFE, 0x02, 0x10, 0xAA, 0xBB,                   // long item with two data bytes
            0x05, 0x01, 0x0B, 0x38, 0x02, 0x0C, 0x00,       // Usage (Consumer AC Pan) on a GD page
            0x15, 0x00, 0x25, 0xFF, 0x75, 0x08, 0x95, 0x01, 0x81, 0x06,
        ];
        HidReportField field = HidReportDescriptor.Parse(descriptor).Find(HidReportKind.Input)!.Fields[0];
        Assert.Equal(new HidUsage(HidUsagePage.Consumer, 0x238), field.UsageOf(0));
        Assert.Equal(255, field.LogicalMaximum);   // minimum >= 0: maximum is read unsigned
        Assert.False(field.IsSigned);
        Assert.Equal(200, field.ReadElement(new byte[] { 200 }, 0));
    }

    [Fact]
    public void Read_element_rejects_a_short_report_and_a_bad_index()
    {
        HidReportField field = HidReportDescriptor.Parse([0x75, 0x10, 0x95, 0x02, 0x81, 0x02]).Find(HidReportKind.Input)!.Fields[0];
        Assert.Throws<ArgumentException>(() => field.ReadElement(new byte[3], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => field.ReadElement(new byte[4], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => field.ReadElement(new byte[4], -1));
    }

    [Property(MaxTest = 2000)]
    public bool Random_bytes_parse_or_fail_with_the_documented_exception(byte[] bytes) =>
        DescriptorFileTests.ParsesOrFailsCleanly(bytes ?? []);

    [Fact]
    public void Descriptor_text_reads_hex_and_skips_comments()
    {
        Assert.Equal(new byte[] { 0x05, 0x01, 0xA1, 0xC0 }, HidDescriptorText.Parse("# header\n05 01   # usage page\n\ta1\r\nC0 #end"));
    }

    [Theory]
    [InlineData("05 1", 1)]
    [InlineData("05\n0x01", 2)]
    [InlineData("05 01\n\nzz", 3)]
    [InlineData("050", 1)]
    public void Descriptor_text_rejects_bad_tokens_naming_the_line(string text, int line)
    {
        HidDescriptorFormatException error = Assert.Throws<HidDescriptorFormatException>(() => HidDescriptorText.Parse(text));
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
    }
}
