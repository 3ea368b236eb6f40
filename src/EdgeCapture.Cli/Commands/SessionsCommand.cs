using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Index;
using Spectre.Console;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture sessions list</c>: the recording sessions in the collector's store, with their segments, bytes, time
/// range, whether they ended, and the chain's gaps (indexes neither stored nor retracted); a table, or <c>--json</c>.
/// </summary>
internal static class SessionsCommand
{
    public static Command Create()
    {
        var sessions = new Command("sessions", "Recording sessions stored by the collector.");
        sessions.Subcommands.Add(CreateList());
        return sessions;
    }

    private static Command CreateList()
    {
        var store = CollectorCommand.StoreOption();
        var device = new Option<string?>("--device") { Description = "Only this device's sessions." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command("list", "List sessions: device, segments, bytes, time range, end, gaps.");
        command.Options.Add(store);
        command.Options.Add(device);
        command.Options.Add(json);
        command.SetAction(parseResult =>
        {
            string directory = Path.GetFullPath(parseResult.GetValue(store)!);
            if (!File.Exists(Path.Combine(directory, "index.db")))
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"sessions list: no collector store at {directory}.");
                return ExitCodes.Usage;
            }

            using CollectorStore collectorStore = CollectorStore.Open(new CollectorOptions { StoreDirectory = directory });
            IReadOnlyList<SessionSummary> list = collectorStore.Index.ListSessions(parseResult.GetValue(device));
            TextWriter output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(list.Select(session => new
                {
                    session.SessionId,
                    session.DeviceId,
                    session.FirstIndex,
                    session.LastIndex,
                    session.Segments,
                    session.Bytes,
                    session.MissingIndexes,
                    session.Ended,
                    session.WallClockStartUtc,
                    session.WallClockEndUtc,
                }), CliJson.Options));
                return 0;
            }

            var table = new Table().AddColumns("Session", "Device", "Segments", "Bytes", "Start (UTC)", "End (UTC)", "Ended", "Gaps");
            foreach (SessionSummary session in list)
            {
                table.AddRow(session.SessionId.ToString("D"), Markup.Escape(session.DeviceId),
                    string.Create(CultureInfo.InvariantCulture, $"{session.Segments} ({session.FirstIndex}..{session.LastIndex})"),
                    session.Bytes.ToString("N0", CultureInfo.InvariantCulture),
                    session.WallClockStartUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    session.WallClockEndUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    session.Ended ? "yes" : "open",
                    session.MissingIndexes.Count == 0 ? "none" : "[yellow]" + string.Join(',', session.MissingIndexes.Take(10)) + (session.MissingIndexes.Count > 10 ? ",…" : string.Empty) + "[/]");
            }

            CliTables.Console(output).Write(table);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{list.Count} sessions, {list.Sum(session => session.Segments)} segments, {list.Sum(session => session.Bytes):N0} bytes"));
            return 0;
        });
        return command;
    }
}
