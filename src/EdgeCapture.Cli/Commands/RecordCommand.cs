using System.CommandLine;
using System.Device.Gpio;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using EdgeCapture.Crypto;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Pinout;
using EdgeCapture.Privacy.Simulation;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Relay;
using EdgeCapture.Storage;
using EdgeCapture.Video;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging;
using MonotonicClock = EdgeCapture.Privacy.MonotonicClock;

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
    /// <summary>Exit code: bad options.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code: a device, key or database could not be opened.</summary>
    public const int DeviceError = 3;

    /// <summary>Exit code (verify): the outbox failed verification.</summary>
    public const int VerificationFailed = 1;

    private const int SwitchLine = 5;
    private const int LedLine = 26;
    private const int ButtonLine = 6;

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
                return UsageError;
            }

            List<AgeRecipient> ageRecipients;
            try
            {
                ageRecipients = LoadRecipients(parseResult.GetValue(recipients), parseResult.GetValue(recipientsFile));
            }
            catch (Exception error) when (error is AgeException or IOException or FormatException or ArgumentException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"record: {error.Message}").ConfigureAwait(false);
                return UsageError;
            }

            if (ageRecipients.Count == 0)
            {
                await stderr.WriteLineAsync("record: give the custodian's recipient with --recipient age1... or --recipients-file.").ConfigureAwait(false);
                return UsageError;
            }

            var settings = new RecordSettings(
                Path.GetFullPath(parseResult.GetValue(dataDirectory)!),
                seconds,
                ageRecipients,
                parseResult.GetValue(deviceKey),
                parseResult.GetValue(deviceId) ?? Environment.MachineName,
                simulated,
                parseResult.GetValue(seed),
                parseResult.GetValue(privateAt) ?? [],
                parseResult.GetValue(publicAt) ?? [],
                parseResult.GetValue(forgetAt) ?? [],
                parseResult.GetValue(video),
                [
                    .. (parseResult.GetValue(keyboards) ?? []).Select(path => new EvdevDeviceOptions(path) { Kind = InputDeviceKind.Keyboard }),
                    .. (parseResult.GetValue(mice) ?? []).Select(path => new EvdevDeviceOptions(path) { Kind = InputDeviceKind.Mouse }),
                ],
                parseResult.GetValue(inputDirectory),
                parseResult.GetValue(keyboardGadget),
                parseResult.GetValue(mouseGadget),
                parseResult.GetValue(consumerGadget),
                parseResult.GetValue(pinout)!,
                TimeSpan.FromSeconds(parseResult.GetValue(segmentSeconds)),
                parseResult.GetValue(quota));
            return await RecordAsync(settings, stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record RecordSettings(
        string DataDirectory,
        double? Seconds,
        IReadOnlyList<AgeRecipient> Recipients,
        string? DeviceKeyPath,
        string DeviceId,
        bool Simulate,
        int Seed,
        double[] PrivateAt,
        double[] PublicAt,
        double[] ForgetAt,
        bool Video,
        IReadOnlyList<EvdevDeviceOptions> Devices,
        string? InputDirectory,
        string? KeyboardGadget,
        string? MouseGadget,
        string? ConsumerGadget,
        string PinoutPath,
        TimeSpan SegmentDuration,
        long? QuotaBytes);

    private static List<AgeRecipient> LoadRecipients(string[]? texts, string? file)
    {
        var list = new List<AgeRecipient>();
        foreach (string text in texts ?? [])
        {
            list.Add(AgeRecipient.Parse(text));
        }

        if (file is not null)
        {
            using var reader = new StreamReader(file);
            list.AddRange(AgeRecipient.ParseList(reader));
        }

        return list;
    }

    private static async Task<int> RecordAsync(RecordSettings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!settings.Simulate && settings.Devices.Count == 0 && settings.InputDirectory is null)
        {
            await stderr.WriteLineAsync("record: nothing to read: give --keyboard/--mouse or --input-dir (or --simulate).").ConfigureAwait(false);
            return UsageError;
        }

        using ILoggerFactory loggerFactory = LoggerFactory.Create(builder => builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
        Directory.CreateDirectory(settings.DataDirectory);
        MonotonicClock clock = MonotonicClock.System;
        TimeProvider time = clock.TimeProvider;
        DeviceSigningKey signingKey;
        SegmentOutbox outbox;
        try
        {
            signingKey = DeviceSigningKey.LoadOrCreate(settings.DeviceKeyPath ?? Path.Combine(settings.DataDirectory, "device.key"), time.GetUtcNow());
        }
        catch (Exception error) when (error is DeviceKeyFormatException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"record: device key: {error.Message}").ConfigureAwait(false);
            return DeviceError;
        }

        try
        {
            outbox = SegmentOutbox.Open(Path.Combine(settings.DataDirectory, "outbox.db"), new OutboxOptions { QuotaBytes = settings.QuotaBytes ?? (1L << 30) }, loggerFactory.CreateLogger<SegmentOutbox>(), time);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            signingKey.Dispose();
            await stderr.WriteLineAsync($"record: outbox: {error.Message}").ConfigureAwait(false);
            return DeviceError;
        }

        if (outbox.StartupRecovery is { } recovery)
        {
            await stderr.WriteLineAsync($"record: the outbox was unusable ({recovery.Reason}: {recovery.Detail}); moved aside to {recovery.MovedAsidePath}, a fresh one was created.").ConfigureAwait(false);
        }

        var simulatedDriver = new SimulatedGpioDriver();
        var privacyOptions = new PrivacyOptions();
        PrivacyHardware hardware;
        if (settings.Simulate)
        {
            simulatedDriver.SetExternalLevel(SwitchLine, settings.PrivateAt.Contains(0) ? PinValue.High : PinValue.Low);
            simulatedDriver.SetExternalLevel(ButtonLine, PinValue.High);
            var pinout = new PinoutDocument(
                "simulated",
                0,
                GpioDriverChoice.Auto,
                new PrivacySwitchPin(SwitchLine, null, LinePull.Up, PinValue.High),
                new RecordingIndicatorPin(LedLine, null, PinValue.High),
                new ForgetButtonPin(ButtonLine, null, LinePull.Up, PinValue.Low));
            hardware = PrivacyHardware.Start(pinout, privacyOptions, clock, loggerFactory, _ => simulatedDriver);
        }
        else
        {
            hardware = PrivacyHardware.Start(settings.PinoutPath, privacyOptions, clock, loggerFactory);
        }

        var outputLock = new Lock();
        void Line(string text)
        {
            lock (outputLock)
            {
                stdout.WriteLine(text);
                stdout.Flush();
            }
        }

        var tap = new InputTap(16384);
        var recorderOptions = new RecorderOptions
        {
            DeviceId = settings.DeviceId,
            SegmentMaximumDuration = settings.SegmentDuration,
            Screen = settings.Video ? new ScreenDescription(DesktopActivityScript.ScreenWidth, DesktopActivityScript.ScreenHeight, "jpeg") : null,
        };
        using var sink = new OutboxSegmentSink(outbox, settings.Recipients, signingKey, settings.DeviceId, time, loggerFactory.CreateLogger<OutboxSegmentSink>());
        using var recorder = new Recorder(recorderOptions, new PrivacyTimelineGate(hardware.Timeline), sink, clock, loggerFactory.CreateLogger<Recorder>(), info =>
            Line(string.Create(CultureInfo.InvariantCulture, $"sealed {info.SessionId:D}/{info.SegmentIndex} records={info.Counts.Total} keys={info.Counts.Keys} mouse={info.Counts.Mouse} frames={info.Counts.Frames} bytes={info.CiphertextLength} end={info.EndReason}")));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.StartNew();
        SimulatedRelay? simulation = null;
        RelayService? relay = null;
        CaptureStage? capture = null;
        Channel<CaptureRecord>? noCaptures = null;
        Task recording = Task.CompletedTask;
        Task captureTask = Task.CompletedTask;
        var scheduled = new List<Task>();
        int exitCode = 0;
        try
        {
            DesktopActivityScript script = DesktopActivityScript.CreateDefault(settings.Seed, TimeSpan.FromSeconds(settings.Seconds ?? 3600));
            if (settings.Simulate)
            {
                simulation = SimulatedRelay.Start(script, tap, loggerFactory);
                relay = simulation.Service;
            }
            else
            {
                relay = new RelayService(
                    new RelayConfiguration
                    {
                        Devices = settings.Devices,
                        InputDirectory = settings.InputDirectory,
                        KeyboardGadgetPath = settings.KeyboardGadget,
                        MouseGadgetPath = settings.MouseGadget,
                        ConsumerControlGadgetPath = settings.ConsumerGadget,
                    },
                    time,
                    tap,
                    loggerFactory);
                relay.Start();
            }

            if (settings.Simulate && settings.Video)
            {
                var source = new SimulatedDesktopSource(script, new SimulatedSourceOptions { FramesPerSecond = 10, Seed = settings.Seed }, time);
                capture = new CaptureStage(source, new DelegateRecordingGate(hardware.Timeline.IsRecordable), new CaptureStageOptions(), time, loggerFactory.CreateLogger<CaptureStage>());
                captureTask = Task.Run(() => capture.RunAsync(stop.Token), CancellationToken.None);
            }

            noCaptures = Channel.CreateBounded<CaptureRecord>(1);
            recording = recorder.RunAsync(tap.Reader, capture?.Records ?? noCaptures.Reader, () => tap.DroppedEventCount, stop.Token);
            Line($"record: recording to {settings.DataDirectory} ({(settings.Simulate ? "simulated user, switch and relay" : "devices")}); privacy: {hardware.Status.State} ({hardware.Status.Reason})");

            if (settings.Simulate)
            {
                foreach (double at in settings.PrivateAt.Where(at => at > 0))
                {
                    scheduled.Add(At(at, () => { simulatedDriver.SetExternalLevel(SwitchLine, PinValue.High); Line($"switch: private at {at:0.###} s"); }, stop.Token));
                }

                foreach (double at in settings.PublicAt)
                {
                    scheduled.Add(At(at, () => { simulatedDriver.SetExternalLevel(SwitchLine, PinValue.Low); Line($"switch: public at {at:0.###} s"); }, stop.Token));
                }

                foreach (double at in settings.ForgetAt)
                {
                    scheduled.Add(At(at, () =>
                    {
                        ForgetOutcome outcome = recorder.RequestForget(privacyOptions.ForgetWindow);
                        Line($"forget: last {privacyOptions.ForgetWindow.TotalMinutes:0.#} min at {at:0.###} s: {outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted");
                    }, stop.Token));
                }
            }

            Task forgetButton = ForwardForgetRequestsAsync(hardware, recorder, Line, stop.Token);
            try
            {
                await Task.Delay(settings.Seconds is { } limit ? TimeSpan.FromSeconds(limit) : Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop cleanly.
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await forgetButton.ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
        {
            await stderr.WriteLineAsync($"record: {error.Message}").ConfigureAwait(false);
            exitCode = DeviceError;
            await stop.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            simulation?.Dispose();
            if (simulation is null)
            {
                relay?.Dispose();
            }

            tap.Complete();
            await recording.ConfigureAwait(false);
            await captureTask.ConfigureAwait(false);
            foreach (Task task in scheduled)
            {
                await task.ConfigureAwait(false);
            }

            capture?.Dispose();
            hardware.Dispose();
        }

        RecorderStatistics statistics = recorder.GetStatistics();
        Line(string.Create(CultureInfo.InvariantCulture,
            $"summary: {started.Elapsed.TotalSeconds:0.0} s, sessions {statistics.SessionsStarted}, segments sealed {statistics.SegmentsSealed} (lost {statistics.SegmentsLost}), "
            + $"events received {statistics.EventsReceived}, accepted {statistics.EventsAccepted}, gated {statistics.EventsGated}, dropped by tap {statistics.EventsDroppedByTap}, "
            + $"dropped by recorder {statistics.EventsDroppedByRecorder}, suppressed keys {statistics.KeyEventsSuppressed}, forgotten {statistics.EventsForgotten}, "
            + $"records: keys {statistics.KeyRecords}, mouse {statistics.MouseRecords}, frames {statistics.FramesRecorded} (gated {statistics.FramesGated}, dropped {statistics.FramesDropped}); "
            + $"bytes: plaintext {statistics.PlaintextBytesSealed} -> ciphertext {statistics.CiphertextBytesSealed}; outbox holds {outbox.StoredBytes} bytes; state {statistics.State}"));
        outbox.Dispose();
        signingKey.Dispose();
        return exitCode;
    }

    private static async Task At(double seconds, Action action, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
            action();
        }
        catch (OperationCanceledException)
        {
            // The run ended first.
        }
    }

    private static async Task ForwardForgetRequestsAsync(PrivacyHardware hardware, Recorder recorder, Action<string> line, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (ForgetRequest request in hardware.ForgetRequests.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                ForgetOutcome outcome = recorder.RequestForget(request.Window);
                line($"forget button: {outcome.Deleted} segment(s) deleted, {outcome.Retracted} retracted");
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
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
                return UsageError;
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
                return UsageError;
            }

            IReadOnlyList<AgeIdentity>? identities = null;
            if (parseResult.GetValue(identity) is { } identityPath && !CliFiles.TryLoadIdentities(identityPath, stderr, "verify", out identities))
            {
                return UsageError;
            }

            try
            {
                using var outbox = SegmentOutbox.Open(databasePath, new OutboxOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
                if (outbox.StartupRecovery is { } recovery)
                {
                    stderr.WriteLine($"verify: the outbox was unusable ({recovery.Reason}: {recovery.Detail}); moved aside to {recovery.MovedAsidePath}.");
                    return VerificationFailed;
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
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"session {session.SessionId:D}: segments {session.FirstIndex}..{session.LastIndex} ({session.SegmentsHeld} held, {session.Tombstones} acknowledged), "
                        + $"{session.WallClockStart:O} .. {session.WallClockEnd:O}, keys {session.Counts.Keys}, mouse {session.Counts.Mouse}, frames {session.Counts.Frames}, markers {session.Counts.Markers}, "
                        + $"{session.CiphertextBytes} bytes, end {session.EndReason}"));
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
                return report.IsValid ? 0 : VerificationFailed;
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

    /// <summary>
    /// The real relay (<see cref="RelayService"/>) on simulated devices: the scripted user's evdev bytes are written in real
    /// time into FIFOs the relay reads as keyboard and mouse; the gadget endpoints are FIFOs in a private temporary directory
    /// that are drained and discarded (no USB, no host). The relay offers every event to the recording tap.
    /// </summary>
    private sealed class SimulatedRelay : IDisposable
    {
        private readonly DirectoryInfo _directory;
        private readonly List<FileStream> _gadgets = [];
        private readonly List<Thread> _drains = [];
        private readonly CancellationTokenSource _stop = new();
        private FileStream? _keyboard;
        private FileStream? _mouse;
        private Task _feed = Task.CompletedTask;
        private volatile bool _stopping;

        private SimulatedRelay(DirectoryInfo directory)
        {
            _directory = directory;
        }

        public RelayService Service { get; private set; } = null!;

        public static SimulatedRelay Start(DesktopActivityScript script, InputTap tap, ILoggerFactory loggerFactory)
        {
            var simulation = new SimulatedRelay(Directory.CreateTempSubdirectory("edgecapture-record-simulation-"));
            try
            {
                string keyboardInput = simulation.MakeFifo("event-keyboard");
                string mouseInput = simulation.MakeFifo("event-mouse");
                string[] gadgets = [simulation.MakeFifo("hidg0"), simulation.MakeFifo("hidg1"), simulation.MakeFifo("hidg2")];
                foreach (string gadget in gadgets)
                {
                    // O_RDWR: never blocks on a FIFO, and keeps the relay's non-blocking writes from failing with ENXIO.
                    var stream = new FileStream(gadget, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);
                    simulation._gadgets.Add(stream);
                    var drain = new Thread(() => simulation.Drain(stream)) { IsBackground = true, Name = "gadget drain" };
                    drain.Start();
                    simulation._drains.Add(drain);
                }

                simulation.Service = new RelayService(
                    new RelayConfiguration
                    {
                        Devices =
                        [
                            new EvdevDeviceOptions(keyboardInput) { Kind = InputDeviceKind.Keyboard },
                            new EvdevDeviceOptions(mouseInput) { Kind = InputDeviceKind.Mouse },
                        ],
                        KeyboardGadgetPath = gadgets[0],
                        MouseGadgetPath = gadgets[1],
                        ConsumerControlGadgetPath = gadgets[2],
                    },
                    TimeProvider.System,
                    tap,
                    loggerFactory);
                simulation.Service.Start();
                simulation._keyboard = new FileStream(keyboardInput, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
                simulation._mouse = new FileStream(mouseInput, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
                simulation._feed = Task.Run(() => simulation.FeedAsync(script, simulation._stop.Token), CancellationToken.None);
                return simulation;
            }
            catch
            {
                simulation.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _feed.GetAwaiter().GetResult();
            }
            catch (IOException)
            {
                // The relay went away first.
            }

            // Unplug the simulated devices, then let the reader hand everything over.
            _keyboard?.Dispose();
            _mouse?.Dispose();
            if (Service is not null)
            {
                var waited = Stopwatch.StartNew();
                while (Service.Reader.DeviceCount > 0 && waited.Elapsed < TimeSpan.FromSeconds(5))
                {
                    Thread.Sleep(5);
                }

                Service.Dispose();
            }

            _stopping = true;
            foreach (FileStream gadget in _gadgets)
            {
                // Wake the drain thread blocked in read(2) so it sees _stopping.
                gadget.Write([0]);
                gadget.Flush();
            }

            foreach (Thread drain in _drains)
            {
                drain.Join(TimeSpan.FromSeconds(2));
            }

            foreach (FileStream gadget in _gadgets)
            {
                gadget.Dispose();
            }

            _stop.Dispose();
            _directory.Delete(recursive: true);
        }

        private void Drain(FileStream stream)
        {
            byte[] buffer = new byte[256];
            try
            {
                while (!_stopping && stream.Read(buffer) > 0)
                {
                    // The simulated host reads and discards the reports.
                }
            }
            catch (Exception error) when (error is IOException or ObjectDisposedException)
            {
                // Closed.
            }
        }

        private async Task FeedAsync(DesktopActivityScript script, CancellationToken cancellationToken)
        {
            long start = EdgeCapture.Input.MonotonicClock.NowNanoseconds(TimeProvider.System);
            IReadOnlyList<EvdevEvent> keyboard = DesktopActivityEvdev.KeyboardEvents(script, 0);
            IReadOnlyList<EvdevEvent> mouse = DesktopActivityEvdev.MouseEvents(script, 0);
            int keyIndex = 0;
            int mouseIndex = 0;
            byte[] buffer = new byte[InputEventCodec.EventSize * 64];
            var clock = Stopwatch.StartNew();
            while (!cancellationToken.IsCancellationRequested)
            {
                long nextKey = keyIndex < keyboard.Count ? keyboard[keyIndex].TimestampNanoseconds : long.MaxValue;
                long nextMouse = mouseIndex < mouse.Count ? mouse[mouseIndex].TimestampNanoseconds : long.MaxValue;
                long next = Math.Min(nextKey, nextMouse);
                if (next == long.MaxValue)
                {
                    return;
                }

                TimeSpan due = TimeSpan.FromTicks(next / 100) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(due, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                bool isKeyboard = next == nextKey;
                IReadOnlyList<EvdevEvent> events = isKeyboard ? keyboard : mouse;
                int index = isKeyboard ? keyIndex : mouseIndex;
                int length = 0;
                while (index < events.Count && length + InputEventCodec.EventSize <= buffer.Length)
                {
                    EvdevEvent inputEvent = events[index++];
                    InputEventCodec.Encode(inputEvent with { TimestampNanoseconds = start + inputEvent.TimestampNanoseconds }, buffer.AsSpan(length));
                    length += InputEventCodec.EventSize;
                    if (inputEvent.Type == EventTypes.Synchronization)
                    {
                        break;
                    }
                }

                if (isKeyboard)
                {
                    keyIndex = index;
                }
                else
                {
                    mouseIndex = index;
                }

                FileStream target = isKeyboard ? _keyboard! : _mouse!;
                target.Write(buffer, 0, length);
                target.Flush();
            }
        }

        private string MakeFifo(string name)
        {
            string path = Path.Combine(_directory.FullName, name);
            using var process = Process.Start(new ProcessStartInfo("mkfifo", ["-m", "600", path]) { UseShellExecute = false })
                ?? throw new IOException("mkfifo could not be started.");
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new IOException($"mkfifo {path} failed with exit code {process.ExitCode}.");
            }

            return path;
        }
    }
}
