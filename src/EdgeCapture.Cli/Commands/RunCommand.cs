using System.CommandLine;
using EdgeCapture.Appliance;
using EdgeCapture.Appliance.Hardware;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture run --config /etc/edgecapture/appliance.json</c>: the appliance on the box's real devices (what the
/// systemd unit starts). Runs until Ctrl+C or SIGTERM, then stops in order: relay (all-released reports), recorder (last
/// segment sealed), privacy hardware (gate shut, LED dark). A configuration that does not validate is refused (exit 2)
/// with the offending key named, and nothing is started. With <c>--simulate</c> the same configuration (recorder, outbox,
/// upload) runs on simulated hardware, as the arm64 check under qemu does.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = CliFiles.ConfigurationOption();
        var duration = new Option<double?>("--duration") { Description = "Seconds to run (default: until Ctrl+C or SIGTERM)." };
        var check = new Option<bool>("--check") { Description = "Only validate the configuration and exit." };
        var simulate = new Option<bool>("--simulate") { Description = "Run this configuration (recorder, outbox, upload) on simulated hardware: a scripted user through the real relay on private FIFOs, a simulated switch; device, gadget and pinout settings unused." };
        var seed = new Option<int>("--seed") { Description = "With --simulate: seed of the simulated user.", DefaultValueFactory = _ => 1 };
        var set = new Option<string[]>("--set") { Description = "Override one key of the configuration: key=value or upload.key=value (after EDGECAPTURE__key environment variables; the same strict rules apply). Repeatable.", AllowMultipleArgumentsPerToken = false };
        var command = new Command("run", "Run the appliance on the box's devices from its configuration: relay, privacy switch and indicator, recorder, encrypted outbox.");
        command.Options.Add(config);
        command.Options.Add(duration);
        command.Options.Add(check);
        command.Options.Add(simulate);
        command.Options.Add(seed);
        command.Options.Add(set);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            double? seconds = parseResult.GetValue(duration);
            if (seconds is <= 0)
            {
                await stderr.WriteLineAsync("run: --duration must be positive.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var overrides = new List<KeyValuePair<string, string>>();
            foreach (string assignment in parseResult.GetValue(set) ?? [])
            {
                int equals = assignment.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    await stderr.WriteLineAsync($"run: --set {assignment}: expected key=value").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                overrides.Add(new(assignment[..equals].Replace('.', ':'), assignment[(equals + 1)..]));
            }

            if (!CliFiles.TryLoadConfiguration(parseResult.GetValue(config)!, stderr, "run", out ApplianceConfiguration? configuration, overrides))
            {
                return ExitCodes.Usage;
            }

            if (parseResult.GetValue(check))
            {
                // A recipient that can never work (wrong prefix, a low-order point such as all zeros) is refused here, in the
                // file too, not at the first seal: the configuration's own list was already checked by its loader.
                int recipients;
                try
                {
                    recipients = EdgeCapture.Crypto.AgeRecipientLoader.Load(configuration.Recipients, configuration.RecipientsFile is { } file ? [file] : []).Count;
                }
                catch (EdgeCapture.Crypto.AgeRecipientSourceException error)
                {
                    // The loader's message starts with the file's path.
                    await stderr.WriteLineAsync($"run: recipientsFile {error.Message}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                await stdout.WriteLineAsync($"run: configuration OK: device {configuration.DeviceId}, data {configuration.DataDirectory}, {recipients} recipient(s)").ConfigureAwait(false);
                return 0;
            }

            ApplianceHardware hardware = parseResult.GetValue(simulate)
                ? new SimulatedHardware(new ApplianceSimulation { Seed = parseResult.GetValue(seed), ScriptLength = TimeSpan.FromSeconds(seconds ?? 3600) })
                : DeviceHardware.Instance;
            return await ApplianceRun.RunAsync("run", configuration, hardware, seconds, endAtEndOfInput: false, stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
