using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Operators;
using EdgeCapture.Protocol.Fleet;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture fleet config get|set TARGET</c>: the retained, signed desired configuration of a device or group
/// (group:NAME), device-shadow style, and what a device reported (applied version, settings live or at restart, refused keys).
/// </summary>
internal static class FleetConfigCommand
{
    public static Command Create()
    {
        var config = new Command("config", "Desired configuration of a device or group (group:NAME), device-shadow style.");
        config.Subcommands.Add(CreateGet());
        config.Subcommands.Add(CreateSet());
        return config;
    }

    private static Argument<string> Target() => new("target") { Description = "A device id, or group:NAME." };

    private static Command CreateGet()
    {
        Argument<string> target = Target();
        var get = new Command("get", "Show the retained desired document and, for a device, what it reported.") { target, FleetCliCommands.Json };
        FleetCliCommands.AddBrokerOptions(get);
        get.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!FleetCliCommands.TryTarget(parseResult, parseResult.GetValue(target)!, "fleet config get", out FleetTarget? fleetTarget))
            {
                return ExitCodes.Usage;
            }

            (FleetOperatorSession? session, int code) = await FleetCliCommands.ConnectAsync(parseResult, "fleet config get", cancellationToken).ConfigureAwait(false);
            if (session is null)
            {
                return code;
            }

            await using (session.ConfigureAwait(false))
            {
                FleetDesiredConfiguration? desired = session.Desired(fleetTarget);
                FleetReportedConfiguration? reported = fleetTarget.IsGroup ? null : session.View.Device(fleetTarget.Name)?.Reported;
                using JsonDocument settings = JsonDocument.Parse(desired?.SettingsJson ?? "{}");
                parseResult.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new { target = fleetTarget.ToString(), desiredVersion = desired?.Version ?? 0, desired = settings.RootElement, reported }, FleetCliCommands.Indented));
                return ExitCodes.Success;
            }
        });
        return get;
    }

    private static Command CreateSet()
    {
        Argument<string> target = Target();
        var key = new Option<string>("--key", "-k") { Description = "The operator's signing key file.", Required = true };
        var settingsOption = new Option<string>("--settings") { Description = "The settings, a JSON object (e.g. '{\"segmentSeconds\":10}').", Required = true };
        var set = new Command("set", "Sign and publish a new desired version (the next after the retained one; refused by boxes if someone else changed it first).") { target, key, settingsOption };
        FleetCliCommands.AddBrokerOptions(set);
        set.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            if (!FleetCliCommands.TryTarget(parseResult, parseResult.GetValue(target)!, "fleet config set", out FleetTarget? fleetTarget))
            {
                return ExitCodes.Usage;
            }

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

            if (!FleetCliCommands.TryLoadKey(parseResult.GetValue(key)!, PersonalSigningKeyKind.Operator, stderr, "fleet config set", out PersonalSigningKey? signingKey))
            {
                return ExitCodes.Failed;
            }

            using (signingKey)
            {
                (FleetOperatorSession? session, int code) = await FleetCliCommands.ConnectAsync(parseResult, "fleet config set", cancellationToken).ConfigureAwait(false);
                if (session is null)
                {
                    return code;
                }

                await using (session.ConfigureAwait(false))
                {
                    long current = session.Desired(fleetTarget)?.Version ?? 0;
                    var document = new FleetDesiredConfiguration { Target = fleetTarget, Version = current + 1, BaseVersion = current, IssuedAt = TimeProvider.System.GetUtcNow(), SettingsJson = settings };
                    if (!await session.PublishDesiredAsync(document, signingKey, cancellationToken).ConfigureAwait(false))
                    {
                        return CliErrors.Report(stderr, "fleet config set", $"the broker refused the document on {fleetTarget.DesiredTopic} (is this client the operator role?)", ExitCodes.Failed);
                    }

                    parseResult.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fleetTarget}: desired version {document.Version} published (based on {current})"));
                    return ExitCodes.Success;
                }
            }
        });
        return set;
    }
}
