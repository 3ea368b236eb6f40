using System.Text.RegularExpressions;

namespace EdgeCapture.Architecture.Tests;

/// <summary>One Linux layer: libc, the monotonic clock and the boot id live in EdgeCapture.Linux, which depends on nothing of ours.</summary>
public sealed partial class LinuxLayerTests
{
    private const string LinuxProject = "EdgeCapture.Linux";

    private readonly ProjectGraph _graph = ProjectGraph.Load();

    [Fact]
    public void The_linux_layer_references_no_other_project()
    {
        Assert.Empty(_graph.DirectReferences(LinuxProject));
    }

    [Theory]
    [InlineData("EdgeCapture.Input")]
    [InlineData("EdgeCapture.Relay")]
    [InlineData("EdgeCapture.Storage")]
    [InlineData("EdgeCapture.Privacy")]
    [InlineData("EdgeCapture.Video")]
    public void Every_hardware_facing_project_stands_on_the_linux_layer(string project)
    {
        Assert.Contains(LinuxProject, _graph.DirectReferences(project));
    }

    [Fact]
    public void Libc_is_imported_only_in_the_linux_layer()
    {
        // No exception, tests included: V4L2's ioctl/mmap/munmap/poll/open/close are the Linux layer's too, and the
        // clock test's clock_gettime oracle is an Interop call of its own.
        string[] offenders = SourceFiles(includeTests: true)
            .Where(file => !file.Relative.StartsWith("src/" + LinuxProject + "/", StringComparison.Ordinal))
            .Where(file => file.Relative != "tests/EdgeCapture.Architecture.Tests/LinuxLayerTests.cs")
            .Where(file => LibcImport().IsMatch(file.Text))
            .Select(file => file.Relative)
            .ToArray();

        Assert.Empty(offenders);
    }

    [Fact]
    public void Every_libc_import_of_the_linux_layer_is_one_call_in_a_file_named_for_it()
    {
        // dotnet/iot's layout: Interop/Interop.<call>.cs declares the entry point <call> (an overload may repeat it),
        // and the library is named once, in Interop.Libraries.cs.
        string interop = "src/" + LinuxProject + "/Interop/";
        var files = SourceFiles().Where(file => file.Relative.StartsWith("src/" + LinuxProject + "/", StringComparison.Ordinal)).ToArray();
        var misplaced = new List<string>();
        foreach ((string relative, string text) in files)
        {
            foreach (Match import in ImportEntryPoint().Matches(text))
            {
                string expected = interop + "Interop." + import.Groups["entry"].Value + ".cs";
                if (relative != expected)
                {
                    misplaced.Add($"{import.Groups["entry"].Value} in {relative}");
                }
            }
        }

        Assert.Empty(misplaced);
        Assert.Equal([interop + "Interop.Libraries.cs"], files.Where(file => LibcImport().IsMatch(file.Text)).Select(file => file.Relative).ToArray());
        Assert.Contains(files, file => file.Relative == interop + "Interop.mmap.cs");
        Assert.Contains(files, file => file.Relative == interop + "Interop.munmap.cs");
    }

    [Fact]
    public void Video_declares_no_interop_of_its_own_but_turbojpeg()
    {
        string[] imports = SourceFiles()
            .Where(file => file.Relative.StartsWith("src/EdgeCapture.Video/", StringComparison.Ordinal))
            .Where(file => file.Text.Contains("[LibraryImport(", StringComparison.Ordinal) || file.Text.Contains("[DllImport(", StringComparison.Ordinal))
            .Select(file => file.Relative)
            .ToArray();

        Assert.Equal(["src/EdgeCapture.Video/Encoding/TurboJpeg.cs"], imports);
    }

    [Fact]
    public void There_is_one_monotonic_clock_and_nothing_aliases_it()
    {
        string[] clocks = SourceFiles()
            .Where(file => ClockDeclaration().IsMatch(file.Text))
            .Select(file => file.Relative)
            .ToArray();
        string[] aliases = SourceFiles(includeTests: true)
            .Where(file => ClockAlias().IsMatch(file.Text))
            .Select(file => file.Relative)
            .ToArray();

        Assert.Equal(["src/EdgeCapture.Linux/MonotonicClock.cs"], clocks);
        Assert.Empty(aliases);
    }

    private static IEnumerable<(string Relative, string Text)> SourceFiles(bool includeTests = false)
    {
        IEnumerable<string> roots = includeTests ? ["src", "tests"] : ["src"];
        foreach (string root in roots)
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(ProjectGraph.RepositoryRoot, root), "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(ProjectGraph.RepositoryRoot, file).Replace('\\', '/');
                if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
                {
                    continue;
                }

                yield return (relative, File.ReadAllText(file));
            }
        }
    }

    // The library named anywhere: in an import attribute or in a constant an import uses.
    [GeneratedRegex("""(?<![\w.])"libc(\.so[.0-9]*)?"(?!\w)""")]
    private static partial Regex LibcImport();

    [GeneratedRegex(@"\[(LibraryImport|DllImport)\([^\]]*EntryPoint\s*=\s*""(?<entry>\w+)""")]
    private static partial Regex ImportEntryPoint();

    [GeneratedRegex(@"\b(class|struct|record)\s+(MonotonicClock|MonotonicTime)\b")]
    private static partial Regex ClockDeclaration();

    [GeneratedRegex(@"using\s+\w+\s*=\s*[\w.]*Monotonic(Clock|Time)\s*;")]
    private static partial Regex ClockAlias();
}
