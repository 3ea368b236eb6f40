using System.CommandLine;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Operators;
using EdgeCapture.Fleet.View;
using EdgeCapture.Protocol.Fleet;
using Spectre.Console;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture fleet ...</c>: the operator's view of and control over the fleet, through the broker (retained births,
/// statuses and reported configurations; signed commands with correlated responses) or the collector's fleet view file
/// (<c>--view</c>, also the only source of the audit). Tables for people, <c>--json</c> for scripts. Each subcommand is its
/// own file (Fleet*Command.cs); this one holds what they share.
/// </summary>
internal static class FleetCliCommands
{
    public static readonly JsonSerializerOptions Indented = new(FleetJsonMessages.Options) { WriteIndented = true };

    public static readonly Option<string?> ViewFile = new("--view") { Description = "Read the collector's fleet view file (fleet-view.db) instead of the broker." };
    public static readonly Option<bool> Json = new("--json") { Description = "Machine-readable JSON instead of tables." };
    public static readonly Option<double> Settle = new("--settle") { Description = "Seconds to collect retained messages from the broker.", DefaultValueFactory = _ => 1.0 };

    public static Command Create()
    {
        var fleet = new Command("fleet", "See and manage the fleet: devices, status, desired configuration, signed commands, audit.");
        fleet.Subcommands.Add(FleetDevicesCommand.Create());
        fleet.Subcommands.Add(FleetStatusCommand.Create());
        fleet.Subcommands.Add(FleetConfigCommand.Create());
        fleet.Subcommands.Add(FleetCommandCommand.Create());
        fleet.Subcommands.Add(FleetAuditCommand.Create());
        return fleet;
    }

    /// <summary>Adds the broker connection options and <c>--settle</c> to a subcommand that talks to the broker.</summary>
    public static void AddBrokerOptions(Command command)
    {
        foreach (Option option in FleetBrokerConnection.All)
        {
            command.Options.Add(option);
        }

        command.Options.Add(Settle);
    }

    public static IAnsiConsole Console(ParseResult parseResult) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parseResult.InvocationConfiguration.Output) });

    /// <summary>The fleet from the view file (<c>--view</c>) or from the broker's retained messages; null with the exit code on failure.</summary>
    public static async Task<(FleetView? View, int ExitCode)> LoadViewAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(ViewFile) is { } path)
        {
            try
            {
                using FleetViewStore store = FleetViewStore.Open(path, readOnly: true);
                var view = new FleetView(TimeProvider.System);
                store.LoadInto(view);
                return (view, ExitCodes.Success);
            }
            catch (Microsoft.Data.Sqlite.SqliteException exception)
            {
                return (null, CliErrors.Report(parseResult.InvocationConfiguration.Error, "fleet", $"cannot read the fleet view '{path}': {exception.Message}", ExitCodes.Failed));
            }
        }

        (FleetOperatorSession? session, int code) = await ConnectAsync(parseResult, "fleet", cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            return (null, code);
        }

        await using (session.ConfigureAwait(false))
        {
            return (session.View, ExitCodes.Success);
        }
    }

    /// <summary>Connects (see <see cref="FleetBrokerConnection"/>) and waits <c>--settle</c> seconds for the retained messages.</summary>
    public static async Task<(FleetOperatorSession? Session, int ExitCode)> ConnectAsync(ParseResult parseResult, string what, CancellationToken cancellationToken)
    {
        (FleetOperatorSession? session, int code) = await FleetBrokerConnection.ConnectAsync(parseResult, what, followDesired: true, cancellationToken).ConfigureAwait(false);
        if (session is not null)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(parseResult.GetValue(Settle), 0, 60)), cancellationToken).ConfigureAwait(false);
        }

        return (session, code);
    }

    public static bool TryTarget(ParseResult parseResult, string text, string what, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FleetTarget? target)
    {
        try
        {
            target = FleetTarget.Parse(text);
            return true;
        }
        catch (ArgumentException exception)
        {
            CliErrors.Report(parseResult.InvocationConfiguration.Error, what, exception.Message, ExitCodes.Usage);
            target = null;
            return false;
        }
    }

    public static bool TryLoadKey(string path, PersonalSigningKeyKind kind, TextWriter stderr, string what, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PersonalSigningKey? key)
    {
        try
        {
            key = PersonalSigningKey.Load(path, kind);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or DeviceKeyFormatException)
        {
            CliErrors.Report(stderr, what, $"cannot use the signing key '{path}': {exception.Message}", ExitCodes.Failed);
            key = null;
            return false;
        }
    }
}
