using System.CommandLine;
using System.Globalization;
using EdgeCapture.Crypto;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture demo</c>: the whole system on one machine with only the .NET SDK. The on-prem collector with its embedded
/// MQTT broker (<see cref="DemoCollector"/>) and three simulated boxes at once (<see cref="DemoBox"/>), each a real appliance on
/// simulated hardware: a scripted user typing and moving the mouse through the real relay, a simulated screen that follows the
/// input, the privacy switch flipped, a lock chord with the password typed on the lock screen, a forget press; each box uploads
/// live to the collector. An operator sends one signed fleet command and one signed configuration change (<see cref="DemoFleet"/>).
/// A live display (<see cref="DemoLiveDisplay"/>) shows it; then the boxes stop, drain their outboxes (<c>edgecapture upload</c>),
/// the custodian exports the collector's store (<c>edgecapture dataset export --store</c>), and the summary proves what the
/// product promises against the export (<see cref="DemoProofs"/>, <see cref="DemoAccounting"/>, printed by <see cref="DemoSummary"/>).
/// Exit 0 only when every proof holds.
/// Layout of <c>--work-dir DIR</c>: <c>custodian/identity.txt</c>, <c>operator/operator.key</c>, <c>boxes/ID/</c> (appliance.json,
/// fleet.json, device key, outbox), <c>collector/</c> (index, <c>segments/**.age</c>), <c>dataset/</c> (the export).
/// </summary>
internal static class DemoCommand
{
    /// <summary>The shortest demo that fits every box's plan (the lock and unlock take about 4 s after 62 % of the length).</summary>
    public const double MinimumSeconds = 16;

    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "How long the simulated users work at their boxes.", DefaultValueFactory = _ => 30 };
        var workDirectory = new Option<string?>("--work-dir") { Description = "Keep everything here instead of a scratch directory that is deleted afterwards." };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated users.", DefaultValueFactory = _ => 1 };
        var command = new Command("demo", "The whole system on simulated hardware: a collector with its broker, three boxes uploading live, a fleet command and a configuration change, the custodian's export, and proofs of what stayed private.");
        command.Options.Add(seconds);
        command.Options.Add(workDirectory);
        command.Options.Add(seed);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            double length = parseResult.GetValue(seconds);
            if (length is < MinimumSeconds or > 3600)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"demo: --seconds must be between {MinimumSeconds} and 3600.")).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string? keep = parseResult.GetValue(workDirectory);
            if (keep is not null && Directory.Exists(keep) && Directory.EnumerateFileSystemEntries(keep).Any())
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync($"demo: --work-dir {keep} is not empty; give a new or empty folder.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            string root = keep is null ? Directory.CreateTempSubdirectory("edgecapture-demo-").FullName : Directory.CreateDirectory(Path.GetFullPath(keep)).FullName;
            try
            {
                return await RunAsync(root, length, parseResult.GetValue(seed), parseResult.InvocationConfiguration, keep is not null, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (keep is null)
                {
                    Directory.Delete(root, recursive: true);
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string root, double length, int seed, InvocationConfiguration console, bool kept, CancellationToken cancellationToken)
    {
        TextWriter output = console.Output;
        using ILoggerFactory loggerFactory = LoggerFactory.Create(builder => builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Error));

        // The custodian's side: only the recipient string ever reaches the boxes.
        string identityPath = Path.Combine(root, "custodian", "identity.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(identityPath)!);
        AgeRecipient recipient;
        using (AgeIdentity identity = AgeIdentity.Generate())
        {
            identity.SaveFile(identityPath, DateTimeOffset.UtcNow);
            recipient = identity.Recipient;
        }

        // The IT operator's signing key: the boxes trust its public key (their fleet.json), nothing else.
        string operatorPath = Path.Combine(root, "operator", "operator.key");
        Directory.CreateDirectory(Path.GetDirectoryName(operatorPath)!);
        using PersonalSigningKey operatorKey = PersonalSigningKey.Generate(PersonalSigningKeyKind.Operator);
        operatorKey.Save(operatorPath, DateTimeOffset.UtcNow);

        await using DemoCollector collector = await DemoCollector.StartAsync(root, loggerFactory).ConfigureAwait(false);
        var boxes = new List<DemoBox>();
        try
        {
            foreach (DemoBoxPlan plan in DemoBoxPlan.ForLength(length, seed))
            {
                DemoBox box = DemoBox.Prepare(root, plan, recipient, collector.Service.PublicKey, collector.Port, operatorKey);
                collector.Service.Store.Index.Enroll(box.DeviceId, box.PublicKey, replace: false, DateTimeOffset.UtcNow);
                boxes.Add(box);
            }

            await DemoSummary.WriteIntroductionAsync(output, root, identityPath, recipient, operatorPath, operatorKey, collector, boxes, length).ConfigureAwait(false);
            var display = new DemoLiveDisplay(output, () => [.. boxes.Select(box => box.Snapshot(collector.StoredCount(box.DeviceId)))], length);
            foreach (DemoBox box in boxes)
            {
                box.Start(length, loggerFactory, display.Report);
            }

            Task<DemoFleetOutcome> fleet = RunFleetLaterAsync(TimeSpan.FromSeconds(Math.Min(4, length * 0.2)), collector.Port, collector.OperatorPassword, operatorKey, boxes, display.Report, cancellationToken);
            Task running = Task.WhenAll([Task.Delay(TimeSpan.FromSeconds(length), cancellationToken), fleet, .. boxes.Select(box => box.RunPlanAsync(display.Report, cancellationToken))]);
            await display.ShowUntilAsync(running).ConfigureAwait(false);
            await running.ConfigureAwait(false);

            await output.WriteLineAsync(Environment.NewLine + "== The boxes stop (last segment sealed) and drain their outboxes (edgecapture upload) ==").ConfigureAwait(false);
            await Task.WhenAll(boxes.Select(box => box.StopAsync())).ConfigureAwait(false);
            foreach (DemoBox box in boxes)
            {
                var log = new StringWriter();
                int drained = await Program.RunAsync(["upload", "--config", box.ConfigurationPath, "--timeout", "60"], new InvocationConfiguration { Output = log, Error = log }).ConfigureAwait(false);
                string last = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
                await output.WriteLineAsync($"  {box.DeviceId}: upload exit {drained}: {last}").ConfigureAwait(false);
            }

            IReadOnlyList<DemoBoxSegments> segments = [.. boxes.Select(box => DemoAccounting.Count(box, collector.Service.Store.Index))];
            var latency = DemoAccounting.Latency(boxes, collector);
            long storedTwice = collector.StoredTwice;
            long resent = collector.Resent;
            await collector.DisposeAsync().ConfigureAwait(false);

            return await DemoSummary.ExportAndProveAsync(
                new DemoRun(root, identityPath, length, kept, boxes, segments, storedTwice, resent, latency, await fleet.ConfigureAwait(false)),
                output,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (DemoBox box in boxes)
            {
                await box.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<DemoFleetOutcome> RunFleetLaterAsync(TimeSpan delay, int port, string operatorPassword, PersonalSigningKey operatorKey, IReadOnlyList<DemoBox> boxes, Action<string> report, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        return await DemoFleet.RunAsync(port, operatorPassword, operatorKey, boxes, report, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>What the demo ran and measured, for the summary.</summary>
internal sealed record DemoRun(
    string Root,
    string IdentityPath,
    double Seconds,
    bool Kept,
    IReadOnlyList<DemoBox> Boxes,
    IReadOnlyList<DemoBoxSegments> Segments,
    long StoredTwice,
    long Resent,
    (int Count, double Median, double P95, double Maximum) Latency,
    DemoFleetOutcome Fleet);
