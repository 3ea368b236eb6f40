using EdgeCapture.Hid.Descriptors;

namespace EdgeCapture.Hid.Tests;

public sealed class GadgetDescriptorCheckTests : IDisposable
{
    private readonly DirectoryInfo _copy = Directory.CreateTempSubdirectory("edgecapture-hid-");

    public GadgetDescriptorCheckTests()
    {
        foreach (string file in Directory.EnumerateFiles(RepositoryPaths.Firmware("hid"), "*.hid"))
        {
            File.Copy(file, Path.Combine(_copy.FullName, Path.GetFileName(file)));
        }
    }

    public void Dispose() => _copy.Delete(recursive: true);

    private void Replace(string file, string from, string to)
    {
        string path = Path.Combine(_copy.FullName, file);
        string text = File.ReadAllText(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void Firmware_descriptors_match_the_report_writers()
    {
        Assert.Empty(GadgetDescriptorCheck.CheckDirectory(RepositoryPaths.Firmware("hid")));
    }

    [Theory]
    [InlineData("mouse.hid", "26 ff 7f     #     Logical Maximum (32767)", "26 ff 3f", "ranges")]                   // X/Y range narrowed
    [InlineData("mouse.hid", "09 30        #     Usage (X)\n09 31        #     Usage (Y)", "09 31\n09 30", "0x01:0x30 is at bits 24")] // X and Y swapped
    [InlineData("mouse.hid", "81 06        #     Input (Data, Variable, Relative)    bytes 1-4: X, Y", "81 02", "absolute")]
    [InlineData("mouse.hid", "29 08", "29 05", "no variable field carries 0x09:0x06")]                                 // 5 buttons declared
    [InlineData("keyboard.hid", "95 06        #   Report Count (6)", "95 05", "bytes")]                                   // 5 key slots
    [InlineData("keyboard.hid", "29 dd", "29 65", "do not cover")]                                                       // usages end at 0x65
    [InlineData("keyboard.hid", "19 01        #   Usage Minimum (0x01 Num Lock)", "19 02", "no variable field carries 0x08:0x01")]
    [InlineData("absolute-pointer.hid", "81 02        #     Input (Data, Variable, Absolute)    bytes 1-4: X, Y", "81 06", "relative, expected absolute")]
    [InlineData("absolute-pointer.hid", "26 ff 7f     #     Logical Maximum (32767)", "27 ff ff 00 00", "the host would scale it")]   // 0..65535
    [InlineData("absolute-pointer.hid", "09 30        #     Usage (X)\n09 31        #     Usage (Y)", "09 31\n09 30", "0x01:0x30 is at bits 24")]
    [InlineData("consumer.hid", "26 ff 03", "26 ff 00", "array values range")]
    [InlineData("consumer.hid", "05 0c        # Usage Page (Consumer)", "85 01 05 0c", "report IDs")]
    public void A_descriptor_that_disagrees_with_its_writer_is_named(string file, string from, string to, string expected)
    {
        Replace(file, from, to);
        IReadOnlyList<string> problems = GadgetDescriptorCheck.CheckDirectory(_copy.FullName);
        Assert.Contains(problems, problem => problem.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_file_names_the_file()
    {
        Replace("consumer.hid", "c0           # End Collection", "");
        HidDescriptorFormatException error = Assert.Throws<HidDescriptorFormatException>(() => GadgetDescriptorCheck.CheckDirectory(_copy.FullName));
        Assert.Contains("consumer.hid", error.Message, StringComparison.Ordinal);
        Assert.Contains("left open", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_an_io_error()
    {
        File.Delete(Path.Combine(_copy.FullName, "mouse.hid"));
        Assert.ThrowsAny<IOException>(() => GadgetDescriptorCheck.CheckDirectory(_copy.FullName));
    }
}
