// Long (about 440 lines): the five `fleet` subcommands share the broker/view options, the signing-key loading and
// the table and JSON output; each subcommand is one method here. Splitting per subcommand is the next step.
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
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
/// (<c>--view</c>, also the only source of the audit). Tables for people, <c>--json</c> for scripts.
/// </summary>
internal static class FleetCliCommands
{
    private static readonly JsonSerializerOptions Indented = new(FleetJsonMessages.Options) { WriteIndented = true };

    private static readonly Option<string> Broker = new("--broker") { Description = "The broker, host:port.", DefaultValueFactory = _ => "127.0.0.1:1883" };
    private static readonly Option<string?> ViewFile = new("--view") { Description = "Read the collector's fleet view file (fleet-view.db) instead of the broker." };
    private static readonly Option<bool> Json = new("--json") { Description = "Machine-readable JSON instead of tables." };
    private static readonly Option<double> Settle = new("--settle") { Description = "Seconds to collect retained messages from the broker.", DefaultValueFactory = _ => 1.0 };

    public static Command Create()
    {
        var fleet = new Command("fleet", "See and manage the fleet: devices, status, desired configuration, signed commands, audit.");
        fleet.Subcommands.Add(CreateDevices());
        fleet.Subcommands.Add(CreateStatus());
        fleet.Subcommands.Add(CreateConfig());
        fleet.Subcommands.Add(CreateCommand());
        fleet.Subcommands.Add(CreateAudit());
        return fleet;
    }

