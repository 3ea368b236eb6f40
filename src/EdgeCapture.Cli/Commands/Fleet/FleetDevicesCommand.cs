using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Fleet.View;
using Spectre.Console;

namespace EdgeCapture.Cli.Commands;

/// <summary><c>edgecapture fleet devices</c>: every device, online, privacy state, backlog, versions, last seen.</summary>
internal static class FleetDevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "Every device: online, privacy state, backlog, versions, last seen.") { FleetCliCommands.ViewFile, FleetCliCommands.Json };
        FleetCliCommands.AddBrokerOptions(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            (FleetView? view, int code) = await FleetCliCommands.LoadViewAsync(parseResult, cancellationToken).ConfigureAwait(false);
            if (view is null)
            {
                return code;
            }

            IReadOnlyList<FleetDeviceRecord> devices = view.Devices();
            TextWriter output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(FleetCliCommands.Json))
            {
                output.WriteLine(JsonSerializer.Serialize(devices.Select(d => new { d.DeviceId, online = d.IsOnline, d.Birth, d.Status, lastSeen = d.LastSeen }), FleetCliCommands.Indented));
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("Device", "Online", "Privacy", "Backlog", "App", "Firmware", "Board", "Last seen");
            foreach (FleetDeviceRecord device in devices)
            {
                table.AddRow(
                    Markup.Escape(device.DeviceId),
                    device.IsOnline ? "[green]online[/]" : "[red]offline[/]",
                    Markup.Escape(device.Status?.Privacy ?? device.Birth?.Privacy ?? "?"),
                    device.Status is { } status ? string.Create(CultureInfo.InvariantCulture, $"{status.Outbox.Segments} seg / {status.Outbox.Bytes / 1024} KiB") : "?",
                    Markup.Escape(device.Birth?.Versions.App ?? "?"),
                    Markup.Escape(device.Birth?.Versions.Firmware ?? "?"),
                    Markup.Escape(device.Birth?.Versions.Board ?? "?"),
                    device.LastSeen.ToString("u", CultureInfo.InvariantCulture));
            }

            FleetCliCommands.Console(parseResult).Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
