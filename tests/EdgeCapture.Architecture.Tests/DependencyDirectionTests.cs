using System.Reflection;

namespace EdgeCapture.Architecture.Tests;

/// <summary>
/// Nothing remote types, by construction: only the composition roots may reach the HID gadget writer (EdgeCapture.Relay).
/// Everything that handles recordings, keys, storage, networking or configuration cannot even name it.
/// </summary>
public sealed class DependencyDirectionTests
{
    private const string GadgetWriterProject = "EdgeCapture.Relay";

    /// <summary>The programs that start the relay from physical input devices; nothing else may reference it.</summary>
    private static readonly string[] CompositionRoots = ["EdgeCapture.Cli", "EdgeCapture.Appliance"];

    private readonly ProjectGraph _graph = ProjectGraph.Load();

    [Fact]
    public void Only_composition_roots_reach_the_gadget_writer()
    {
        string[] offenders = _graph.Projects
            .Where(project => project != GadgetWriterProject && !CompositionRoots.Contains(project))
            .Where(project => _graph.TransitiveReferences(project).Contains(GadgetWriterProject))
            .ToArray();

        Assert.Empty(offenders);
    }

    [Theory]
    [InlineData("EdgeCapture.Recording")]
    [InlineData("EdgeCapture.Storage")]
    [InlineData("EdgeCapture.Crypto")]
    [InlineData("EdgeCapture.Privacy")]
    [InlineData("EdgeCapture.Video")]
    [InlineData("EdgeCapture.Input")]
    [InlineData("EdgeCapture.Hid")]
    [InlineData("EdgeCapture.Linux")]
    [InlineData("EdgeCapture.Protocol")]
    [InlineData("EdgeCapture.Transport")]
    [InlineData("EdgeCapture.Collector")]
    [InlineData("EdgeCapture.Fleet")]
    [InlineData("EdgeCapture.Dataset")]
    public void Data_path_projects_cannot_name_the_gadget_writer(string project)
    {
        Assert.DoesNotContain(GadgetWriterProject, _graph.TransitiveReferences(project));
    }

    [Fact]
    public void Project_references_have_no_cycles()
    {
        foreach (string project in _graph.Projects)
        {
            Assert.DoesNotContain(project, _graph.TransitiveReferences(project));
        }
    }

    [Theory]
    [InlineData("EdgeCapture.Crypto")]
    [InlineData("EdgeCapture.Storage")]
    [InlineData("EdgeCapture.Hid")]
    [InlineData("EdgeCapture.Input")]
    [InlineData("EdgeCapture.Privacy")]
    [InlineData("EdgeCapture.Linux")]
    [InlineData("EdgeCapture.Protocol")]
    public void Foundation_projects_do_not_reach_upward(string project)
    {
        string[] upward = ["EdgeCapture.Recording", "EdgeCapture.Cli", "EdgeCapture.Appliance", "EdgeCapture.Transport", "EdgeCapture.Collector", "EdgeCapture.Fleet", "EdgeCapture.Dataset"];
        Assert.Empty(_graph.TransitiveReferences(project).Intersect(upward));
    }

    [Fact]
    public void Compiled_assemblies_agree_with_the_project_files()
    {
        // The compiled references are what actually loads at run time; a reflection-only path would show here.
        string outputDirectory = AppContext.BaseDirectory;
        foreach (string assemblyPath in Directory.EnumerateFiles(outputDirectory, "EdgeCapture.*.dll"))
        {
            string name = Path.GetFileNameWithoutExtension(assemblyPath);
            if (name.EndsWith(".Tests", StringComparison.Ordinal) || name == GadgetWriterProject || CompositionRoots.Contains(name))
            {
                continue;
            }

            AssemblyName[] references = Assembly.LoadFrom(assemblyPath).GetReferencedAssemblies();
            Assert.DoesNotContain(references, reference => reference.Name == GadgetWriterProject);
        }
    }

    [Fact]
    public void The_gadget_writer_assembly_is_loaded_by_this_test()
    {
        // Guards the test above against vacuous success: the assemblies it inspects must really be in the output.
        string[] present = Directory.EnumerateFiles(AppContext.BaseDirectory, "EdgeCapture.*.dll").Select(Path.GetFileNameWithoutExtension).ToArray()!;
        Assert.Contains(GadgetWriterProject, present);
        Assert.Contains("EdgeCapture.Recording", present);
        Assert.Contains("EdgeCapture.Storage", present);
    }
}
