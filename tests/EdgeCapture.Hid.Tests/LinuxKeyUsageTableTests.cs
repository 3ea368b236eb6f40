using System.Text.RegularExpressions;

namespace EdgeCapture.Hid.Tests;

public sealed partial class LinuxKeyUsageTableTests
{
    [Theory]
    [InlineData(30, HidUsagePage.KeyboardKeypad, 0x04)]   // KEY_A
    [InlineData(2, HidUsagePage.KeyboardKeypad, 0x1E)]    // KEY_1
    [InlineData(11, HidUsagePage.KeyboardKeypad, 0x27)]   // KEY_0
    [InlineData(28, HidUsagePage.KeyboardKeypad, 0x28)]   // KEY_ENTER
    [InlineData(1, HidUsagePage.KeyboardKeypad, 0x29)]    // KEY_ESC
    [InlineData(57, HidUsagePage.KeyboardKeypad, 0x2C)]   // KEY_SPACE
    [InlineData(43, HidUsagePage.KeyboardKeypad, 0x31)]   // KEY_BACKSLASH (not Non-US 0x32)
    [InlineData(59, HidUsagePage.KeyboardKeypad, 0x3A)]   // KEY_F1
    [InlineData(88, HidUsagePage.KeyboardKeypad, 0x45)]   // KEY_F12
    [InlineData(99, HidUsagePage.KeyboardKeypad, 0x46)]   // KEY_SYSRQ (Print Screen)
    [InlineData(111, HidUsagePage.KeyboardKeypad, 0x4C)]  // KEY_DELETE (not 0x9C/0xD8)
    [InlineData(96, HidUsagePage.KeyboardKeypad, 0x58)]   // KEY_KPENTER
    [InlineData(29, HidUsagePage.KeyboardKeypad, 0xE0)]   // KEY_LEFTCTRL
    [InlineData(42, HidUsagePage.KeyboardKeypad, 0xE1)]   // KEY_LEFTSHIFT
    [InlineData(125, HidUsagePage.KeyboardKeypad, 0xE3)]  // KEY_LEFTMETA
    [InlineData(126, HidUsagePage.KeyboardKeypad, 0xE7)]  // KEY_RIGHTMETA
    [InlineData(86, HidUsagePage.KeyboardKeypad, 0x64)]   // KEY_102ND
    [InlineData(127, HidUsagePage.KeyboardKeypad, 0x65)]  // KEY_COMPOSE (Application)
    [InlineData(116, HidUsagePage.KeyboardKeypad, 0x66)]  // KEY_POWER
    [InlineData(183, HidUsagePage.KeyboardKeypad, 0x68)]  // KEY_F13
    [InlineData(194, HidUsagePage.KeyboardKeypad, 0x73)]  // KEY_F24
    [InlineData(89, HidUsagePage.KeyboardKeypad, 0x87)]   // KEY_RO
    [InlineData(93, HidUsagePage.KeyboardKeypad, 0x88)]   // KEY_KATAKANAHIRAGANA
    [InlineData(124, HidUsagePage.KeyboardKeypad, 0x89)]  // KEY_YEN
    [InlineData(92, HidUsagePage.KeyboardKeypad, 0x8A)]   // KEY_HENKAN
    [InlineData(94, HidUsagePage.KeyboardKeypad, 0x8B)]   // KEY_MUHENKAN
    [InlineData(95, HidUsagePage.KeyboardKeypad, 0x8C)]   // KEY_KPJPCOMMA
    [InlineData(122, HidUsagePage.KeyboardKeypad, 0x90)]  // KEY_HANGEUL
    [InlineData(123, HidUsagePage.KeyboardKeypad, 0x91)]  // KEY_HANJA
    [InlineData(90, HidUsagePage.KeyboardKeypad, 0x92)]   // KEY_KATAKANA
    [InlineData(91, HidUsagePage.KeyboardKeypad, 0x93)]   // KEY_HIRAGANA
    [InlineData(85, HidUsagePage.KeyboardKeypad, 0x94)]   // KEY_ZENKAKUHANKAKU
    [InlineData(113, HidUsagePage.Consumer, 0xE2)]        // KEY_MUTE
    [InlineData(115, HidUsagePage.Consumer, 0xE9)]        // KEY_VOLUMEUP
    [InlineData(114, HidUsagePage.Consumer, 0xEA)]        // KEY_VOLUMEDOWN
    [InlineData(164, HidUsagePage.Consumer, 0xCD)]        // KEY_PLAYPAUSE
    [InlineData(166, HidUsagePage.Consumer, 0xB7)]        // KEY_STOPCD
    [InlineData(163, HidUsagePage.Consumer, 0xB5)]        // KEY_NEXTSONG
    [InlineData(165, HidUsagePage.Consumer, 0xB6)]        // KEY_PREVIOUSSONG
    [InlineData(161, HidUsagePage.Consumer, 0xB8)]        // KEY_EJECTCD
    [InlineData(225, HidUsagePage.Consumer, 0x6F)]        // KEY_BRIGHTNESSUP
    [InlineData(224, HidUsagePage.Consumer, 0x70)]        // KEY_BRIGHTNESSDOWN
    [InlineData(140, HidUsagePage.Consumer, 0x192)]       // KEY_CALC
    [InlineData(155, HidUsagePage.Consumer, 0x18A)]       // KEY_MAIL
    [InlineData(150, HidUsagePage.Consumer, 0x196)]       // KEY_WWW
    [InlineData(172, HidUsagePage.Consumer, 0x223)]       // KEY_HOMEPAGE
    [InlineData(158, HidUsagePage.Consumer, 0x224)]       // KEY_BACK
    [InlineData(159, HidUsagePage.Consumer, 0x225)]       // KEY_FORWARD
    [InlineData(217, HidUsagePage.Consumer, 0x221)]       // KEY_SEARCH
    [InlineData(173, HidUsagePage.Consumer, 0x227)]       // KEY_REFRESH
    public void Well_known_keys_map_to_their_usage_and_back(ushort linuxKeyCode, ushort page, ushort id)
    {
        Assert.True(LinuxKeyUsageTable.TryGetUsage(linuxKeyCode, out HidUsage usage));
        Assert.Equal(new HidUsage(page, id), usage);
        Assert.True(LinuxKeyUsageTable.TryGetLinuxKeyCode(usage, out ushort back));
        Assert.Equal(linuxKeyCode, back);
    }

