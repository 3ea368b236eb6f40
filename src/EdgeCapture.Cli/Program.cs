using System.CommandLine;
using EdgeCapture.Cli.Commands;

namespace EdgeCapture.Cli;

/// <summary>The <c>edgecapture</c> command: one entry point for the appliance, its keys and its tools.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => RunAsync(args, new InvocationConfiguration());

    /// <summary>Parses and runs one command line; what <c>Main</c> does, with the console replaceable for tests.</summary>
    internal static async Task<int> RunAsync(string[] args, InvocationConfiguration configuration)
    {
        ParseResult parseResult = CreateRootCommand().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            // System.CommandLine answers parse errors with 1; scripts read 1 as "the operation failed", so usage gets its own code.
            foreach (System.CommandLine.Parsing.ParseError error in parseResult.Errors)
            {
                await configuration.Error.WriteLineAsync("edgecapture: " + error.Message).ConfigureAwait(false);
            }

            await configuration.Error.WriteLineAsync("Run 'edgecapture --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parseResult.InvokeAsync(configuration).ConfigureAwait(false);
    }

    /// <summary>Builds the command tree; each area of the appliance contributes its commands from its own file.</summary>
    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("EdgeCapture: privacy-first capture appliance (relay, recorder, keys).");
        foreach (Command command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}
