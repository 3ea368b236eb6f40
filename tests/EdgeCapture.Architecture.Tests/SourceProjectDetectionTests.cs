using System.Text.Json;
using EdgeCapture.TestSupport;

namespace EdgeCapture.Architecture.Tests;

/// <summary>
/// "Source project" (XML docs required, CS1591 an error) is decided by a project's position under the repository root.
/// A newcomer's clone at ~/src/edgecapture must still build: its test projects are not source projects.
/// </summary>
public sealed class SourceProjectDetectionTests : IDisposable
{
    // What MSBuild needs to evaluate a source and a test project: the props chain and the two project files.
    private static readonly string[] BuildFiles =
    [
        "Directory.Build.props",
        "Directory.Packages.props",
        "tests/Directory.Build.props",
        "src/EdgeCapture.Linux/EdgeCapture.Linux.csproj",
        "tests/EdgeCapture.Linux.Tests/EdgeCapture.Linux.Tests.csproj",
    ];

    private readonly string _parent = Path.Combine(Path.GetTempPath(), "edgecapture-props-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_clone_under_a_src_folder_still_tells_source_projects_from_test_projects()
    {
        // The clone's own path contains /src/, exactly as ~/src/edgecapture does.
        string clone = Path.Combine(_parent, "src", "edgecapture");
        foreach (string file in BuildFiles)
        {
            string target = Path.Combine(clone, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(ProjectGraph.RepositoryRoot, file), target);
        }

        (string IsSource, string Documentation) source = Evaluate(Path.Combine(clone, "src/EdgeCapture.Linux/EdgeCapture.Linux.csproj"));
        (string IsSource, string Documentation) test = Evaluate(Path.Combine(clone, "tests/EdgeCapture.Linux.Tests/EdgeCapture.Linux.Tests.csproj"));

        Assert.Equal(("true", "true"), source);
        Assert.Equal(string.Empty, test.IsSource);
        Assert.NotEqual("true", test.Documentation);
    }

    public void Dispose()
    {
        if (Directory.Exists(_parent))
        {
            Directory.Delete(_parent, recursive: true);
        }
    }

    private static (string IsSource, string Documentation) Evaluate(string project)
    {
        string dotnet = ExternalTool.Require("dotnet", "the .NET SDK") ?? throw new InvalidOperationException("dotnet is running these tests, so it must be on PATH.");
        (int exitCode, byte[] output, string error) = ExternalTool.Run(
            dotnet,
            ["msbuild", project, "-getProperty:IsSourceProject", "-getProperty:GenerateDocumentationFile", "-nologo"],
            workingDirectory: Path.GetDirectoryName(project));
        string text = System.Text.Encoding.UTF8.GetString(output);
        Assert.True(exitCode == 0, $"dotnet msbuild failed ({exitCode}): {text}\n{error}");
        using JsonDocument json = JsonDocument.Parse(text);
        JsonElement properties = json.RootElement.GetProperty("Properties");
        return (properties.GetProperty("IsSourceProject").GetString() ?? string.Empty, properties.GetProperty("GenerateDocumentationFile").GetString() ?? string.Empty);
    }
}
