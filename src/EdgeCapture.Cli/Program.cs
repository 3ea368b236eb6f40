using System.CommandLine;
using EdgeCapture.Cli.Commands;

namespace EdgeCapture.Cli;

/// <summary>The <c>edgecapture</c> command: one entry point for the appliance, its keys and its tools.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        RootCommand root = CreateRootCommand();
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
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