    [Theory]
    [InlineData(0)]      // KEY_RESERVED
    [InlineData(0x110)]  // BTN_LEFT
    [InlineData(0x111)]  // BTN_RIGHT
    [InlineData(0x100)]  // BTN_0
    [InlineData(0x14A)]  // BTN_TOUCH
    [InlineData(240)]    // KEY_UNKNOWN
    [InlineData(0x2FF)]  // KEY_MAX
    [InlineData(0x300)]  // beyond KEY_MAX
    [InlineData(ushort.MaxValue)]
    public void Buttons_and_unmapped_codes_are_not_keys(ushort linuxKeyCode)
    {
        Assert.False(LinuxKeyUsageTable.TryGetUsage(linuxKeyCode, out HidUsage usage));
        Assert.Equal(default, usage);
    }

    [Fact]
    public void Every_canonical_row_round_trips_in_both_directions()
    {
        Assert.NotEmpty(LinuxKeyUsageTable.Mappings);
        foreach (KeyUsageMapping row in LinuxKeyUsageTable.Mappings)
        {
            Assert.True(LinuxKeyUsageTable.TryGetUsage(row.LinuxKeyCode, out HidUsage usage), row.LinuxKeyName);
            Assert.Equal(row.Usage, usage);
            Assert.True(LinuxKeyUsageTable.TryGetLinuxKeyCode(row.Usage, out ushort code), row.LinuxKeyName);
            Assert.Equal(row.LinuxKeyCode, code);
        }
    }

    [Fact]
    public void Every_alias_reads_as_a_key_whose_canonical_usage_is_elsewhere()
    {
        Assert.NotEmpty(LinuxKeyUsageTable.Aliases);
        foreach (KeyUsageMapping alias in LinuxKeyUsageTable.Aliases)
        {
            Assert.True(LinuxKeyUsageTable.TryGetLinuxKeyCode(alias.Usage, out ushort code), alias.ToString());
            Assert.Equal(alias.LinuxKeyCode, code);
            Assert.True(LinuxKeyUsageTable.TryGetUsage(code, out HidUsage canonical), alias.LinuxKeyName);
            Assert.NotEqual(alias.Usage, canonical);
        }
    }

    [Fact]
    public void No_key_code_and_no_usage_appears_twice()
    {
        IEnumerable<KeyUsageMapping> all = LinuxKeyUsageTable.Mappings.Concat(LinuxKeyUsageTable.Aliases);
        Assert.DoesNotContain(LinuxKeyUsageTable.Mappings.GroupBy(row => row.LinuxKeyCode), group => group.Count() > 1);
        Assert.DoesNotContain(all.GroupBy(row => row.Usage), group => group.Count() > 1);
    }

    [Fact]
    public void Table_rows_stay_inside_the_pages_and_bounds_the_reports_carry()
    {
        foreach (KeyUsageMapping row in LinuxKeyUsageTable.Mappings.Concat(LinuxKeyUsageTable.Aliases))
        {
            Assert.True(row.LinuxKeyCode is > 0 and < LinuxKeyUsageTable.LinuxKeyCodeCount, row.LinuxKeyName);
            Assert.False(row.LinuxKeyCode is >= 0x100 and < 0x160, $"{row.LinuxKeyName} is a BTN_* code");
            if (row.Usage.Page == HidUsagePage.KeyboardKeypad)
            {
                Assert.InRange(row.Usage.Id, 0x04, 0xFF);
            }
            else
            {
                Assert.Equal(HidUsagePage.Consumer, row.Usage.Page);
                Assert.InRange(row.Usage.Id, 1, ConsumerControlReportBuilder.MaximumUsage);
            }
        }
    }

