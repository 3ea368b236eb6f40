using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Fleet.View;
using EdgeCapture.Protocol.Fleet;
using Spectre.Console;

namespace EdgeCapture.Cli.Commands;

/// <summary><c>edgecapture fleet audit</c>: the boxes' published audit from the collector's fleet view, with the hash chain checked.</summary>
internal static class FleetAuditCommand
{
    public static Command Create()
    {
        var device = new Option<string?>("--device") { Description = "Only this device." };
        var limit = new Option<int>("--limit") { Description = "The latest this many entries.", DefaultValueFactory = _ => 200 };
        var view = new Option<string>("--view") { Description = "The collector's fleet view file (fleet-view.db).", Required = true };
        var command = new Command("audit", "The audit the boxes published: every command, configuration change and outcome, with the hash chain checked.") { view, device, limit, FleetCliCommands.Json };
        command.SetAction(parseResult =>
        {
            try
            {
                using FleetViewStore store = FleetViewStore.Open(parseResult.GetValue(view)!, readOnly: true);
                IReadOnlyList<(FleetAuditEntry Entry, bool ChainOk)> entries = store.Audit(parseResult.GetValue(device), parseResult.GetValue(limit));
                if (parseResult.GetValue(FleetCliCommands.Json))
                {
                    parseResult.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(entries.Select(e => new { e.Entry, chainOk = e.ChainOk }), FleetCliCommands.Indented));
                    return ExitCodes.Success;
                }

                var table = new Table().AddColumns("Device", "#", "At", "Kind", "Subject", "Role", "Outcome", "Reason", "Chain");
                foreach ((FleetAuditEntry entry, bool chainOk) in entries)
                {
                    table.AddRow(Markup.Escape(entry.Device), entry.Sequence.ToString(CultureInfo.InvariantCulture), entry.At.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(entry.Kind), Markup.Escape(entry.Subject), Markup.Escape(entry.Role ?? "-"), Markup.Escape(entry.Outcome), Markup.Escape(entry.Reason ?? "-"), chainOk ? "[green]ok[/]" : "[red]BROKEN[/]");
                }

                FleetCliCommands.Console(parseResult).Write(table);
                return entries.All(e => e.ChainOk) ? ExitCodes.Success : ExitCodes.Failed;
            }
            catch (Microsoft.Data.Sqlite.SqliteException exception)
            {
                return CliErrors.Report(parseResult.InvocationConfiguration.Error, "fleet audit", exception.Message, ExitCodes.Failed);
            }
        });
        return command;
    }
}
