using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Index;
using Spectre.Console;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture collector status</c>: totals, one row per device (enrolled or only seen), the newest quarantine
/// entries and the retention audit; a table, or <c>--json</c>. Reads the store; works while the collector runs.
/// </summary>
internal static class CollectorStatusCommand
{
    public static Command Create()
    {
        var store = CollectorCommand.StoreOption();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
        var command = new Command("status", "Devices, sessions, segments, bytes and quarantine of the collector's store.");
        command.Options.Add(store);
        command.Options.Add(json);
        command.SetAction(parseResult =>
        {
            string directory = Path.GetFullPath(parseResult.GetValue(store)!);
            if (!File.Exists(Path.Combine(directory, "index.db")))
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"collector status: no collector store at {directory}.");
                return ExitCodes.Usage;
            }

            using CollectorStore collectorStore = CollectorStore.Open(new CollectorOptions { StoreDirectory = directory });
            CollectorTotals totals = collectorStore.Index.GetTotals();
            IReadOnlyList<DeviceSummary> devices = collectorStore.Index.ListDevices();
            IReadOnlyList<QuarantineEntry> quarantine = collectorStore.Index.ListQuarantine(20);
            TextWriter output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    store = directory,
                    totals = new { totals.Devices, totals.Sessions, totals.Segments, totals.Bytes, totals.Quarantined, totals.Retractions, totals.Deletions },
                    stagedBytes = collectorStore.Staging.StagedBytes,
                    devices = devices.Select(device => new { device.DeviceId, device.Enrolled, device.PublicKey, device.Online, device.LastSeenUtc, device.Sessions, device.Segments, device.Bytes, device.Quarantined }),
                    quarantine = quarantine.Select(entry => new { entry.Id, entry.ReceivedUtc, entry.DeviceId, entry.Topic, Segment = entry.Segment?.ToString(), entry.Reason, entry.Detail, entry.PayloadBytes, entry.Evidence }),
                }, CliJson.Options));
                return 0;
            }

            IAnsiConsole console = CliTables.Console(output);
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Collector store {directory}: {totals.Devices} devices enrolled, {totals.Sessions} sessions, {totals.Segments} segments, {totals.Bytes:N0} bytes; {totals.Quarantined} quarantined, {totals.Retractions} retractions, {totals.Deletions} deletions audited; {collectorStore.Staging.StagedBytes:N0} bytes staged."));
            var table = new Table().AddColumns("Device", "Enrolled", "Online", "Last seen (UTC)", "Sessions", "Segments", "Bytes", "Quarantined");
            foreach (DeviceSummary device in devices)
            {
                table.AddRow(Markup.Escape(device.DeviceId), device.Enrolled ? "yes" : "[red]no[/]", device.Online ? "online" : "-", device.LastSeenUtc?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",
                    Number(device.Sessions), Number(device.Segments), Number(device.Bytes), device.Quarantined > 0 ? $"[yellow]{device.Quarantined}[/]" : "0");
            }

            console.Write(table);
            if (quarantine.Count > 0)
            {
                var entries = new Table().AddColumns("Id", "Received (UTC)", "Device", "Segment", "Reason", "Detail");
                foreach (QuarantineEntry entry in quarantine)
                {
                    entries.AddRow(Number(entry.Id), entry.ReceivedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Markup.Escape(entry.DeviceId),
                        Markup.Escape(entry.Segment?.ToString() ?? "-"), Markup.Escape(entry.Reason), Markup.Escape(entry.Detail.Length > 80 ? entry.Detail[..80] + "…" : entry.Detail));
                }

                console.WriteLine("Newest quarantine entries:");
                console.Write(entries);
            }

            return 0;
        });
        return command;
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>Spectre.Console bound to the command's output writer (so tests and pipes get plain text).</summary>
internal static class CliTables
{
    public static IAnsiConsole Console(TextWriter output) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = output == System.Console.Out && !System.Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = ColorSystemSupport.Detect,
        Interactive = InteractionSupport.No,
    });
}

/// <summary>JSON output of the CLI: camelCase, indented.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };
}
