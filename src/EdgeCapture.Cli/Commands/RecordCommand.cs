using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeCapture.Appliance;
using EdgeCapture.Appliance.Hardware;
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
/// no USB), a simulated privacy switch (<c>--private-at</c>/<c>--public-at</c>), optional simulated video. With
/// <c>--simulated-privacy</c>: the given input (nodes, or FIFOs/files of evdev bytes) with a simulated switch, indicator and
/// forget button on the same schedule options (a bench check from outside the test suite). Otherwise the given device
/// paths and the GPIO pinout. Prints one <c>sealed ...</c> line per segment once it is durable, then a summary.
/// <c>edgecapture verify</c>: the custodian's check of an outbox (signatures, hash chains; with <c>-i</c>, decryption).
/// </summary>
internal static class RecordCommand
{
    public static Command CreateRecord()
    {
        var dataDirectory = new Option<string>("--data-dir") { Description = "Where the outbox (outbox.db) and the device key live.", Required = true };
        var duration = new Option<double?>("--duration") { Description = "Seconds to record (default: 20 with --simulate; otherwise until Ctrl+C, or until every --keyboard/--mouse has ended)." };
        var recipients = new Option<string[]>("--recipient", "-r") { Description = "An age recipient (age1...) to encrypt to: the custodian, optionally the employee; repeatable." };
        var recipientsFile = new Option<string?>("--recipients-file", "-R") { Description = "A file of age recipients, one per line." };
        var deviceKey = new Option<string?>("--device-key") { Description = "The device signing key (created 0600 if absent; default <data-dir>/device.key)." };
        var deviceId = new Option<string?>("--device-id") { Description = "The device identifier in manifests (default: host name)." };
        var simulate = new Option<bool>("--simulate") { Description = "Scripted user through the real relay on private FIFOs, and a simulated privacy switch; reads no --keyboard/--mouse." };
        var simulatedPrivacy = new Option<bool>("--simulated-privacy")
        {
            Description = "Record the --keyboard/--mouse given (event nodes, or FIFOs/files of 24-byte input_events) with a simulated switch, "
                + "indicator and forget button (GPIO lines of a simulated chip) driven by --private-at/--public-at/--forget-at; no pinout is read. "
                + "Without --hidg-* the input is recorded only, never relayed. For bench checks.",
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated user.", DefaultValueFactory = _ => 1 };
        var privateAt = new Option<double[]>("--private-at") { Description = "With --simulate or --simulated-privacy: seconds after the start at which the switch goes private (0: from the start); repeatable." };
        var publicAt = new Option<double[]>("--public-at") { Description = "With --simulate or --simulated-privacy: seconds after the start at which the switch goes public again; repeatable." };
        var forgetAt = new Option<double[]>("--forget-at") { Description = "With --simulate or --simulated-privacy: seconds after the start at which the forget button is pressed (forgets the 2 minutes before); repeatable." };
        var video = new Option<bool>("--video") { Description = "With --simulate: also capture a simulated screen (JPEG frames)." };
        var keyboards = new Option<string[]>("--keyboard") { Description = "A keyboard event node, or with --simulated-privacy a FIFO/file standing in for one; repeatable." };
        var mice = new Option<string[]>("--mouse") { Description = "A mouse event node, or with --simulated-privacy a FIFO/file standing in for one; repeatable." };
        var inputDirectory = new Option<string?>("--input-dir") { Description = "Watch this directory for event nodes (on the box: /dev/input)." };
        var keyboardGadget = new Option<string?>("--hidg-keyboard") { Description = "Keyboard gadget endpoint (on the box: /dev/hidg0)." };
        var mouseGadget = new Option<string?>("--hidg-mouse") { Description = "Mouse gadget endpoint (on the box: /dev/hidg1)." };
        var consumerGadget = new Option<string?>("--hidg-consumer") { Description = "Consumer-control gadget endpoint (on the box: /dev/hidg2)." };
        var pinout = new Option<string>("--pinout") { Description = $"The GPIO pinout (without --simulate/--simulated-privacy; default {PinoutLoader.InstalledPath}).", DefaultValueFactory = _ => PinoutLoader.InstalledPath };
        var segmentSeconds = new Option<double>("--segment-seconds") { Description = "Seal a segment at least this often.", DefaultValueFactory = _ => 5 };
        var quota = new Option<long?>("--quota-bytes") { Description = "Outbox quota in bytes (default 1 GiB)." };

        var command = new Command(
            "record",
            "Relay and record: privacy gate, recorder, encrypted signed segments into the outbox in --data-dir. When every --keyboard/--mouse "
            + "has reached end of input (a FIFO's writer closed it, a file was read to its end, a node was unplugged; not with --input-dir), "
            + "the open segment is sealed and record exits 0: a path that ended is never reopened.");
        foreach (Option option in new Option[] { dataDirectory, duration, recipients, recipientsFile, deviceKey, deviceId, simulate, simulatedPrivacy, seed, privateAt, publicAt, forgetAt, video, keyboards, mice, inputDirectory, keyboardGadget, mouseGadget, consumerGadget, pinout, segmentSeconds, quota })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            bool simulated = parseResult.GetValue(simulate);
            bool privacySimulated = parseResult.GetValue(simulatedPrivacy);
            double? seconds = parseResult.GetValue(duration) ?? (simulated ? 20 : null);
            if (seconds is <= 0 || parseResult.GetValue(segmentSeconds) is < 0.1 or > 600)
            {
                await stderr.WriteLineAsync("record: --duration must be positive and --segment-seconds between 0.1 and 600.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var schedule = new SimulatedPrivacySchedule
            {
                PrivateAt = parseResult.GetValue(privateAt) ?? [],
                PublicAt = parseResult.GetValue(publicAt) ?? [],
                ForgetAt = parseResult.GetValue(forgetAt) ?? [],
            };
            string[] keyboardPaths = parseResult.GetValue(keyboards) ?? [];
            string[] mousePaths = parseResult.GetValue(mice) ?? [];
            string? watched = parseResult.GetValue(inputDirectory);
            bool withVideo = parseResult.GetValue(video);
            if (ModeProblem(simulated, privacySimulated, keyboardPaths.Length + mousePaths.Length > 0 || watched is not null, schedule, withVideo, parseResult.GetResult(pinout) is { Implicit: false }) is { } problem)
            {
                await stderr.WriteLineAsync($"record: {problem}").ConfigureAwait(false);
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

            var configuration = new ApplianceConfiguration
            {
                DataDirectory = Path.GetFullPath(parseResult.GetValue(dataDirectory)!),
                Recipients = ageRecipients,
                DeviceKeyPath = parseResult.GetValue(deviceKey),
                DeviceId = parseResult.GetValue(deviceId) ?? Environment.MachineName,
                PinoutPath = parseResult.GetValue(pinout)!,
                InputDirectory = watched,
                Keyboards = keyboardPaths,
                Mice = mousePaths,
                KeyboardGadget = parseResult.GetValue(keyboardGadget),
                MouseGadget = parseResult.GetValue(mouseGadget),
                ConsumerControlGadget = parseResult.GetValue(consumerGadget),
                SegmentSeconds = parseResult.GetValue(segmentSeconds),
                QuotaBytes = parseResult.GetValue(quota) ?? (1L << 30),
                VideoSource = simulated && withVideo ? VideoSourceKind.Simulated : VideoSourceKind.None,
            };
            if (privacySimulated)
            {
                // A bench check relays only to the endpoints it names: without --hidg-* the input is recorded, never typed anywhere.
                configuration = configuration with { Gadget = null };
            }

            ApplianceHardware hardware = simulated
                ? new SimulatedHardware(new ApplianceSimulation
                {
                    Seed = parseResult.GetValue(seed),
                    ScriptLength = TimeSpan.FromSeconds(seconds ?? 3600),
                    PrivateAt = schedule.PrivateAt,
                    PublicAt = schedule.PublicAt,
                    ForgetAt = schedule.ForgetAt,
                })
                : privacySimulated ? new SimulatedPrivacyHardware(schedule) : DeviceHardware.Instance;
            bool endAtEndOfInput = !simulated && watched is null;
            return await ApplianceRun.RunAsync("record", configuration, hardware, seconds, endAtEndOfInput, stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Why the options given do not make one way of recording, or null when they do.</summary>
    private static string? ModeProblem(bool simulated, bool privacySimulated, bool hasInput, SimulatedPrivacySchedule schedule, bool withVideo, bool pinoutGiven)
    {
        bool scheduled = schedule.PrivateAt.Count + schedule.PublicAt.Count + schedule.ForgetAt.Count > 0;
        return (simulated, privacySimulated) switch
        {
            (true, true) => "--simulate and --simulated-privacy exclude each other: --simulate types a scripted user, --simulated-privacy records the --keyboard/--mouse you give.",
            (true, false) when hasInput => "--simulate types a scripted user and reads no --keyboard/--mouse/--input-dir; to record real input with a simulated switch, use --simulated-privacy instead.",
            (false, true) when !hasInput => "nothing to read: --simulated-privacy records the --keyboard/--mouse (or --input-dir) you give.",
            (false, true) when pinoutGiven => "--pinout and --simulated-privacy exclude each other: the switch, indicator and button are simulated, no pinout is read.",
            (false, false) when scheduled => "--private-at/--public-at/--forget-at drive a simulated switch and button: give --simulated-privacy (with --keyboard/--mouse) or --simulate; without them the pinout's switch decides.",
            (false, false) when !hasInput => "nothing to read: give --keyboard/--mouse or --input-dir (or --simulate, or --simulated-privacy with them).",
            (false, _) when withVideo => "--video is the simulated screen of --simulate.",
            _ when schedule.PrivateAt.Concat(schedule.PublicAt).Concat(schedule.ForgetAt).Any(at => at < 0 || !double.IsFinite(at)) => "--private-at/--public-at/--forget-at are seconds after the start: 0 or more.",
            _ => null,
        };
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
