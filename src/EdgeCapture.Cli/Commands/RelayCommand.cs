using System.CommandLine;
using System.Globalization;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Relay;
using EdgeCapture.Relay.Simulation;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture relay</c>: keyboards and mice (evdev) to the USB HID gadget. On the box: <c>--input-dir /dev/input</c>
/// with <c>/dev/hidg0..2</c>. Anywhere: FIFOs or files for both sides. <c>--simulate</c> runs the real reader and writer on
/// a scripted user through private FIFOs and prints what the host would receive.
/// Input only ever comes from the devices: no option lets the command type by itself into a real gadget.
/// </summary>
internal static class RelayCommand
{
    public static Command Create()
    {
        var keyboards = new Option<string[]>("--keyboard") { Description = "A keyboard event node, or a FIFO/file standing in for one; repeatable." };
        var mice = new Option<string[]>("--mouse") { Description = "A mouse event node, or a FIFO/file standing in for one; repeatable." };
        var consumers = new Option<string[]>("--consumer") { Description = "A consumer-control (media keys) event node or stand-in; repeatable." };
        var inputDirectory = new Option<string?>("--input-dir") { Description = "Watch this directory for event* nodes and classify them (on the box: /dev/input)." };
        var keyboardGadget = new Option<string?>("--hidg-keyboard") { Description = "Keyboard gadget endpoint (on the box: /dev/hidg0), or a FIFO/file." };
        var mouseGadget = new Option<string?>("--hidg-mouse") { Description = "Mouse gadget endpoint (on the box: /dev/hidg1), or a FIFO/file." };
        var consumerGadget = new Option<string?>("--hidg-consumer") { Description = "Consumer-control gadget endpoint (on the box: /dev/hidg2), or a FIFO/file." };
        var outputReports = new Option<string?>("--keyboard-output-reports") { Description = "For a stand-in keyboard endpoint: where the host's LED reports are read from." };
        var udcState = new Option<string?>("--udc-state") { Description = "UDC state file polled after ESHUTDOWN (on the box: /sys/class/udc/<udc>/state)." };
        var simulate = new Option<bool>("--simulate") { Description = "Run on a scripted user through private FIFOs and print the decoded gadget reports." };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated user (with --simulate).", DefaultValueFactory = _ => 1 };
        var speed = new Option<double>("--speed") { Description = "Playback speed of the simulated user (with --simulate; 1 = real time).", DefaultValueFactory = _ => 1.0 };
        var duration = new Option<double?>("--duration") { Description = "Seconds to run (default: 20 with --simulate, until Ctrl+C otherwise)." };

        var command = new Command("relay", "Relay keyboards and mice to the USB HID gadget (or, with --simulate, show it working on a scripted user).");
        foreach (Option option in new Option[] { keyboards, mice, consumers, inputDirectory, keyboardGadget, mouseGadget, consumerGadget, outputReports, udcState, simulate, seed, speed, duration })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            using ILoggerFactory loggerFactory = LoggerFactory.Create(builder => builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
            double? seconds = parseResult.GetValue(duration);
            if (seconds is <= 0)
            {
                await stderr.WriteLineAsync("relay: --duration must be positive.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (parseResult.GetValue(simulate))
            {
                double playback = parseResult.GetValue(speed);
                if (playback <= 0)
                {
                    await stderr.WriteLineAsync("relay: --speed must be positive.").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                return await SimulateAsync(stdout, parseResult.GetValue(seed), TimeSpan.FromSeconds(seconds ?? 20), playback, loggerFactory, cancellationToken).ConfigureAwait(false);
            }

            var configuration = new RelayConfiguration
            {
                Devices =
                [
                    .. Devices(parseResult.GetValue(keyboards), InputDeviceKind.Keyboard),
                    .. Devices(parseResult.GetValue(mice), InputDeviceKind.Mouse),
                    .. Devices(parseResult.GetValue(consumers), InputDeviceKind.ConsumerControl),
                ],
                InputDirectory = parseResult.GetValue(inputDirectory),
                KeyboardGadgetPath = parseResult.GetValue(keyboardGadget),
                MouseGadgetPath = parseResult.GetValue(mouseGadget),
                ConsumerControlGadgetPath = parseResult.GetValue(consumerGadget),
                KeyboardOutputReportPath = parseResult.GetValue(outputReports),
                Relay = new HidRelayOptions { UdcStatePath = parseResult.GetValue(udcState) },
            };
            if (configuration.Devices.Count == 0 && configuration.InputDirectory is null)
            {
                await stderr.WriteLineAsync("relay: nothing to read: give --keyboard/--mouse/--consumer or --input-dir (or --simulate).").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (configuration.KeyboardGadgetPath is null && configuration.MouseGadgetPath is null && configuration.ConsumerControlGadgetPath is null)
            {
                await stderr.WriteLineAsync("relay: nowhere to write: give --hidg-keyboard/--hidg-mouse/--hidg-consumer (or --simulate).").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await RunAsync(stdout, stderr, configuration, seconds, loggerFactory, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static IEnumerable<EvdevDeviceOptions> Devices(string[]? paths, InputDeviceKind kind) =>
        (paths ?? []).Select(path => new EvdevDeviceOptions(path) { Kind = kind });

    private static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, RelayConfiguration configuration, double? seconds, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        RelayService service;
        try
        {
            service = new RelayService(configuration, TimeProvider.System, tap: null, loggerFactory);
        }
        catch (IOException error)
        {
            await stderr.WriteLineAsync($"relay: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }

        using (service)
        {
            try
            {
                service.Start();
            }
            catch (Exception error) when (error is IOException or DirectoryNotFoundException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"relay: {error.Message}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }

            await stdout.WriteLineAsync($"relay: running with {service.DeviceCount} device(s){(configuration.InputDirectory is null ? string.Empty : $", watching {configuration.InputDirectory}")}; Ctrl+C stops it.").ConfigureAwait(false);
            try
            {
                await Task.Delay(seconds is null ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds.Value), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop cleanly below (all-released reports go out).
            }

            service.Stop();
            await stdout.WriteLineAsync(Summary(service)).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<int> SimulateAsync(TextWriter stdout, int seed, TimeSpan length, double speed, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        DesktopActivityScript script = DesktopActivityScript.CreateDefault(seed, length);
        await stdout.WriteLineAsync($"EdgeCapture relay on simulated hardware (seed {seed}): a scripted user types and moves the mouse;").ConfigureAwait(false);
        await stdout.WriteLineAsync("its evdev events go through FIFOs into the real reader, and the real gadget writer's reports are decoded below.").ConfigureAwait(false);
        RelaySimulationResult result = await RelaySimulation.RunAsync(script, speed, line => stdout.WriteLine(line), TimeProvider.System, loggerFactory, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"summary: {result.InputEvents} evdev events in -> {result.KeyboardReports} keyboard, {result.MouseReports} mouse, {result.ConsumerReports} consumer reports out (mouse motion coalesced per report while the host is busy); recording tap received {result.TapEvents} events, dropped {result.TapDropped}; bad input skipped: {result.BadInput}.")).ConfigureAwait(false);
        await stdout.WriteLineAsync(ApplianceRun.DescribeTyping(result.Typing)).ConfigureAwait(false);
        return 0;
    }

    private static string Summary(RelayService service)
    {
        HidRelayCounters relay = service.RelayCounters;
        EvdevReaderCounters reader = service.ReaderCounters;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"relay: {relay.EventsRelayed} events relayed; reports: {relay.KeyboardReports} keyboard, {relay.MouseReports} mouse, {relay.ConsumerReports} consumer; host busy (EAGAIN) {relay.WouldBlock}, host away (ESHUTDOWN) {relay.Shutdowns}, resynchronised {relay.Resynchronisations}; unmapped keys {relay.UnmappedKeys}; bad input skipped {reader.BadInput}; SYN_DROPPED {reader.SynDropped}; LED reports {relay.LedReports}.");
    }
}
