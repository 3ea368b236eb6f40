using EdgeCapture.TestSupport;
using Xunit.Sdk;

namespace EdgeCapture.Architecture.Tests;

/// <summary>A test whose real peer is missing fails; only an explicit EDGECAPTURE_ALLOW_MISSING_TOOLS=1 lets it return early.</summary>
public sealed class MissingToolPolicyTests
{
    private const string AbsentTool = "edgecapture-no-such-tool-0e4c";

    [Fact]
    public void A_missing_tool_fails_the_test_by_default()
    {
        FailException failure = Assert.Throws<FailException>(() => ExternalTool.Require(AbsentTool, "nothing", allowMissing: false));

        Assert.Contains(AbsentTool, failure.Message, StringComparison.Ordinal);
        Assert.Contains(ExternalTool.AllowMissingVariable + "=1", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_explicit_opt_out_lets_a_test_return_early()
    {
        Assert.Null(ExternalTool.Require(AbsentTool, "nothing", allowMissing: true));
        Assert.NotNull(ExternalTool.Require("sh", "dash", allowMissing: false));
    }

    [Fact]
    public void No_test_decides_by_the_CI_variable_any_more()
    {
        // CI is set by neither .ci/run nor the Cake target, so a test that only fails "under CI" never fails.
        string[] offenders = Directory.EnumerateFiles(Path.Combine(ProjectGraph.RepositoryRoot, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains("/obj/", StringComparison.Ordinal) && !file.Contains("/bin/", StringComparison.Ordinal))
            .Where(file => File.ReadAllText(file).Contains("GetEnvironmentVariable(\"CI\")", StringComparison.Ordinal))
            .Select(file => Path.GetRelativePath(ProjectGraph.RepositoryRoot, file))
            .ToArray();

        Assert.Empty(offenders);
    }
}
