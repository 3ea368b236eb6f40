namespace EdgeCapture.Linux.Tests;

public sealed class BootIdTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgecapture-bootid-").FullName;

    [Fact]
    public void The_kernel_source_reads_this_boots_id_from_procfs()
    {
        // Every process of one boot sees the same id; a child process reading the file is an independent reader.
        string fromChild = ReadWithCat(BootId.KernelPath);

        BootId current = KernelBootIdSource.System.Current;

        Assert.Equal(fromChild, current.ToString());
        Assert.NotEqual(Guid.Empty, current.Value);
        Assert.Equal(current, new KernelBootIdSource().Current);
    }

    [Fact]
    public void A_test_injects_the_boot_id_through_a_file_or_a_fixed_value()
    {
        string path = Path.Combine(_directory, "boot_id");
        File.WriteAllText(path, "3f2504e0-4f89-11d3-9a0c-0305e82c3301\n");
        var fromFile = new KernelBootIdSource(path);
        var fixedSource = new FixedBootIdSource(BootId.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));

        Assert.Equal(new Guid("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), fromFile.Current.Value);
        Assert.Equal(fromFile.Current, fixedSource.Current);

        // Read once: the id of a running boot cannot change underneath the process.
        File.WriteAllText(path, "00000000-0000-0000-0000-000000000001\n");
        Assert.Equal("3f2504e0-4f89-11d3-9a0c-0305e82c3301", fromFile.Current.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-uuid\n")]
    [InlineData("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}\n")]
    [InlineData("3f2504e04f8911d39a0c0305e82c3301\n")]
    public void A_malformed_or_missing_file_is_a_clear_error(string content)
    {
        string path = Path.Combine(_directory, "boot_id");
        File.WriteAllText(path, content);

        IOException malformed = Assert.Throws<IOException>(() => new KernelBootIdSource(path).Current);
        IOException missing = Assert.Throws<IOException>(() => new KernelBootIdSource(Path.Combine(_directory, "absent")).Current);

        Assert.Contains(path, malformed.Message, StringComparison.Ordinal);
        Assert.Contains("absent", missing.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string ReadWithCat(string path)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("cat", path) { RedirectStandardOutput = true })!;
        string text = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return text;
    }
}
