using System.Text.RegularExpressions;

namespace EdgeCapture.Architecture.Tests;

/// <summary>One Linux layer: libc, the monotonic clock and the boot id live in EdgeCapture.Linux, which depends on nothing of ours.</summary>
public sealed partial class LinuxLayerTests
{
    private const string LinuxProject = "EdgeCapture.Linux";

    // V4L2's own libc calls (mmap and its ioctls) have not moved yet; every other libc import must be in the Linux layer.
    private static readonly string[] PendingLibcImports = ["src/EdgeCapture.Video/Interop/"];

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
        string[] offenders = SourceFiles()
            .Where(file => !file.Relative.StartsWith("src/" + LinuxProject + "/", StringComparison.Ordinal))
            .Where(file => !PendingLibcImports.Any(pending => file.Relative.StartsWith(pending, StringComparison.Ordinal)))
            .Where(file => LibcImport().IsMatch(file.Text))
            .Select(file => file.Relative)
            .ToArray();

        Assert.Empty(offenders);
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

    [GeneratedRegex(@"\b(class|struct|record)\s+(MonotonicClock|MonotonicTime)\b")]
    private static partial Regex ClockDeclaration();

    [GeneratedRegex(@"using\s+\w+\s*=\s*[\w.]*Monotonic(Clock|Time)\s*;")]
    private static partial Regex ClockAlias();
}
