using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Dataset.Export;
using EdgeCapture.Dataset.Layouts;
using EdgeCapture.Dataset.Sources;
using EdgeCapture.Dataset.Timeline;
using Spectre.Console;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture dataset export</c>: the custodian turns sealed sessions (a box's outbox, or the collector's store) into a
/// dataset ML teams load without glue. Everything is verified before anything is written; the output folder appears
/// only when complete. Progress: a Spectre.Console bar on a terminal, plain lines on standard error otherwise; the
/// summary is a table, or JSON with <c>--json</c>.
/// </summary>
internal static class DatasetCommand
{
    public static Command Create()
    {
        var command = new Command("dataset", "Custodian tools for datasets.");
        command.Subcommands.Add(CreateExport());
        return command;
    }

    private static Command CreateExport()
    {
        var store = new Option<string?>("--store") { Description = "Read the collector's store in this folder." };
        var outbox = new Option<string?>("--outbox") { Description = "Read a box's outbox directly (its data directory: outbox.db, device.key)." };
        var identity = new Option<string>("--identity", "-i") { Description = "The custodian's age identity file.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The dataset folder to create (must not exist).", Required = true };
        var sessions = new Option<string[]>("--session") { Description = "Export only this session (UUID); repeatable." };
        var since = new Option<string?>("--since") { Description = "Only sessions ending at or after this time (ISO 8601)." };
        var until = new Option<string?>("--until") { Description = "Only sessions starting before this time (ISO 8601)." };
        var format = new Option<string>("--format") { Description = "hf (Hugging Face layout), raw (DuckTrack/AgentNet folders) or both.", DefaultValueFactory = _ => "hf" };
        format.AcceptOnlyFromAmong("hf", "raw", "both");
        var layout = new Option<string>("--layout") { Description = $"The host's keyboard layout: {string.Join(", ", KeyboardLayout.Names)}.", DefaultValueFactory = _ => "us" };
        layout.AcceptOnlyFromAmong([.. KeyboardLayout.Names]);
        var allowGaps = new Option<bool>("--allow-gaps") { Description = "Export past chain gaps (missing segments) and list them in the dataset card." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON." };
        var devicePublicKey = new Option<string?>("--device-public-key") { Description = "With --outbox: the device's public key (ed25519:...), default from device.key." };
        var command = new Command("export", "Verify and export sealed sessions as a dataset (Hugging Face layout and/or raw DuckTrack/AgentNet folders).");
        foreach (Option option in new Option[] { store, outbox, identity, output, sessions, since, until, format, layout, allowGaps, json, devicePublicKey })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string? storePath = parseResult.GetValue(store);
            string? outboxPath = parseResult.GetValue(outbox);
            if ((storePath is null) == (outboxPath is null))
            {
                return CliErrors.Report(stderr, "dataset export", "give exactly one of --store DIR or --outbox DIR", ExitCodes.Usage);
            }

            if (!TryParseSessions(parseResult.GetValue(sessions) ?? [], out List<Guid> sessionIds, out string? badSession))
            {
                return CliErrors.Report(stderr, "dataset export", $"--session '{badSession}' is not a session id (UUID)", ExitCodes.Usage);
            }

            if (!TryParseTime(parseResult.GetValue(since), out DateTimeOffset? sinceTime) || !TryParseTime(parseResult.GetValue(until), out DateTimeOffset? untilTime))
            {
                return CliErrors.Report(stderr, "dataset export", "--since/--until must be ISO 8601 times, for example 2026-03-01T09:00:00Z", ExitCodes.Usage);
            }

            DevicePublicKey? publicKey = null;
            if (parseResult.GetValue(devicePublicKey) is { } keyText)
            {
                try
                {
                    publicKey = DevicePublicKey.Parse(keyText);
                }
                catch (DeviceKeyFormatException error)
                {
                    return CliErrors.Report(stderr, "dataset export", $"--device-public-key: {error.Message}", ExitCodes.Usage);
                }
            }

            if (!CliFiles.TryLoadIdentities(parseResult.GetValue(identity)!, stderr, "dataset export", out IReadOnlyList<AgeIdentity>? identities))
            {
                return ExitCodes.Unavailable;
            }

            try
            {
                ISegmentSource source;
                try
                {
                    source = storePath is not null
                        ? CollectorStoreSegmentSource.Open(storePath)
                        : OutboxSegmentSource.Open(outboxPath!, publicKey);
                }
                catch (SegmentSourceException error)
                {
                    return CliErrors.Report(stderr, "dataset export", error.Message, ExitCodes.Unavailable);
                }

                using (source)
                {
                    var options = new ExportOptions
                    {
                        OutputDirectory = parseResult.GetValue(output)!,
                        Identities = identities,
                        Sessions = sessionIds,
                        Since = sinceTime,
                        Until = untilTime,
                        Format = parseResult.GetValue(format) switch { "raw" => ExportFormat.Raw, "both" => ExportFormat.Both, _ => ExportFormat.HuggingFace },
                        Layout = KeyboardLayout.Get(parseResult.GetValue(layout)!),
                        AllowGaps = parseResult.GetValue(allowGaps),
                    };
                    ExportResult result;
                    try
                    {
                        result = IsTerminal(stdout)
                            ? await ExportWithProgressBarAsync(source, options, cancellationToken).ConfigureAwait(false)
                            : await DatasetExporter.ExportAsync(source, options, new PlainProgress(stderr), cancellationToken).ConfigureAwait(false);
                    }
                    catch (ExportFailedException error)
                    {
                        return CliErrors.Report(stderr, "dataset export", error.Message + "; nothing was written", ExitCodes.Failed);
                    }

                    if (parseResult.GetValue(json))
                    {
                        await stdout.WriteLineAsync(ToJson(result)).ConfigureAwait(false);
                    }
                    else
                    {
                        WriteTable(stdout, result);
                    }

                    return 0;
                }
            }
            finally
            {
                foreach (AgeIdentity item in identities)
                {
                    item.Dispose();
                }
            }
        });
        return command;
    }

    private static bool IsTerminal(TextWriter stdout) => ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    private static async Task<ExportResult> ExportWithProgressBarAsync(ISegmentSource source, ExportOptions options, CancellationToken cancellationToken)
    {
        ExportResult? result = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask("verifying");
                var progress = new Progress<ExportProgress>(report =>
                {
                    task.Description = report.Phase == "verify" ? "verified" : $"exporting {report.Current}";
                    task.MaxValue = Math.Max(1, report.CiphertextBytesTotal);
                    task.Value = report.Phase == "verify" ? 0 : report.CiphertextBytesDone;
                });
                result = await DatasetExporter.ExportAsync(source, options, progress, cancellationToken).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return result!;
    }

    private static void WriteTable(TextWriter stdout, ExportResult result)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = IsTerminal(stdout) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = IsTerminal(stdout) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        var table = new Table().Title($"Exported to {result.OutputDirectory}");
        foreach (string column in new[] { "session", "segments", "events", "steps", "frames", "pauses", "corrections" })
        {
            table.AddColumn(column);
        }

        foreach (SessionSummary session in result.Sessions)
        {
            table.AddRow(
                session.SessionId.ToString("D"),
                Invariant($"{session.Segments}"),
                Invariant($"{session.Events}"),
                Invariant($"{session.Steps}"),
                Invariant($"{session.Frames}"),
                Invariant($"{session.Pauses}"),
                Invariant($"{session.CorrectionsApplied}/{session.CorrectionsAttempted}"));
        }

        console.Write(table);
        console.WriteLine(Invariant($"{result.Sessions.Count} session(s), {result.Segments} segment(s), {result.CiphertextBytes} ciphertext bytes in {result.Elapsed.TotalSeconds:0.0} s; gaps {result.Gaps.Count}, warnings {result.Warnings.Count}"));
        foreach (ChainGap gap in result.Gaps)
        {
            console.WriteLine("gap: " + gap.Description);
        }
    }

    private static string ToJson(ExportResult result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("output", result.OutputDirectory);
            writer.WriteString("source", result.Source);
            writer.WriteNumber("segments", result.Segments);
            writer.WriteNumber("ciphertextBytes", result.CiphertextBytes);
            writer.WriteNumber("events", result.EventRows);
            writer.WriteNumber("steps", result.StepRows);
            writer.WriteNumber("frames", result.Frames);
            writer.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
            writer.WriteStartArray("eventShards");
            foreach (string shard in result.EventShards)
            {
                writer.WriteStringValue(shard);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("stepShards");
            foreach (string shard in result.StepShards)
            {
                writer.WriteStringValue(shard);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("sessions");
            foreach (SessionSummary session in result.Sessions)
            {
                writer.WriteStartObject();
                writer.WriteString("session", session.SessionId.ToString("D"));
                writer.WriteString("device", session.DeviceId);
                writer.WriteNumber("segments", session.Segments);
                writer.WriteNumber("events", session.Events);
                writer.WriteNumber("steps", session.Steps);
                writer.WriteNumber("frames", session.Frames);
                writer.WriteNumber("pauses", session.Pauses);
                writer.WriteNumber("suppressed", session.Suppressions);
                writer.WriteNumber("correctionsAttempted", session.CorrectionsAttempted);
                writer.WriteNumber("correctionsApplied", session.CorrectionsApplied);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("gaps");
            foreach (ChainGap gap in result.Gaps)
            {
                writer.WriteStartObject();
                writer.WriteString("session", gap.SessionId.ToString("D"));
                writer.WriteString("description", gap.Description);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("warnings");
            foreach (string warning in result.Warnings)
            {
                writer.WriteStringValue(warning);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool TryParseSessions(string[] texts, out List<Guid> sessions, out string? bad)
    {
        sessions = [];
        bad = null;
        foreach (string text in texts)
        {
            if (!Guid.TryParse(text, out Guid id))
            {
                bad = text;
                return false;
            }

            sessions.Add(id);
        }

        return true;
    }

    private static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (text is null)
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Progress as plain lines (a pipe or a log): one per segment.</summary>
    private sealed class PlainProgress(TextWriter writer) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value)
        {
            writer.WriteLine(value.Phase == "verify"
                ? Invariant($"dataset export: verified {value.SegmentsTotal} segment(s), {value.CiphertextBytesTotal} bytes: signatures, chains, hashes")
                : Invariant($"dataset export: {value.SegmentsDone}/{value.SegmentsTotal} segments, {value.CiphertextBytesDone}/{value.CiphertextBytesTotal} bytes ({value.Current})"));
        }
    }
}