    [Fact]
    public void The_whole_keyboard_page_that_linux_maps_is_covered()
    {
        // Letters, digits, punctuation, F1-F12, editing and navigation, keypad: 0x04..0x67 except none.
        for (ushort id = 0x04; id <= 0x73; id++)
        {
            Assert.True(LinuxKeyUsageTable.TryGetLinuxKeyCode(new HidUsage(HidUsagePage.KeyboardKeypad, id), out _), $"0x{id:X2}");
        }

        for (ushort id = 0xE0; id <= 0xE7; id++)
        {
            Assert.True(LinuxKeyUsageTable.TryGetUsage(
                LinuxKeyUsageTable.TryGetLinuxKeyCode(new HidUsage(HidUsagePage.KeyboardKeypad, id), out ushort code) ? code : (ushort)0,
                out HidUsage usage));
            Assert.Equal(id, usage.Id);
        }
    }

    [Fact]
    public void Keyboard_page_media_usages_read_as_linux_does_but_are_sent_on_the_consumer_page()
    {
        Assert.True(LinuxKeyUsageTable.TryGetLinuxKeyCode(new HidUsage(HidUsagePage.KeyboardKeypad, 0x80), out ushort volumeUp));
        Assert.Equal(115, volumeUp);
        Assert.True(LinuxKeyUsageTable.TryGetUsage(volumeUp, out HidUsage usage));
        Assert.Equal(new HidUsage(HidUsagePage.Consumer, 0xE9), usage);

        Assert.True(LinuxKeyUsageTable.TryGetLinuxKeyCode(new HidUsage(HidUsagePage.KeyboardKeypad, 0x32), out ushort nonUsHash));
        Assert.Equal(43, nonUsHash); // KEY_BACKSLASH
    }

    [Theory]
    [InlineData(HidUsagePage.KeyboardKeypad, 0x00)]
    [InlineData(HidUsagePage.KeyboardKeypad, 0x01)]
    [InlineData(HidUsagePage.KeyboardKeypad, 0x82)]
    [InlineData(HidUsagePage.KeyboardKeypad, 0x100)]
    [InlineData(HidUsagePage.Consumer, 0x00)]
    [InlineData(HidUsagePage.Consumer, 0x0E0)]   // Volume (an axis in Linux, not a key)
    [InlineData(HidUsagePage.Consumer, 0x238)]   // AC Pan (REL_HWHEEL, not a key)
    [InlineData(HidUsagePage.Consumer, 0x400)]
    [InlineData(HidUsagePage.Button, 0x01)]
    [InlineData(HidUsagePage.GenericDesktop, 0x30)]
    public void Usages_linux_does_not_map_to_keys_are_not_found(ushort page, ushort id)
    {
        Assert.False(LinuxKeyUsageTable.TryGetLinuxKeyCode(new HidUsage(page, id), out ushort code));
        Assert.Equal(0, code);
    }

    [Fact]
    public void Lookups_do_not_allocate()
    {
        LinuxKeyUsageTable.TryGetUsage(30, out _);
        LinuxKeyUsageTable.TryGetLinuxKeyCode(new HidUsage(HidUsagePage.Consumer, 0xE9), out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int found = 0;
        for (ushort code = 0; code < 0x400; code++)
        {
            if (LinuxKeyUsageTable.TryGetUsage(code, out HidUsage usage) && LinuxKeyUsageTable.TryGetLinuxKeyCode(usage, out _))
            {
                found++;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(LinuxKeyUsageTable.Mappings.Count, found);
    }

    [Fact]
    public void Every_row_names_its_key_as_the_kernel_header_does()
    {
        const string header = "/usr/include/linux/input-event-codes.h";
        if (!ExternalTool.RequireFile(header, "the Debian package linux-libc-dev"))
        {
            return;
        }

        Dictionary<string, int> values = ParseKeyDefinitions(File.ReadAllText(header));
        foreach (KeyUsageMapping row in LinuxKeyUsageTable.Mappings.Concat(LinuxKeyUsageTable.Aliases))
        {
            Assert.True(values.TryGetValue(row.LinuxKeyName, out int value), $"{row.LinuxKeyName} not in {header}");
            Assert.Equal(value, row.LinuxKeyCode);
        }
    }

    private static Dictionary<string, int> ParseKeyDefinitions(string header)
    {
        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in KeyDefinition().Matches(header))
        {
            string name = match.Groups[1].Value;
            string value = match.Groups[2].Value;
            if (value.StartsWith("0x", StringComparison.Ordinal))
            {
                values[name] = Convert.ToInt32(value[2..], 16);
            }
            else if (char.IsAsciiDigit(value[0]))
            {
                values[name] = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (values.TryGetValue(value, out int aliased))
            {
                values[name] = aliased;
            }
        }

        return values;
    }

    [GeneratedRegex(@"#define\s+((?:KEY|BTN)_\w+)\s+(0x[0-9a-fA-F]+|\d+|(?:KEY|BTN)_\w+)")]
    private static partial Regex KeyDefinition();
}
