using System.CommandLine;
using System.Reflection;

namespace EdgeCapture.Cli.Commands;

/// <summary><c>edgecapture version</c>: the build that is running, for support tickets and fleet reports.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version of this build.");
        command.SetAction(parseResult =>
        {
            string version = typeof(VersionCommand).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            parseResult.InvocationConfiguration.Output.WriteLine(version);
            return 0;
        });
        return command;
    }
}
