using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeCapture.Appliance;
using EdgeCapture.Crypto;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Relay.Simulation;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging;
using ApplianceHost = EdgeCapture.Appliance.Appliance;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture record</c>: relay, privacy gate and recorder together, into an encrypted outbox in <c>--data-dir</c>.
/// With <c>--simulate</c>: a scripted user typed through evdev FIFOs into the real relay (gadget side: private FIFOs,
/// no USB), a simulated privacy switch (<c>--private-at</c>/<c>--public-at</c>), optional simulated video. Otherwise the
/// given device paths and the GPIO pinout. Prints one <c>sealed ...</c> line per segment once it is durable, then a summary.
/// <c>edgecapture verify</c>: the custodian's check of an outbox (signatures, hash chains; with <c>-i</c>, decryption).
/// </summary>
internal static class RecordCommand
{
    public static Command CreateRecord()
    {
        var dataDirectory = new Option<string>("--data-dir") { Description = "Where the outbox (outbox.db) and the device key live.", Required = true };
        var duration = new Option<double?>("--duration") { Description = "Seconds to record (default: 20 with --simulate, until Ctrl+C otherwise)." };
        var recipients = new Option<string[]>("--recipient", "-r") { Description = "An age recipient (age1...) to encrypt to: the custodian, optionally the employee; repeatable." };
        var recipientsFile = new Option<string?>("--recipients-file", "-R") { Description = "A file of age recipients, one per line." };
        var deviceKey = new Option<string?>("--device-key") { Description = "The device signing key (created 0600 if absent; default <data-dir>/device.key)." };
        var deviceId = new Option<string?>("--device-id") { Description = "The device identifier in manifests (default: host name)." };
        var simulate = new Option<bool>("--simulate") { Description = "Scripted user through the real relay on private FIFOs, and a simulated privacy switch." };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated user.", DefaultValueFactory = _ => 1 };
        var privateAt = new Option<double[]>("--private-at") { Description = "With --simulate: seconds after the start at which the switch goes private; repeatable." };
        var publicAt = new Option<double[]>("--public-at") { Description = "With --simulate: seconds after the start at which the switch goes public again; repeatable." };
        var forgetAt = new Option<double[]>("--forget-at") { Description = "With --simulate: seconds after the start at which the forget button is pressed; repeatable." };
        var video = new Option<bool>("--video") { Description = "With --simulate: also capture a simulated screen (JPEG frames)." };
        var keyboards = new Option<string[]>("--keyboard") { Description = "A keyboard event node (without --simulate); repeatable." };
        var mice = new Option<string[]>("--mouse") { Description = "A mouse event node (without --simulate); repeatable." };
        var inputDirectory = new Option<string?>("--input-dir") { Description = "Watch this directory for event nodes (on the box: /dev/input)." };
        var keyboardGadget = new Option<string?>("--hidg-keyboard") { Description = "Keyboard gadget endpoint (on the box: /dev/hidg0)." };
        var mouseGadget = new Option<string?>("--hidg-mouse") { Description = "Mouse gadget endpoint (on the box: /dev/hidg1)." };
        var consumerGadget = new Option<string?>("--hidg-consumer") { Description = "Consumer-control gadget endpoint (on the box: /dev/hidg2)." };
        var pinout = new Option<string>("--pinout") { Description = $"The GPIO pinout (without --simulate; default {PinoutLoader.InstalledPath}).", DefaultValueFactory = _ => PinoutLoader.InstalledPath };
        var segmentSeconds = new Option<double>("--segment-seconds") { Description = "Seal a segment at least this often.", DefaultValueFactory = _ => 5 };
        var quota = new Option<long?>("--quota-bytes") { Description = "Outbox quota in bytes (default 1 GiB)." };

        var command = new Command("record", "Relay and record: privacy gate, recorder, encrypted signed segments into the outbox in --data-dir.");
        foreach (Option option in new Option[] { dataDirectory, duration, recipients, recipientsFile, deviceKey, deviceId, simulate, seed, privateAt, publicAt, forgetAt, video, keyboards, mice, inputDirectory, keyboardGadget, mouseGadget, consumerGadget, pinout, segmentSeconds, quota })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            bool simulated = parseResult.GetValue(simulate);
            double? seconds = parseResult.GetValue(duration) ?? (simulated ? 20 : null);
            if (seconds is <= 0 || parseResult.GetValue(segmentSeconds) is < 0.1 or > 600)
            {
                await stderr.WriteLineAsync("record: --duration must be positive and --segment-seconds between 0.1 and 600.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            IReadOnlyList<AgeRecipient> ageRecipients;
            try
            {
                string? file = parseResult.GetValue(recipientsFile);
                ageRecipients = AgeRecipientLoader.Load(parseResult.GetValue(recipients) ?? [], file is null ? [] : [file]);
            }
            catch (AgeRecipientSourceException error)
            {
                await stderr.WriteLineAsync($"record: {error.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (ageRecipients.Count == 0)
            {
                await stderr.WriteLineAsync("record: give the custodian's recipient with --recipient age1... or --recipients-file.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            bool withVideo = parseResult.GetValue(video);
            var configuration = new ApplianceConfiguration
            {
                DataDirectory = Path.GetFullPath(parseResult.GetValue(dataDirectory)!),
                Recipients = ageRecipients,
                DeviceKeyPath = parseResult.GetValue(deviceKey),
                DeviceId = parseResult.GetValue(deviceId) ?? Environment.MachineName,
                PinoutPath = parseResult.GetValue(pinout)!,
                InputDirectory = parseResult.GetValue(inputDirectory),
                Keyboards = parseResult.GetValue(keyboards) ?? [],
                Mice = parseResult.GetValue(mice) ?? [],
                KeyboardGadget = parseResult.GetValue(keyboardGadget),
                MouseGadget = parseResult.GetValue(mouseGadget),
                ConsumerControlGadget = parseResult.GetValue(consumerGadget),
                SegmentSeconds = parseResult.GetValue(segmentSeconds),
                QuotaBytes = parseResult.GetValue(quota) ?? (1L << 30),
                VideoSource = simulated && withVideo ? VideoSourceKind.Simulated : VideoSourceKind.None,
            };
            ApplianceSimulation? simulation = simulated
                ? new ApplianceSimulation
                {
                    Seed = parseResult.GetValue(seed),
                    ScriptLength = TimeSpan.FromSeconds(seconds ?? 3600),
                    PrivateAt = parseResult.GetValue(privateAt) ?? [],
                    PublicAt = parseResult.GetValue(publicAt) ?? [],
                    ForgetAt = parseResult.GetValue(forgetAt) ?? [],
                }
                : null;
            if (simulation is null && configuration.Keyboards.Count == 0 && configuration.Mice.Count == 0 && configuration.InputDirectory is null)
            {
                await stderr.WriteLineAsync("record: nothing to read: give --keyboard/--mouse or --input-dir (or --simulate).").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await RunApplianceAsync("record", configuration, simulation, seconds, stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }


    /// <summary>
    /// Runs the appliance (<see cref="ApplianceHost"/>) for <paramref name="seconds"/> or until cancelled (Ctrl+C, SIGTERM),
    /// printing one <c>sealed ...</c> line per durable segment and a summary; shared by <c>record</c> and <c>run</c>.
    /// </summary>
    internal static async Task<int> RunApplianceAsync(string name, ApplianceConfiguration configuration, ApplianceSimulation? simulation, double? seconds, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using ILoggerFactory loggerFactory = LoggerFactory.Create(builder =>
        {
            // Under systemd (its journal on stdout/stderr: JOURNAL_STREAM) the lines carry syslog priorities for journald.
            if (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null)
            {
                builder.AddSystemdConsole(options => options.IncludeScopes = true);
            }
            else
            {
                builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
            }

            builder.SetMinimumLevel(LogLevel.Warning);
        });
        var outputLock = new Lock();
        void Line(string text)
        {
            lock (outputLock)
            {
                stdout.WriteLine(text);
                stdout.Flush();
            }
        }

        var started = Stopwatch.StartNew();
        ApplianceHost appliance;
        try
        {
            appliance = ApplianceHost.Start(
                configuration,
                simulation,
                loggerFactory,
                info => Line(string.Create(CultureInfo.InvariantCulture, $"sealed {info.SessionId:D}/{info.SegmentIndex} records={info.Counts.Total} keys={info.Counts.Keys} mouse={info.Counts.Mouse} frames={info.Counts.Frames} bytes={info.CiphertextLength} end={info.EndReason}")),
                text => Line($"{name}: {text}"));
        }
        catch (ApplianceConfigurationException error)
        {
            await stderr.WriteLineAsync($"{name}: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (ApplianceStartException error)
        {
            await stderr.WriteLineAsync($"{name}: {error.Component}: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }

        // Observable instruments over the parts' counters (meter EdgeCapture.Appliance): dotnet-counters monitor -n edgecapture.
        using var metrics = new ApplianceMetrics(appliance, TimeProvider.System);
        await using (appliance.ConfigureAwait(false))
        {
            Line($"{name}: recording to {configuration.DataDirectory} ({(simulation is not null ? "simulated user, switch and relay" : "devices")}); privacy: {appliance.Privacy.Status.State} ({appliance.Privacy.Status.Reason})");
            bool restart = false;
            try
            {
                Task ran = Task.Delay(seconds is { } limit ? TimeSpan.FromSeconds(limit) : Timeout.InfiniteTimeSpan, cancellationToken);
                restart = await Task.WhenAny(ran, appliance.RestartRequested).ConfigureAwait(false) == appliance.RestartRequested;
                if (!restart)
                {
                    await ran.ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: stop cleanly.
            }

            await appliance.StopAsync().ConfigureAwait(false);
            if (restart)
            {
                // A fleet restart-service: stopped in order; systemd (Restart=on-failure) starts the service again.
                Line($"{name}: stopped for a restart ({await appliance.RestartRequested.ConfigureAwait(false)}); exit {ExitCodes.RestartRequested}");
                return ExitCodes.RestartRequested;
            }

            RecorderStatistics statistics = appliance.Recorder.GetStatistics();
            Line(string.Create(CultureInfo.InvariantCulture,
                $"summary: {started.Elapsed.TotalSeconds:0.0} s, sessions {statistics.SessionsStarted}, segments sealed {statistics.SegmentsSealed} (lost {statistics.SegmentsLost}), "
                + $"events received {statistics.EventsReceived}, accepted {statistics.EventsAccepted}, gated {statistics.EventsGated}, dropped by tap {statistics.EventsDroppedByTap}, "
                + $"dropped by recorder {statistics.EventsDroppedByRecorder}, suppressed keys {statistics.KeyEventsSuppressed}, forgotten {statistics.EventsForgotten}, "
                + $"records: keys {statistics.KeyRecords}, mouse {statistics.MouseRecords}, frames {statistics.FramesRecorded} (gated {statistics.FramesGated}, dropped {statistics.FramesDropped}); "
                + $"bytes: plaintext {statistics.PlaintextBytesSealed} -> ciphertext {statistics.CiphertextBytesSealed}; outbox holds {appliance.Outbox.StoredBytes} bytes; state {statistics.State}"));
            if (appliance.SimulatedRelayResult is { } relayed)
            {
                Line($"{name}: {DescribeTyping(relayed.Typing)}");
            }
        }

        return 0;
    }

    /// <summary>One line on whether the simulated host received what the simulated user typed (the relay's end-to-end proof).</summary>
    internal static string DescribeTyping(RelayTypingCheck typing)
    {
        string last = typing.LastSentence.Length > 0 ? $", the last: \"{typing.LastSentence}\"" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"relay check: {(typing.IsIntact ? "OK" : "FAILED")}: the simulated host received {typing.SentencesArrived} of {typing.SentencesTyped} typed sentence(s) intact and in order ({typing.CharactersReceived} characters){last}");
    }

    public static Command CreateVerify()
    {
        var dataDirectory = new Option<string>("--data-dir") { Description = "The data directory holding outbox.db.", Required = true };
        var identity = new Option<string?>("--identity", "-i") { Description = "The custodian's age identity file: also decrypt and summarise every segment." };
        var publicKey = new Option<string?>("--device-public-key") { Description = "The device's public key (ed25519:...); default: from <data-dir>/device.key." };
        var command = new Command("verify", "Verify an outbox: manifest signatures, ciphertext hashes and hash chains; with -i, decrypt and summarise (custodian tool).");
        command.Options.Add(dataDirectory);
        command.Options.Add(identity);
        command.Options.Add(publicKey);
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            string directory = parseResult.GetValue(dataDirectory)!;
            string databasePath = Path.Combine(directory, "outbox.db");
            if (!File.Exists(databasePath))
            {
                stderr.WriteLine($"verify: no outbox at {databasePath}.");
                return ExitCodes.Usage;
            }

            DevicePublicKey devicePublicKey;
            try
            {
                if (parseResult.GetValue(publicKey) is { } text)
                {
                    devicePublicKey = DevicePublicKey.Parse(text);
                }
                else
                {
                    using DeviceSigningKey key = DeviceSigningKey.Load(Path.Combine(directory, "device.key"));
                    devicePublicKey = key.PublicKey;
                }
            }
            catch (Exception error) when (error is DeviceKeyFormatException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"verify: device key: {error.Message}");
                return ExitCodes.Usage;
            }

            IReadOnlyList<AgeIdentity>? identities = null;
            if (parseResult.GetValue(identity) is { } identityPath && !CliFiles.TryLoadIdentities(identityPath, stderr, "verify", out identities))
            {
                return ExitCodes.Usage;
            }

            try
            {
                using var outbox = SegmentOutbox.Open(databasePath, new OutboxOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
                if (outbox.StartupRecovery is { } recovery)
                {
                    stderr.WriteLine($"verify: the outbox was unusable ({recovery.Reason}: {recovery.Detail}); moved aside to {recovery.MovedAsidePath}.");
                    return ExitCodes.Failed;
                }

                long keys = 0;
                long mouse = 0;
                long frames = 0;
                long markers = 0;
                VerificationReport report = SegmentChainVerifier.Verify(outbox, devicePublicKey, identities, (_, contents) =>
                {
                    RecordCounts counts = SegmentChainVerifier.Count(contents.Records);
                    keys += counts.Keys;
                    mouse += counts.Mouse;
                    frames += counts.Frames;
                    markers += counts.Markers;
                });
                foreach (SessionVerification session in report.Sessions)
                {
                    // Counts and the end reason are sealed (manifest version 2): they are known only after decrypting (-i).
                    string sealedPart = report.SegmentsDecrypted > 0
                        ? string.Create(CultureInfo.InvariantCulture, $"keys {session.Counts.Keys}, mouse {session.Counts.Mouse}, frames {session.Counts.Frames}, markers {session.Counts.Markers}, ")
                        : "counts sealed (give -i), ";
                    string end = report.SegmentsDecrypted > 0 || !session.Ended ? session.EndReason.ToString() : "sealed (ended)";
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"session {session.SessionId:D}: segments {session.FirstIndex}..{session.LastIndex} ({session.SegmentsHeld} held, {session.Tombstones} acknowledged), "
                        + $"{session.WallClockStart:O} .. {session.WallClockEnd:O}, {sealedPart}"
                        + $"{session.CiphertextBytes} bytes, end {end}"));
                }

                foreach (VerificationIssue warning in report.Warnings)
                {
                    stdout.WriteLine($"warning: {warning.Problem}: {warning.Message}");
                }

                foreach (VerificationIssue error in report.Errors)
                {
                    stdout.WriteLine($"error: {error.Problem}: {error.Message}");
                }

                string decryptedSummary = identities is null
                    ? string.Empty
                    : string.Create(CultureInfo.InvariantCulture, $"; decrypted {report.SegmentsDecrypted}: keys {keys}, mouse {mouse}, frames {frames}, markers {markers}");
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"verify: {(report.IsValid ? "OK" : "FAILED")}: {report.Sessions.Count} session(s), {report.Sessions.Sum(session => session.SegmentsHeld)} segment(s), {report.Errors.Count} error(s), {report.Warnings.Count} warning(s){decryptedSummary}"));
                return report.IsValid ? 0 : ExitCodes.Failed;
            }
            finally
            {
                if (identities is not null)
                {
                    foreach (AgeIdentity item in identities)
                    {
                        item.Dispose();
                    }
                }
            }
        });
        return command;
    }
}
