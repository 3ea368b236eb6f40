namespace EdgeCapture.Architecture.Tests;

/// <summary>The fixed top level, and the rule that every src project has its test project.</summary>
public sealed class RepositoryLayoutTests
{
    [Theory]
    [InlineData("src")]
    [InlineData("firmware")]
    [InlineData("hardware")]
    [InlineData("tests")]
    public void Top_level_folder_exists(string folder)
    {
        Assert.True(Directory.Exists(Path.Combine(ProjectGraph.RepositoryRoot, folder)), folder + " is missing");
    }

    [Fact]
    public void Every_source_project_has_a_test_project_in_the_solution()
    {
        string solution = File.ReadAllText(Path.Combine(ProjectGraph.RepositoryRoot, "EdgeCapture.sln"));
        foreach (string project in ProjectGraph.Load().Projects)
        {
            Assert.Contains(project + ".csproj", solution, StringComparison.Ordinal);
            Assert.True(
                Directory.Exists(Path.Combine(ProjectGraph.RepositoryRoot, "tests", project + ".Tests")),
                project + " has no test project");
        }
    }

    [Fact]
    public void The_solution_is_in_the_classic_format()
    {
        Assert.Empty(Directory.EnumerateFiles(ProjectGraph.RepositoryRoot, "*.slnx"));
        string firstLines = string.Join('\n', File.ReadLines(Path.Combine(ProjectGraph.RepositoryRoot, "EdgeCapture.sln")).Take(3));
        Assert.Contains("Microsoft Visual Studio Solution File", firstLines, StringComparison.Ordinal);
    }

    [Fact]
    public void The_test_target_fails_a_hung_test_instead_of_hanging()
    {
        string script = File.ReadAllText(Path.Combine(ProjectGraph.RepositoryRoot, "build.cake"));
        string testTask = script[script.IndexOf("Task(\"Test\")", StringComparison.Ordinal)..script.IndexOf("Task(\"Bench\")", StringComparison.Ordinal)];

        Assert.Contains("--blame-hang-timeout", testTask, StringComparison.Ordinal);
        Assert.Contains("Argument(\"test-hang-timeout\", \"5m\")", script, StringComparison.Ordinal);
    }
}
