using System.CommandLine;

namespace EdgeCapture.Cli.Tests;

public sealed class ProgramTests
{
    [Theory]
    [InlineData("no-such-command")]
    [InlineData("encrypt", "--no-such-option")]
    [InlineData("keys", "public")]
    public async Task A_wrong_command_line_exits_with_the_usage_code_and_says_why(params string[] arguments)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = await Program.RunAsync(arguments, new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("edgecapture", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Version_prints_the_build_and_succeeds()
    {
        var output = new StringWriter();

        int exitCode = await Program.RunAsync(["version"], new InvocationConfiguration { Output = output, Error = new StringWriter() });

        Assert.Equal(0, exitCode);
        Assert.False(string.IsNullOrWhiteSpace(output.ToString()));
    }

    [Fact]
    public void Every_command_has_a_description()
    {
        foreach (Command command in Program.CreateRootCommand().Subcommands)
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), command.Name + " has no description");
        }
    }
}
