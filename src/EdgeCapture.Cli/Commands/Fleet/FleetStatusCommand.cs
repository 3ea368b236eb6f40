using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Fleet.View;
using Spectre.Console;

namespace EdgeCapture.Cli.Commands;

/// <summary><c>edgecapture fleet status DEVICE</c>: one device's birth, latest status and reported configuration.</summary>
internal static class FleetStatusCommand
{
    public static Command Create()
    {
        var device = new Argument<string>("device") { Description = "The device id." };
        var command = new Command("status", "One device's birth, latest status and reported configuration.") { device, FleetCliCommands.ViewFile, FleetCliCommands.Json };
        FleetCliCommands.AddBrokerOptions(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            (FleetView? view, int code) = await FleetCliCommands.LoadViewAsync(parseResult, cancellationToken).ConfigureAwait(false);
            if (view is null)
            {
                return code;
            }

            string id = parseResult.GetValue(device)!;
            if (view.Device(id) is not { } record)
            {
                return CliErrors.Report(parseResult.InvocationConfiguration.Error, "fleet status", $"no device '{id}' is known", ExitCodes.Failed);
            }

            if (parseResult.GetValue(FleetCliCommands.Json))
            {
                parseResult.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new { record.DeviceId, online = record.IsOnline, record.Birth, record.Death, record.Status, record.Reported }, FleetCliCommands.Indented));
                return ExitCodes.Success;
            }

            FleetCliCommands.Console(parseResult).Write(Table(record));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Table Table(FleetDeviceRecord record)
    {
        var table = new Table().AddColumns("Field", "Value");
        table.AddRow("Device", Markup.Escape(record.DeviceId));
        table.AddRow("Online", record.IsOnline ? "[green]yes[/]" : "[red]no[/]");
        if (record.Birth is { } birth)
        {
            table.AddRow("bdSeq", birth.BdSeq.ToString(CultureInfo.InvariantCulture));
            table.AddRow("Versions", Markup.Escape($"{birth.Versions.App} / {birth.Versions.Firmware} / {birth.Versions.Board}"));
            table.AddRow("Capture path", Markup.Escape(birth.CapturePath));
            table.AddRow("Device key", Markup.Escape(birth.Keys.Device));
            table.AddRow("Recipients", Markup.Escape(string.Join(", ", birth.Keys.Recipients)));
            table.AddRow("Trusted signers", Markup.Escape(string.Join(", ", birth.Keys.TrustedSigners.Select(s => s.Role + " " + s.Fingerprint))));
            table.AddRow("Pinout", Markup.Escape(birth.PinoutHash));
            table.AddRow("Groups", Markup.Escape(string.Join(", ", birth.Groups)));
        }

        if (record.Status is { } status)
        {
            table.AddRow("Privacy", Markup.Escape(status.Privacy));
            table.AddRow("Indicator", status.IndicatorLit ? "lit" : "dark");
            table.AddRow("Remote stop", status.RemoteStop ? "yes" : "no");
            table.AddRow("Relay", string.Create(CultureInfo.InvariantCulture, $"{status.Relay.Relayed} relayed, {status.Relay.DroppedForRecording} dropped for recording, {status.Relay.HostAway} host away"));
            table.AddRow("Capture", Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"signal {(status.Capture.Signal ? "yes" : "no")}, {status.Capture.Mode}, {status.Capture.FramesKeptPerSecond:0.0} kept/s")));
            table.AddRow("Outbox", string.Create(CultureInfo.InvariantCulture, $"{status.Outbox.Segments} segments, {status.Outbox.Bytes} bytes"));
            table.AddRow("Disk free", string.Create(CultureInfo.InvariantCulture, $"{status.DiskFreeBytes / (1024 * 1024)} MiB"));
            table.AddRow("Uptime", string.Create(CultureInfo.InvariantCulture, $"{status.UptimeSeconds:0} s"));
            table.AddRow("Last error", Markup.Escape(status.LastError ?? "-"));
        }

        if (record.Reported is { } reported)
        {
            table.AddRow("Config versions", Markup.Escape($"device {reported.DeviceVersion}; " + string.Join(", ", reported.GroupVersions.Select(g => $"group {g.Key} {g.Value}"))));
            table.AddRow("Settings in force now", Markup.Escape(reported.AppliedLive.Count == 0 ? "-" : string.Join(", ", reported.AppliedLive)));
            table.AddRow("Settings from the next start", Markup.Escape(reported.PendingRestart.Count == 0 ? "-" : string.Join(", ", reported.PendingRestart)));
            table.AddRow("Lock-screen suppression", Markup.Escape(reported.Safety.LockScreenSuppression + (reported.Safety.WeakenedFromDefaults.Count == 0 ? string.Empty : ": " + string.Join("; ", reported.Safety.WeakenedFromDefaults))));
            table.AddRow("Refused settings", Markup.Escape(reported.Rejected.Count == 0 ? "-" : string.Join("; ", reported.Rejected.Select(r => $"{r.Key}: {r.Reason}"))));
        }

        return table;
    }
}