    private static Command CreateDevices()
    {
        var command = new Command("devices", "Every device: online, privacy state, backlog, versions, last seen.") { Broker, ViewFile, Json, Settle };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            FleetView? view = await LoadViewAsync(parseResult, cancellationToken).ConfigureAwait(false);
            if (view is null)
            {
                return ExitCodes.Failed;
            }

            IReadOnlyList<FleetDeviceRecord> devices = view.Devices();
            TextWriter output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(Json))
            {
                output.WriteLine(JsonSerializer.Serialize(devices.Select(d => new { d.DeviceId, online = d.IsOnline, d.Birth, d.Status, lastSeen = d.LastSeen }), Indented));
                return 0;
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

            Console(parseResult).Write(table);
            return 0;
        });
        return command;
    }

    private static Command CreateStatus()
    {
        var device = new Argument<string>("device") { Description = "The device id." };
        var command = new Command("status", "One device's birth, latest status and reported configuration.") { device, Broker, ViewFile, Json, Settle };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            FleetView? view = await LoadViewAsync(parseResult, cancellationToken).ConfigureAwait(false);
            if (view is null)
            {
                return ExitCodes.Failed;
            }

            string id = parseResult.GetValue(device)!;
            if (view.Device(id) is not { } record)
            {
                return CliErrors.Report(parseResult.InvocationConfiguration.Error, "fleet status", $"no device '{id}' is known", ExitCodes.Failed);
            }

            if (parseResult.GetValue(Json))
            {
                parseResult.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new { record.DeviceId, online = record.IsOnline, record.Birth, record.Death, record.Status, record.Reported }, Indented));
                return 0;
            }

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
                table.AddRow("Refused settings", Markup.Escape(reported.Rejected.Count == 0 ? "-" : string.Join("; ", reported.Rejected.Select(r => $"{r.Key}: {r.Reason}"))));
            }

            Console(parseResult).Write(table);
            return 0;
        });
        return command;
    }

    private static Command CreateConfig()
    {
        var config = new Command("config", "Desired configuration of a device or group (group:NAME), device-shadow style.");
        var target = new Argument<string>("target") { Description = "A device id, or group:NAME." };
        var get = new Command("get", "Show the retained desired document and, for a device, what it reported.") { target, Broker, Json, Settle };
        get.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!TryTarget(parseResult, parseResult.GetValue(target)!, "fleet config get", out FleetTarget? fleetTarget) || await ConnectAsync(parseResult, "fleet config get", cancellationToken).ConfigureAwait(false) is not { } session)
            {
                return ExitCodes.Failed;
            }

            await using (session.ConfigureAwait(false))
            {
                FleetDesiredConfiguration? desired = session.Desired(fleetTarget);
                FleetReportedConfiguration? reported = fleetTarget.IsGroup ? null : session.View.Device(fleetTarget.Name)?.Reported;
                using JsonDocument settings = JsonDocument.Parse(desired?.SettingsJson ?? "{}");
                parseResult.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new { target = fleetTarget.ToString(), desiredVersion = desired?.Version ?? 0, desired = settings.RootElement, reported }, Indented));
                return 0;
            }
        });
        var key = new Option<string>("--key", "-k") { Description = "The operator's signing key file.", Required = true };
        var settingsOption = new Option<string>("--settings") { Description = "The settings, a JSON object (e.g. '{\"segmentSeconds\":10}').", Required = true };
        var set = new Command("set", "Sign and publish a new desired version (the next after the retained one; refused by boxes if someone else changed it first).") { target, key, settingsOption, Broker, Settle };
        set.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            if (!TryTarget(parseResult, parseResult.GetValue(target)!, "fleet config set", out FleetTarget? fleetTarget) || !TryLoadKey(parseResult.GetValue(key)!, PersonalSigningKeyKind.Operator, stderr, "fleet config set", out PersonalSigningKey? signingKey))
            {
                return ExitCodes.Failed;
            }

            using (signingKey)
            {
                string settings = parseResult.GetValue(settingsOption)!;
                try
                {
                    using JsonDocument parsed = JsonDocument.Parse(settings);
                    if (parsed.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        return CliErrors.Report(stderr, "fleet config set", "--settings must be a JSON object", ExitCodes.Usage);
                    }
                }
                catch (JsonException exception)
                {
                    return CliErrors.Report(stderr, "fleet config set", "--settings is not JSON: " + exception.Message, ExitCodes.Usage);
                }

                if (await ConnectAsync(parseResult, "fleet config set", cancellationToken).ConfigureAwait(false) is not { } session)
                {
                    return ExitCodes.Failed;
                }

                await using (session.ConfigureAwait(false))
                {
                    long current = session.Desired(fleetTarget)?.Version ?? 0;
                    var document = new FleetDesiredConfiguration { Target = fleetTarget, Version = current + 1, BaseVersion = current, IssuedAt = TimeProvider.System.GetUtcNow(), SettingsJson = settings };
                    if (!await session.PublishDesiredAsync(document, signingKey, cancellationToken).ConfigureAwait(false))
                    {
                        return CliErrors.Report(stderr, "fleet config set", "the broker did not accept the document", ExitCodes.Failed);
                    }

                    parseResult.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fleetTarget}: desired version {document.Version} published (based on {current})"));
                    return 0;
                }
            }
        });
        config.Subcommands.Add(get);
        config.Subcommands.Add(set);
        return config;
    }

    private static Command CreateCommand()
    {
        var target = new Argument<string>("target") { Description = "A device id, or group:NAME." };
        var name = new Argument<string>("name") { Description = "One of: " + string.Join(", ", FleetCommandNames.All) };
        var arguments = new Argument<string?>("arguments") { Description = "The command's arguments as a JSON object (e.g. '{\"minutes\":5}').", Arity = ArgumentArity.ZeroOrOne };
        var key = new Option<string>("--key", "-k") { Description = "The signing key file (operator, or custodian with --custodian).", Required = true };
        var custodian = new Option<bool>("--custodian") { Description = "The key is the custodian's signing key (needed for set-recipients)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for responses.", DefaultValueFactory = _ => 10 };
        var lifetime = new Option<double>("--lifetime") { Description = "Seconds the command stays valid.", DefaultValueFactory = _ => 300 };
        var command = new Command("command", "Sign and send a command, wait for every addressed online box to answer, show the signed responses.") { target, name, arguments, key, custodian, timeout, lifetime, Broker, Json, Settle };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string commandName = parseResult.GetValue(name)!;
            if (!FleetCommandNames.IsKnown(commandName))
            {
                return CliErrors.Report(stderr, "fleet command", $"unknown command '{commandName}' (known: {string.Join(", ", FleetCommandNames.All)})", ExitCodes.Usage);
            }

            if (!TryTarget(parseResult, parseResult.GetValue(target)!, "fleet command", out FleetTarget? fleetTarget))
            {
                return ExitCodes.Usage;
            }

            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            var fleetCommand = new FleetCommand
            {
                Id = "cmd-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
                Name = commandName,
                Target = fleetTarget,
                IssuedAt = now,
                ExpiresAt = now + TimeSpan.FromSeconds(parseResult.GetValue(lifetime)),
                ArgumentsJson = parseResult.GetValue(arguments) ?? "{}",
            };
            try
            {
                FleetCommand.Decode(fleetCommand.Encode());
            }
            catch (Exception exception) when (exception is FleetMessageFormatException or JsonException or ArgumentException)
            {
                return CliErrors.Report(stderr, "fleet command", exception.Message, ExitCodes.Usage);
            }

            PersonalSigningKeyKind kind = parseResult.GetValue(custodian) ? PersonalSigningKeyKind.CustodianSigning : PersonalSigningKeyKind.Operator;
            if (!TryLoadKey(parseResult.GetValue(key)!, kind, stderr, "fleet command", out PersonalSigningKey? signingKey))
            {
                return ExitCodes.Failed;
            }

            using (signingKey)
            {
                if (await ConnectAsync(parseResult, "fleet command", cancellationToken).ConfigureAwait(false) is not { } session)
                {
                    return ExitCodes.Failed;
                }

                await using (session.ConfigureAwait(false))
                {
                    IReadOnlyList<string> expected = fleetTarget.IsGroup ? session.OnlineDevicesOf(fleetTarget) : [fleetTarget.Name];
                    TimeSpan wait = TimeSpan.FromSeconds(parseResult.GetValue(timeout));
                    IReadOnlyList<VerifiedResponse> responses = [];
                    bool json = parseResult.GetValue(Json);
                    if (json)
                    {
                        responses = await session.SendAsync(fleetCommand, signingKey, expected.Count, wait, null, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await Console(parseResult).Progress().StartAsync(async context =>
                        {
                            ProgressTask task = context.AddTask($"{commandName} -> {fleetTarget}", maxValue: Math.Max(1, expected.Count));
                            responses = await session.SendAsync(fleetCommand, signingKey, expected.Count, wait, new Progress<int>(count => task.Value = count), cancellationToken).ConfigureAwait(false);
                            task.Value = task.MaxValue;
                        }).ConfigureAwait(false);
                    }

                    string[] missing = [.. expected.Except(responses.Select(r => r.Response.Device), StringComparer.Ordinal)];
                    if (json)
                    {
                        parseResult.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new { command = fleetCommand.Id, responses = responses.Select(r => new { r.Response, verified = r.SignatureVerified, latencyMilliseconds = r.Latency.TotalMilliseconds }), missing }, Indented));
                    }
                    else
                    {
                        var table = new Table().AddColumns("Device", "Outcome", "Reason", "Detail", "Signed", "ms");
                        foreach (VerifiedResponse response in responses.OrderBy(r => r.Response.Device, StringComparer.Ordinal))
                        {
                            table.AddRow(Markup.Escape(response.Response.Device), Markup.Escape(response.Response.Outcome), Markup.Escape(response.Response.Reason ?? "-"), Markup.Escape(response.Response.Detail ?? string.Empty), response.SignatureVerified ? "[green]verified[/]" : "[red]NOT VERIFIED[/]", response.Latency.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture));
                        }

                        foreach (string device in missing)
                        {
                            table.AddRow(Markup.Escape(device), "[red]no response[/]", "-", "-", "-", "-");
                        }

                        Console(parseResult).Write(table);
                    }

                    bool allDone = missing.Length == 0 && responses.Count > 0 && responses.All(r => r.SignatureVerified && r.Response.Outcome == FleetOutcomes.Done);
                    return allDone ? 0 : ExitCodes.Failed;
                }
            }
        });
        return command;
    }

    private static Command CreateAudit()
    {
        var device = new Option<string?>("--device") { Description = "Only this device." };
        var limit = new Option<int>("--limit") { Description = "The latest this many entries.", DefaultValueFactory = _ => 200 };
        var view = new Option<string>("--view") { Description = "The collector's fleet view file (fleet-view.db).", Required = true };
        var command = new Command("audit", "The audit the boxes published: every command, configuration change and outcome, with the hash chain checked.") { view, device, limit, Json };
        command.SetAction(parseResult =>
        {
            try
            {
                using FleetViewStore store = FleetViewStore.Open(parseResult.GetValue(view)!, readOnly: true);
                IReadOnlyList<(FleetAuditEntry Entry, bool ChainOk)> entries = store.Audit(parseResult.GetValue(device), parseResult.GetValue(limit));
                if (parseResult.GetValue(Json))
                {
                    parseResult.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(entries.Select(e => new { e.Entry, chainOk = e.ChainOk }), Indented));
                    return 0;
                }

                var table = new Table().AddColumns("Device", "#", "At", "Kind", "Subject", "Role", "Outcome", "Reason", "Chain");
                foreach ((FleetAuditEntry entry, bool chainOk) in entries)
                {
                    table.AddRow(Markup.Escape(entry.Device), entry.Sequence.ToString(CultureInfo.InvariantCulture), entry.At.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(entry.Kind), Markup.Escape(entry.Subject), Markup.Escape(entry.Role ?? "-"), Markup.Escape(entry.Outcome), Markup.Escape(entry.Reason ?? "-"), chainOk ? "[green]ok[/]" : "[red]BROKEN[/]");
                }

                Console(parseResult).Write(table);
                return entries.All(e => e.ChainOk) ? 0 : ExitCodes.Failed;
            }
            catch (Microsoft.Data.Sqlite.SqliteException exception)
            {
                return CliErrors.Report(parseResult.InvocationConfiguration.Error, "fleet audit", exception.Message, ExitCodes.Failed);
            }
        });
        return command;
    }

    private static IAnsiConsole Console(ParseResult parseResult) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parseResult.InvocationConfiguration.Output) });

    private static async Task<FleetView?> LoadViewAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(ViewFile) is { } path)
        {
            try
            {
                using FleetViewStore store = FleetViewStore.Open(path, readOnly: true);
                var view = new FleetView(TimeProvider.System);
                store.LoadInto(view);
                return view;
            }
            catch (Microsoft.Data.Sqlite.SqliteException exception)
            {
                CliErrors.Report(parseResult.InvocationConfiguration.Error, "fleet", $"cannot read the fleet view '{path}': {exception.Message}", ExitCodes.Failed);
                return null;
            }
        }

        if (await ConnectAsync(parseResult, "fleet", cancellationToken).ConfigureAwait(false) is not { } session)
        {
            return null;
        }

        await using (session.ConfigureAwait(false))
        {
            return session.View;
        }
    }

    private static async Task<FleetOperatorSession?> ConnectAsync(ParseResult parseResult, string what, CancellationToken cancellationToken)
    {
        string broker = parseResult.GetValue(Broker)!;
        int colon = broker.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(broker[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is 0 or > 65535)
        {
            CliErrors.Report(parseResult.InvocationConfiguration.Error, what, $"--broker must be host:port, not '{broker}'", ExitCodes.Failed);
            return null;
        }

        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(TimeSpan.FromSeconds(10));
            FleetOperatorSession session = await FleetOperatorSession.ConnectAsync(broker[..colon], port, TimeProvider.System, null, followDesired: true, connectTimeout.Token).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(parseResult.GetValue(Settle), 0, 60)), cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            CliErrors.Report(parseResult.InvocationConfiguration.Error, what, $"cannot connect to the broker at {broker}", ExitCodes.Failed);
            return null;
        }
    }

    private static bool TryTarget(ParseResult parseResult, string text, string what, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FleetTarget? target)
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

    private static bool TryLoadKey(string path, PersonalSigningKeyKind kind, TextWriter stderr, string what, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PersonalSigningKey? key)
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
