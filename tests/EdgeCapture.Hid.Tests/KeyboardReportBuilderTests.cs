using FsCheck.Xunit;

namespace EdgeCapture.Hid.Tests;

public sealed class KeyboardReportBuilderTests
{
    private static byte[] Report(KeyboardReportBuilder builder)
    {
        var report = new byte[KeyboardReportBuilder.ReportLength];
        builder.Write(report);
        return report;
    }

    [Fact]
    public void Empty_builder_writes_eight_zero_bytes()
    {
        Assert.Equal(new byte[8], Report(new KeyboardReportBuilder()));
    }

    [Fact]
    public void Shifted_letter_sets_the_modifier_bit_and_the_first_slot()
    {
        var builder = new KeyboardReportBuilder();
        Assert.True(builder.Press(KeyboardUsage.LeftShift));
        Assert.True(builder.Press(0x04));
        Assert.Equal(new byte[] { 0x02, 0, 0x04, 0, 0, 0, 0, 0 }, Report(builder));
        Assert.True(builder.Release(0x04));
        Assert.True(builder.Release(KeyboardUsage.LeftShift));
        Assert.Equal(new byte[8], Report(builder));
    }

    [Fact]
    public void Every_modifier_has_its_own_bit()
    {
        var builder = new KeyboardReportBuilder();
        for (byte usage = 0xE0; usage <= 0xE7; usage++)
        {
            Assert.True(builder.Press(usage));
            Assert.Equal((byte)(1 << (usage - 0xE0)), Report(builder)[0]);
            Assert.True(builder.Release(usage));
        }
    }

    [Fact]
    public void Repeated_press_and_stray_release_change_nothing()
    {
        var builder = new KeyboardReportBuilder();
        Assert.True(builder.Press(0x05));
        Assert.False(builder.Press(0x05));
        Assert.False(builder.Release(0x06));
        Assert.True(builder.Press(KeyboardUsage.RightAlt));
        Assert.False(builder.Press(KeyboardUsage.RightAlt));
        Assert.False(builder.Release(KeyboardUsage.LeftAlt));
        Assert.Equal(new byte[] { 0x40, 0, 0x05, 0, 0, 0, 0, 0 }, Report(builder));
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x01)]
    [InlineData(0x02)]
    [InlineData(0x03)]
    [InlineData(0xDE)]
    [InlineData(0xE8)]
    [InlineData(0xFF)]
    public void Error_and_reserved_usages_are_not_keys(byte usage)
    {
        var builder = new KeyboardReportBuilder();
        Assert.False(builder.Press(usage));
        Assert.False(builder.Release(usage));
        Assert.Equal(new byte[8], Report(builder));
    }

    [Fact]
    public void Keys_keep_press_order_and_close_the_gap_on_release()
    {
        var builder = new KeyboardReportBuilder();
        foreach (byte usage in new byte[] { 0x0B, 0x08, 0x0F, 0x12 })
        {
            builder.Press(usage);
        }

        Assert.Equal(new byte[] { 0, 0, 0x0B, 0x08, 0x0F, 0x12, 0, 0 }, Report(builder));
        Assert.True(builder.Release(0x08));
        Assert.Equal(new byte[] { 0, 0, 0x0B, 0x0F, 0x12, 0, 0, 0 }, Report(builder));
    }

    [Fact]
    public void Seven_keys_give_error_roll_over_in_every_slot_and_real_state_returns_on_release()
    {
        var builder = new KeyboardReportBuilder();
        builder.Press(KeyboardUsage.LeftControl);
        for (byte usage = 0x04; usage < 0x0A; usage++)
        {
            Assert.True(builder.Press(usage));
        }

        Assert.Equal(new byte[] { 0x01, 0, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 }, Report(builder));
        Assert.True(builder.Press(0x0A));
        Assert.True(builder.IsRolledOver);
        Assert.Equal(new byte[] { 0x01, 0, 1, 1, 1, 1, 1, 1 }, Report(builder));

        // An eighth key while rolled over changes no byte.
        Assert.False(builder.Press(0x0B));
        Assert.False(builder.Release(0x0B));

        // Modifiers still report truthfully while rolled over.
        Assert.True(builder.Press(KeyboardUsage.LeftShift));
        Assert.Equal(new byte[] { 0x03, 0, 1, 1, 1, 1, 1, 1 }, Report(builder));

        Assert.True(builder.Release(0x05));
        Assert.False(builder.IsRolledOver);
        Assert.Equal(new byte[] { 0x03, 0, 0x04, 0x06, 0x07, 0x08, 0x09, 0x0A }, Report(builder));
    }

    [Fact]
    public void Release_all_clears_keys_and_modifiers_once()
    {
        var builder = new KeyboardReportBuilder();
        builder.Press(KeyboardUsage.RightGui);
        builder.Press(0x2C);
        Assert.True(builder.ReleaseAll());
        Assert.False(builder.ReleaseAll());
        Assert.Equal(new byte[8], Report(builder));
    }

    [Fact]
    public void Short_buffer_is_a_clear_error()
    {
        var builder = new KeyboardReportBuilder();
        Assert.Throws<ArgumentException>(() => builder.Write(new byte[7]));
    }

    [Fact]
    public void Press_release_and_write_do_not_allocate()
    {
        var builder = new KeyboardReportBuilder();
        Span<byte> report = stackalloc byte[KeyboardReportBuilder.ReportLength];
        builder.Press(0x04);
        builder.Write(report);
        builder.Release(0x04);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 1000; round++)
        {
            for (byte usage = 0x04; usage < 0x0E; usage++)
            {
                builder.Press(usage);
                builder.Write(report);
            }

            builder.Press(KeyboardUsage.LeftShift);
            for (byte usage = 0x04; usage < 0x0E; usage++)
            {
                builder.Release(usage);
                builder.Write(report);
            }

            builder.ReleaseAll();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Property(MaxTest = 300)]
    public bool Any_press_release_sequence_matches_a_simple_model(byte[] operations)
    {
        // Model: modifiers as a set, keys as a press-ordered list; at most 6 shown, else ErrorRollOver.
        var builder = new KeyboardReportBuilder();
        var modifiers = new HashSet<byte>();
        var keys = new List<byte>();
        var report = new byte[8];
        foreach (byte operation in operations ?? [])
        {
            // Low bit chooses press/release, the rest picks from a small usage range so collisions happen.
            byte usage = (byte)(((operation >> 1) % 20) switch { < 10 and var n => 0x04 + n, var n => 0xE0 + ((n - 10) % 8) });
            bool press = (operation & 1) == 0;
            byte[] before = Report(builder);
            bool changed = press ? builder.Press(usage) : builder.Release(usage);
            if (KeyboardUsage.IsModifier(usage))
            {
                _ = press ? modifiers.Add(usage) : modifiers.Remove(usage);
            }
            else if (press && !keys.Contains(usage))
            {
                keys.Add(usage);
            }
            else if (!press)
            {
                keys.Remove(usage);
            }

            builder.Write(report);
            byte expectedModifiers = 0;
            foreach (byte modifier in modifiers)
            {
                expectedModifiers |= (byte)(1 << (modifier - 0xE0));
            }

            byte[] expected = new byte[8];
            expected[0] = expectedModifiers;
            if (keys.Count > 6)
            {
                expected.AsSpan(2).Fill(0x01);
            }
            else
            {
                keys.ToArray().CopyTo(expected, 2);
            }

            if (!expected.AsSpan().SequenceEqual(report) || changed != !before.AsSpan().SequenceEqual(report))
            {
                return false;
            }
        }

        return true;
    }
}
