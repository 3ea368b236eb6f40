using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Operators;
using EdgeCapture.Protocol.Fleet;
using Spectre.Console;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture fleet command TARGET NAME [ARGS]</c>: signs a command with the operator's (or custodian's) key, sends it to
/// a device or a group, waits for every addressed online box and shows each signed response, verified against that box's key.
/// </summary>
internal static class FleetCommandCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("target") { Description = "A device id, or group:NAME." };
        var name = new Argument<string>("name") { Description = "One of: " + string.Join(", ", FleetCommandNames.All) };
        var arguments = new Argument<string?>("arguments") { Description = "The command's arguments as a JSON object (e.g. '{\"minutes\":5}').", Arity = ArgumentArity.ZeroOrOne };
        var key = new Option<string>("--key", "-k") { Description = "The signing key file (operator, or custodian with --custodian).", Required = true };
        var custodian = new Option<bool>("--custodian") { Description = "The key is the custodian's signing key (needed for set-recipients)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for responses.", DefaultValueFactory = _ => 10 };
        var lifetime = new Option<double>("--lifetime") { Description = "Seconds the command stays valid.", DefaultValueFactory = _ => 300 };
        var command = new Command("command", "Sign and send a command, wait for every addressed online box to answer, show the signed responses.") { target, name, arguments, key, custodian, timeout, lifetime, FleetCliCommands.Json };
        FleetCliCommands.AddBrokerOptions(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string commandName = parseResult.GetValue(name)!;
            if (!FleetCommandNames.IsKnown(commandName))
            {
                return CliErrors.Report(stderr, "fleet command", $"unknown command '{commandName}' (known: {string.Join(", ", FleetCommandNames.All)})", ExitCodes.Usage);
            }

            if (!FleetCliCommands.TryTarget(parseResult, parseResult.GetValue(target)!, "fleet command", out FleetTarget? fleetTarget))
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
            if (!FleetCliCommands.TryLoadKey(parseResult.GetValue(key)!, kind, stderr, "fleet command", out PersonalSigningKey? signingKey))
            {
                return ExitCodes.Failed;
            }

            using (signingKey)
            {
                (FleetOperatorSession? session, int code) = await FleetCliCommands.ConnectAsync(parseResult, "fleet command", cancellationToken).ConfigureAwait(false);
                if (session is null)
                {
                    return code;
                }

                await using (session.ConfigureAwait(false))
                {
                    try
                    {
                        return await SendAndShowAsync(parseResult, session, fleetCommand, signingKey, TimeSpan.FromSeconds(parseResult.GetValue(timeout)), cancellationToken).ConfigureAwait(false);
                    }
                    catch (FleetBrokerException exception)
                    {
                        return CliErrors.Report(stderr, "fleet command", exception.Message, ExitCodes.Failed);
                    }
                }
            }
        });
        return command;
    }

    private static async Task<int> SendAndShowAsync(ParseResult parseResult, FleetOperatorSession session, FleetCommand fleetCommand, PersonalSigningKey signingKey, TimeSpan wait, CancellationToken cancellationToken)
    {
        FleetTarget fleetTarget = fleetCommand.Target;
        IReadOnlyList<string> expected = fleetTarget.IsGroup ? session.OnlineDevicesOf(fleetTarget) : [fleetTarget.Name];
        IReadOnlyList<VerifiedResponse> responses = [];
        bool json = parseResult.GetValue(FleetCliCommands.Json);
        if (json)
        {
            responses = await session.SendAsync(fleetCommand, signingKey, expected.Count, wait, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await FleetCliCommands.Console(parseResult).Progress().StartAsync(async context =>
            {
                ProgressTask task = context.AddTask($"{fleetCommand.Name} -> {fleetTarget}", maxValue: Math.Max(1, expected.Count));
                responses = await session.SendAsync(fleetCommand, signingKey, expected.Count, wait, new Progress<int>(count => task.Value = count), cancellationToken).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        }

        string[] missing = [.. expected.Except(responses.Select(r => r.Response.Device), StringComparer.Ordinal)];
        if (json)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new { command = fleetCommand.Id, responses = responses.Select(r => new { r.Response, verified = r.SignatureVerified, latencyMilliseconds = r.Latency.TotalMilliseconds }), missing }, FleetCliCommands.Indented));
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

            FleetCliCommands.Console(parseResult).Write(table);
        }

        bool allDone = missing.Length == 0 && responses.Count > 0 && responses.All(r => r.SignatureVerified && r.Response.Outcome == FleetOutcomes.Done);
        return allDone ? ExitCodes.Success : ExitCodes.Failed;
    }
}
