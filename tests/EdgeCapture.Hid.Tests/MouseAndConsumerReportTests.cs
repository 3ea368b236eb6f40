using FsCheck.Xunit;

namespace EdgeCapture.Hid.Tests;

public sealed class MouseAndConsumerReportTests
{
    [Fact]
    public void Mouse_report_is_buttons_then_little_endian_x_y_then_wheel_and_pan()
    {
        var report = new byte[MouseReport.ReportLength];
        MouseReport.Write(report, 0b0001_0101, -2, 0x1234, -1, 3);
        Assert.Equal(new byte[] { 0x15, 0xFE, 0xFF, 0x34, 0x12, 0xFF, 0x03 }, report);
        MouseReport.Write(report, 0xFF, short.MinValue, short.MaxValue, sbyte.MinValue, sbyte.MaxValue);
        Assert.Equal(new byte[] { 0xFF, 0x00, 0x80, 0xFF, 0x7F, 0x80, 0x7F }, report);
    }

    [Fact]
    public void Mouse_short_buffer_is_a_clear_error()
    {
        Assert.Throws<ArgumentException>(() => MouseReport.Write(new byte[6], 0, 0, 0, 0, 0));
    }

    [Fact]
    public void Consumer_report_carries_the_newest_held_usage_and_falls_back_on_release()
    {
        var builder = new ConsumerControlReportBuilder();
        var report = new byte[ConsumerControlReportBuilder.ReportLength];
        builder.Write(report);
        Assert.Equal(new byte[] { 0, 0 }, report);

        Assert.True(builder.Press(0xE9));
        builder.Write(report);
        Assert.Equal(new byte[] { 0xE9, 0x00 }, report);

        Assert.True(builder.Press(0x192));
        builder.Write(report);
        Assert.Equal(new byte[] { 0x92, 0x01 }, report);

        Assert.False(builder.Release(0xE9));   // not the reported one: bytes unchanged
        Assert.False(builder.Press(0x192));
        Assert.True(builder.Release(0x192));
        builder.Write(report);
        Assert.Equal(new byte[] { 0, 0 }, report);
    }

    [Fact]
    public void Consumer_release_of_the_newest_key_reveals_the_previous_one()
    {
        var builder = new ConsumerControlReportBuilder();
        builder.Press(0xE9);
        builder.Press(0xCD);
        Assert.True(builder.Release(0xCD));
        Assert.Equal(0xE9, builder.CurrentUsage);
        Assert.True(builder.ReleaseAll());
        Assert.False(builder.ReleaseAll());
        Assert.Equal(0, builder.CurrentUsage);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0x400)]
    [InlineData(ushort.MaxValue)]
    public void Consumer_usages_outside_the_report_range_are_ignored(ushort usage)
    {
        var builder = new ConsumerControlReportBuilder();
        Assert.False(builder.Press(usage));
        Assert.Equal(0, builder.CurrentUsage);
    }

    [Fact]
    public void Consumer_builder_survives_more_held_keys_than_it_remembers()
    {
        var builder = new ConsumerControlReportBuilder();
        for (ushort usage = 1; usage <= 40; usage++)
        {
            Assert.True(builder.Press(usage));
        }

        Assert.Equal(40, builder.CurrentUsage);
        for (ushort usage = 40; usage >= 1; usage--)
        {
            builder.Release(usage);
        }

        Assert.Equal(0, builder.CurrentUsage);
    }

    [Fact]
    public void Consumer_and_mouse_writes_do_not_allocate()
    {
        var builder = new ConsumerControlReportBuilder();
        Span<byte> report = stackalloc byte[MouseReport.ReportLength];
        builder.Press(1);
        builder.Write(report);
        builder.Release(1);
        MouseReport.Write(report, 1, 1, 1, 1, 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 1000; round++)
        {
            builder.Press(0xE9);
            builder.Press(0xCD);
            builder.Write(report);
            builder.Release(0xE9);
            builder.Release(0xCD);
            builder.Write(report);
            MouseReport.Write(report, (byte)round, (short)round, (short)-round, 1, -1);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(4, false)]
    [InlineData(5, false)]
    [InlineData(-1, false)]
    public void Led_bits_follow_linux_led_numbers(int linuxLed, bool lit)
    {
        Assert.Equal(lit, KeyboardLedReport.IsLit(KeyboardLedReport.CapsLock, linuxLed));
        Assert.True(KeyboardLedReport.IsLit(KeyboardLedReport.DefinedBits, linuxLed) || linuxLed is < 0 or > 4);
    }

    [Property(MaxTest = 300)]
    public bool Consumer_builder_matches_a_newest_held_key_model(ushort[] operations)
    {
        var builder = new ConsumerControlReportBuilder();
        var held = new List<ushort>();
        var report = new byte[ConsumerControlReportBuilder.ReportLength];
        foreach (ushort operation in operations ?? [])
        {
            // Low bit: press or release; a small usage range so presses and releases meet.
            ushort usage = (ushort)(0xE0 + ((operation >> 1) % 12));
            ushort before = builder.CurrentUsage;
            bool changed = (operation & 1) == 0 ? builder.Press(usage) : builder.Release(usage);
            if ((operation & 1) == 0 && !held.Contains(usage))
            {
                held.Add(usage);
            }
            else if ((operation & 1) == 1)
            {
                held.Remove(usage);
            }

            ushort expected = held.Count == 0 ? (ushort)0 : held[^1];
            builder.Write(report);
            if (builder.CurrentUsage != expected || BitConverter.ToUInt16(report) != expected || changed != (before != expected))
            {
                return false;
            }
        }

        return true;
    }
}
