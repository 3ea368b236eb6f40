// Long (about 500 lines) because it is one simulated run of the real relay end to end: the scripted evdev input, the
// FIFOs for the gadget, the host side that decodes what arrives, and the typing check; each part only serves the run.
using System.Globalization;
using EdgeCapture.Hid;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Relay.Simulation;

/// <summary>What a simulated run did.</summary>
/// <param name="InputEvents">evdev events fed to the reader.</param>
/// <param name="KeyboardReports">Keyboard reports decoded on the gadget side.</param>
/// <param name="MouseReports">Mouse reports decoded on the gadget side.</param>
/// <param name="ConsumerReports">Consumer-control reports decoded on the gadget side.</param>
/// <param name="TapEvents">Events the recording tap delivered.</param>
/// <param name="TapDropped">Events dropped for recording (never for relaying).</param>
/// <param name="BadInput">Bytes and events the reader skipped as bad input.</param>
/// <param name="Typing">The sentences the script typed completely, and how many of them the simulated host received intact and in order.</param>
public readonly record struct RelaySimulationResult(long InputEvents, long KeyboardReports, long MouseReports, long ConsumerReports, long TapEvents, long TapDropped, long BadInput, RelayTypingCheck Typing);

/// <summary>Typed sentences against what the simulated host's text field shows (<see cref="HostTypedText"/>).</summary>
/// <param name="SentencesTyped">Sentences whose every key the script fed to the relay.</param>
/// <param name="SentencesArrived">Of those, how many the host received intact, each after the one before.</param>
/// <param name="CharactersReceived">Characters the host received in all (shortcuts type none).</param>
/// <param name="LastSentence">The last sentence typed completely, or empty.</param>
public readonly record struct RelayTypingCheck(int SentencesTyped, int SentencesArrived, int CharactersReceived, string LastSentence)
{
    /// <summary>True when at least one sentence was typed and every typed sentence arrived.</summary>
    public bool IsIntact => SentencesTyped > 0 && SentencesArrived == SentencesTyped;
}

/// <summary>
/// Runs the real relay on simulated hardware: a <see cref="DesktopActivityScript"/> is written as evdev bytes into
/// FIFOs that the real reader reads, the real writer writes to FIFOs standing in for /dev/hidg0..2, and what it writes is
/// decoded and described. The gadget side is always a private temporary directory: this cannot type into a host.
/// </summary>
public static class RelaySimulation
{
    private static readonly TimeSpan MotionLinePeriod = TimeSpan.FromMilliseconds(150);

    /// <summary>Runs <paramref name="script"/> through the relay, calling <paramref name="writeLine"/> (from several threads, serialised) per line.</summary>
    /// <param name="script">The simulated user.</param>
    /// <param name="speed">Playback speed (1 = real time).</param>
    /// <param name="writeLine">Receives each output line.</param>
    /// <param name="timeProvider">Clock for pacing and for the relay.</param>
    /// <param name="loggerFactory">Loggers for the relay, or null.</param>
    /// <param name="cancellationToken">Stops the run early (the relay is still stopped cleanly).</param>
    /// <returns>Counts of what happened.</returns>
    public static Task<RelaySimulationResult> RunAsync(DesktopActivityScript script, double speed, Action<string> writeLine, TimeProvider timeProvider, ILoggerFactory? loggerFactory, CancellationToken cancellationToken) =>
        RunAsync(script, speed, writeLine, timeProvider, loggerFactory, tap: null, cancellationToken);

    /// <summary>
    /// Runs <paramref name="script"/> through the relay with the relay's recording tap given by the caller: a recorder
    /// composed around the simulated relay consumes <paramref name="tap"/> (the relay only offers to it, never waits on it).
    /// The run lasts until the script ends or <paramref name="cancellationToken"/> is cancelled; then the simulated devices
    /// are unplugged, the reader hands everything over and the relay stops (all-released reports). The caller's tap is not
    /// completed: its owner completes it once the relay has stopped.
    /// </summary>
    /// <param name="script">The simulated user.</param>
    /// <param name="speed">Playback speed (1 = real time).</param>
    /// <param name="writeLine">Receives each output line (from several threads, serialised).</param>
    /// <param name="timeProvider">Clock for pacing and for the relay.</param>
    /// <param name="loggerFactory">Loggers for the relay, or null.</param>
    /// <param name="tap">The recording tap the relay offers every event to, or null for a private one that is drained and counted.</param>
    /// <param name="cancellationToken">Stops the run early (the relay is still stopped cleanly).</param>
    /// <returns>Counts of what happened (<see cref="RelaySimulationResult.TapEvents"/> is 0 with a caller's tap: its consumer counts).</returns>
    public static Task<RelaySimulationResult> RunAsync(DesktopActivityScript script, double speed, Action<string> writeLine, TimeProvider timeProvider, ILoggerFactory? loggerFactory, InputTap? tap, CancellationToken cancellationToken) =>
        RunAsync(script, speed, writeLine, timeProvider, loggerFactory, tap, started: null, cancellationToken);

    /// <summary>As the overload without <paramref name="started"/>, and tells the caller the relay it started (for its counters).</summary>
    /// <param name="script">The simulated user.</param>
    /// <param name="speed">Playback speed (1 = real time).</param>
    /// <param name="writeLine">Receives each output line (from several threads, serialised).</param>
    /// <param name="timeProvider">Clock for pacing and for the relay.</param>
    /// <param name="loggerFactory">Loggers for the relay, or null.</param>
    /// <param name="tap">The recording tap the relay offers every event to, or null for a private one.</param>
    /// <param name="started">Called once with the running relay service (read its counters; it is disposed when the run ends).</param>
    /// <param name="cancellationToken">Stops the run early (the relay is still stopped cleanly).</param>
    /// <returns>Counts of what happened.</returns>
    public static Task<RelaySimulationResult> RunAsync(DesktopActivityScript script, double speed, Action<string> writeLine, TimeProvider timeProvider, ILoggerFactory? loggerFactory, InputTap? tap, Action<RelayService>? started, CancellationToken cancellationToken) =>
        RunAsync(script, speed, writeLine, timeProvider, loggerFactory, tap, started, new HidRelayOptions(), cancellationToken);

    /// <summary>
    /// As the overload without <paramref name="relayOptions"/>, with the relay's options given: the pointer mode (in
    /// <see cref="Hid.PointerMode.Absolute"/> the box integrates the motion on a screen of the options' size, sends
    /// positions, and offers them to the tap as EV_ABS pixels), the screen size, the acceleration, the queues.
    /// </summary>
    /// <param name="script">The simulated user.</param>
    /// <param name="speed">Playback speed (1 = real time).</param>
    /// <param name="writeLine">Receives each output line (from several threads, serialised).</param>
    /// <param name="timeProvider">Clock for pacing and for the relay.</param>
    /// <param name="loggerFactory">Loggers for the relay, or null.</param>
    /// <param name="tap">The recording tap the relay offers every event to, or null for a private one.</param>
    /// <param name="started">Called once with the running relay service, or null.</param>
    /// <param name="relayOptions">The relay's options (the gadget side is still the run's private FIFOs).</param>
    /// <param name="cancellationToken">Stops the run early (the relay is still stopped cleanly).</param>
    /// <returns>Counts of what happened.</returns>
    public static async Task<RelaySimulationResult> RunAsync(DesktopActivityScript script, double speed, Action<string> writeLine, TimeProvider timeProvider, ILoggerFactory? loggerFactory, InputTap? tap, Action<RelayService>? started, HidRelayOptions relayOptions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(relayOptions);
        ArgumentNullException.ThrowIfNull(writeLine);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(speed, 0);
        DirectoryInfo directory = Directory.CreateTempSubdirectory("edgecapture-relay-simulation-");
        var output = new LineWriter(writeLine, timeProvider);
        try
        {
            string keyboardInput = MakeFifo(directory, "event-keyboard");
            string mouseInput = MakeFifo(directory, "event-mouse");
            string keyboardGadget = MakeFifo(directory, "hidg0");
            string mouseGadget = MakeFifo(directory, "hidg1");
            string consumerGadget = MakeFifo(directory, "hidg2");
            string keyboardOutputReports = MakeFifo(directory, "hidg0-output");
            bool ownTap = tap is null;
            tap ??= new InputTap(4096);
            var configuration = new RelayConfiguration
            {
                Devices =
                [
                    new EvdevDeviceOptions(keyboardInput) { Kind = InputDeviceKind.Keyboard },
                    new EvdevDeviceOptions(mouseInput) { Kind = InputDeviceKind.Mouse },
                ],
                KeyboardGadgetPath = keyboardGadget,
                KeyboardOutputReportPath = keyboardOutputReports,
                MouseGadgetPath = mouseGadget,
                ConsumerControlGadgetPath = consumerGadget,
                Relay = relayOptions,
            };

            int keyboardFeed = OpenOrThrow(keyboardInput, Interop.O_RDWR);
            int mouseFeed = OpenOrThrow(mouseInput, Interop.O_RDWR);
            var hosts = new[]
            {
                new GadgetReader("keyboard", OpenOrThrow(keyboardGadget, Interop.O_RDONLY | Interop.O_NONBLOCK), KeyboardReportBuilder.ReportLength, output),
                new GadgetReader("mouse", OpenOrThrow(mouseGadget, Interop.O_RDONLY | Interop.O_NONBLOCK), MouseReport.ReportLength, output),
                new GadgetReader("consumer", OpenOrThrow(consumerGadget, Interop.O_RDONLY | Interop.O_NONBLOCK), ConsumerControlReportBuilder.ReportLength, output),
            };
            long tapEvents = 0;
            long inputEvents;
            IReadOnlyList<string> typedSentences;
            Task tapConsumer = !ownTap ? Task.CompletedTask : Task.Run(async () =>
            {
                await foreach (InputTapEvent tapEvent in tap.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    tapEvents++;
                }
            }, CancellationToken.None);
            RelayService service = new(configuration, timeProvider, tap, loggerFactory);
            try
            {
                service.Start();
                started?.Invoke(service);
                output.Line("simulation", $"script seed run of {script.Length.TotalSeconds:0.#} s at {speed:0.##}x: {script.Actions.Count} actions -> evdev FIFOs -> relay -> gadget FIFOs (no USB, no host)");
                (inputEvents, typedSentences) = await FeedAsync(script, speed, keyboardFeed, mouseFeed, output, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Unplug the simulated devices; wait until the reader has handed everything over.
                Interop.Close(keyboardFeed);
                Interop.Close(mouseFeed);
                using var stopWaiting = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (service.Reader.DeviceCount > 0 && !stopWaiting.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(5), timeProvider, CancellationToken.None).ConfigureAwait(false);
                }

                service.Dispose();
                if (ownTap)
                {
                    tap.Complete();
                }
            }

            foreach (GadgetReader host in hosts)
            {
                host.Join();
            }

            await tapConsumer.ConfigureAwait(false);
            string hostText = hosts[0].TypedText.Text;
            var typing = new RelayTypingCheck(typedSentences.Count, HostTypedText.CountInOrder(hostText, typedSentences), hostText.Length, typedSentences.Count > 0 ? typedSentences[^1] : string.Empty);
            return new RelaySimulationResult(
                inputEvents,
                hosts[0].Reports,
                hosts[1].Reports,
                hosts[2].Reports,
                tapEvents,
                tap.DroppedEventCount,
                service.Reader.Counters.BadInput,
                typing);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<(long Fed, IReadOnlyList<string> TypedSentences)> FeedAsync(DesktopActivityScript script, double speed, int keyboardFeed, int mouseFeed, LineWriter output, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        // Script time zero is "now" on the monotonic clock; events carry script times on that base.
        long start = MonotonicClock.For(timeProvider).NowNanoseconds;
        IReadOnlyList<EvdevEvent> keyboard = DesktopActivityEvdev.KeyboardEvents(script, 0);
        IReadOnlyList<EvdevEvent> mouse = DesktopActivityEvdev.MouseEvents(script, 0);
        IReadOnlyList<SimulatedAction> actions = script.Actions;
        int keyIndex = 0, mouseIndex = 0, actionIndex = 0;
        long fed = 0;
        long keyboardFedUntil = -1;
        var typingStarted = new List<SimulatedAction>();
        byte[] buffer = new byte[InputEventCodec.EventSize * 64];
        long startTimestamp = timeProvider.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            long nextKey = keyIndex < keyboard.Count ? keyboard[keyIndex].TimestampNanoseconds : long.MaxValue;
            long nextMouse = mouseIndex < mouse.Count ? mouse[mouseIndex].TimestampNanoseconds : long.MaxValue;
            long nextAction = actionIndex < actions.Count ? actions[actionIndex].At.Ticks * 100 : long.MaxValue;
            long next = Math.Min(nextKey, Math.Min(nextMouse, nextAction));
            if (next == long.MaxValue)
            {
                break;
            }

            TimeSpan due = TimeSpan.FromTicks((long)(next / 100 / speed)) - timeProvider.GetElapsedTime(startTimestamp);
            if (due > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(due, timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            if (next == nextAction)
            {
                SimulatedAction action = actions[actionIndex++];
                if (action.Kind == SimulatedActionKind.TypeText)
                {
                    typingStarted.Add(action);
                }

                output.Line("script", Describe(action));
                continue;
            }

            bool isKeyboard = next == nextKey;
            IReadOnlyList<EvdevEvent> events = isKeyboard ? keyboard : mouse;
            ref int index = ref isKeyboard ? ref keyIndex : ref mouseIndex;
            int length = 0;

            // One whole frame (up to its SYN_REPORT) per write, as a device would deliver it.
            while (index < events.Count && length + InputEventCodec.EventSize <= buffer.Length)
            {
                EvdevEvent inputEvent = events[index++];
                if (isKeyboard)
                {
                    keyboardFedUntil = inputEvent.TimestampNanoseconds;
                }

                InputEventCodec.Encode(inputEvent with { TimestampNanoseconds = start + (long)(inputEvent.TimestampNanoseconds / speed) }, buffer.AsSpan(length));
                length += InputEventCodec.EventSize;
                fed++;
                if (inputEvent.Type == EventTypes.Synchronization)
                {
                    break;
                }
            }

            WriteAll(isKeyboard ? keyboardFeed : mouseFeed, buffer.AsSpan(0, length));
        }

        // A sentence counts as typed once the keyboard events up to its end have all been fed (or all of them were).
        bool allKeysFed = keyIndex >= keyboard.Count;
        List<string> typed = [.. typingStarted.Where(action => allKeysFed || action.End.Ticks * 100 <= keyboardFedUntil).Select(action => action.Text)];
        return (fed, typed);
    }

    private static string Describe(SimulatedAction action) => action.Kind switch
    {
        SimulatedActionKind.TypeText => $"types \"{action.Text}\"",
        SimulatedActionKind.KeyChord => $"presses {string.Join('+', action.KeyCodes.Select(KeyName))}",
        SimulatedActionKind.MouseMove => $"moves the mouse by ({action.DeltaX:+0;-0}, {action.DeltaY:+0;-0}) over {action.Duration.TotalMilliseconds:0} ms",
        SimulatedActionKind.MouseButton => $"{(action.IsPress ? "presses" : "releases")} the {action.Button.ToString().ToLowerInvariant()} button",
        SimulatedActionKind.Scroll => $"scrolls {action.WheelDetents:+0;-0} detents{(action.PanDetents != 0 ? $", pans {action.PanDetents:+0;-0}" : string.Empty)}",
        SimulatedActionKind.Idle => $"pauses {action.Duration.TotalMilliseconds:0} ms",
        _ => action.Kind.ToString(),
    };

    private static string KeyName(ushort keyCode)
    {
        foreach (KeyUsageMapping mapping in LinuxKeyUsageTable.Mappings)
        {
            if (mapping.LinuxKeyCode == keyCode)
            {
                return mapping.LinuxKeyName.Replace("KEY_", string.Empty, StringComparison.Ordinal);
            }
        }

        return keyCode.ToString(CultureInfo.InvariantCulture);
    }

    private static string MakeFifo(DirectoryInfo directory, string name)
    {
        string path = Path.Combine(directory.FullName, name);
        if (Interop.MakeFifo(path, 0x180) != 0)
        {
            throw new IOException($"mkfifo {path}: errno {Interop.LastError}.");
        }

        return path;
    }

    private static int OpenOrThrow(string path, int flags)
    {
        int fileDescriptor = Interop.Open(path, flags | Interop.O_CLOEXEC, 0);
        return fileDescriptor >= 0 ? fileDescriptor : throw new IOException($"open {path}: errno {Interop.LastError}.");
    }

    private static unsafe void WriteAll(int fileDescriptor, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* pointer = bytes)
        {
            int offset = 0;
            while (offset < bytes.Length)
            {
                nint written = Interop.Write(fileDescriptor, pointer + offset, bytes.Length - offset);
                if (written < 0)
                {
                    throw new IOException($"write to a simulated device failed: errno {Interop.LastError}.");
                }

                offset += (int)written;
            }
        }
    }

    /// <summary>Serialises output lines and stamps them with the time since the start.</summary>
    private sealed class LineWriter(Action<string> writeLine, TimeProvider timeProvider)
    {
        private readonly Lock _lock = new();
        private readonly long _start = timeProvider.GetTimestamp();

        public TimeProvider TimeProvider => timeProvider;

        public void Line(string source, string text)
        {
            string line = string.Create(CultureInfo.InvariantCulture, $"[{timeProvider.GetElapsedTime(_start).TotalSeconds,7:0.000}s] {source,-10} {text}");
            lock (_lock)
            {
                writeLine(line);
            }
        }
    }

    /// <summary>The host's side of one gadget FIFO: reads reports until the relay closes it, and describes them.</summary>
    private sealed unsafe class GadgetReader
    {
        private readonly string _name;
        private readonly int _fileDescriptor;
        private readonly int _reportLength;
        private readonly LineWriter _output;
        private readonly Thread _thread;

        public GadgetReader(string name, int fileDescriptor, int reportLength, LineWriter output)
        {
            _name = name;
            _fileDescriptor = fileDescriptor;
            _reportLength = reportLength;
            _output = output;
            _thread = new Thread(Run) { IsBackground = true, Name = "simulated host " + name };
            _thread.Start();
        }

        public long Reports { get; private set; }

        /// <summary>What a text field on the host shows from this endpoint's keyboard reports.</summary>
        public HostTypedText TypedText { get; } = new();

        public void Join()
        {
            _thread.Join();
            Interop.Close(_fileDescriptor);
        }

        private void Run()
        {
            byte[] buffer = new byte[4096];
            int filled = 0;
            byte buttons = 0;
            long deltaX = 0, deltaY = 0, wheel = 0, pan = 0;
            int merged = 0;
            long firstMerged = 0;
            string? pendingKeys = null;
            while (true)
            {
                var entry = new PollFileDescriptor { fd = _fileDescriptor, events = Interop.POLLIN };
                int ready = Interop.Poll(&entry, 1, 100);
                nint read = 0;
                if (ready > 0)
                {
                    fixed (byte* pointer = buffer)
                    {
                        read = Interop.Read(_fileDescriptor, pointer + filled, buffer.Length - filled);
                    }

                    if (read == 0 || (read < 0 && Interop.LastError != Errno.EAGAIN))
                    {
                        break;
                    }
                }
                else
                {
                    // Quiet for a moment: show what is waiting.
                    FlushKeys(ref pendingKeys, null);
                    FlushMotion(ref deltaX, ref deltaY, ref wheel, ref pan, ref merged, buttons);
                }

                filled += (int)Math.Max(read, 0);
                int offset = 0;
                for (; filled - offset >= _reportLength; offset += _reportLength)
                {
                    ReadOnlySpan<byte> report = buffer.AsSpan(offset, _reportLength);
                    Reports++;
                    if (_name == "keyboard")
                    {
                        TypedText.Add(report);
                        FlushKeys(ref pendingKeys, HidReportDescriber.DescribeKeyboard(report));
                        continue;
                    }

                    if (_name != "mouse")
                    {
                        _output.Line(_name, HidReportDescriber.DescribeConsumer(report));
                        continue;
                    }

                    // Motion is summed into one line per ~150 ms; a button change is always its own line.
                    if (report[0] != buttons)
                    {
                        FlushMotion(ref deltaX, ref deltaY, ref wheel, ref pan, ref merged, buttons);
                        buttons = report[0];
                        _output.Line(_name, HidReportDescriber.DescribeMouse(report));
                        continue;
                    }

                    if (merged == 0)
                    {
                        firstMerged = _output.TimeProvider.GetTimestamp();
                    }

                    deltaX += (short)(report[1] | (report[2] << 8));
                    deltaY += (short)(report[3] | (report[4] << 8));
                    wheel += (sbyte)report[5];
                    pan += (sbyte)report[6];
                    merged++;
                }

                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
                if (merged > 0 && _output.TimeProvider.GetElapsedTime(firstMerged) >= MotionLinePeriod)
                {
                    FlushMotion(ref deltaX, ref deltaY, ref wheel, ref pan, ref merged, buttons);
                }
            }

            FlushKeys(ref pendingKeys, null);
            FlushMotion(ref deltaX, ref deltaY, ref wheel, ref pan, ref merged, buttons);
        }

        /// <summary>A press followed by the release of everything shares one line ("H -> (all released)"); one report each still.</summary>
        private void FlushKeys(ref string? pending, string? next)
        {
            const string released = "(all released)";
            if (pending is not null && next == released && pending != released)
            {
                _output.Line(_name, $"{pending} -> {released}");
                pending = null;
                return;
            }

            if (pending is not null)
            {
                _output.Line(_name, pending);
            }

            pending = next;
        }

        private void FlushMotion(ref long deltaX, ref long deltaY, ref long wheel, ref long pan, ref int merged, byte buttons)
        {
            if (merged == 0)
            {
                return;
            }

            string what = deltaX == 0 && deltaY == 0 && wheel == 0 && pan == 0
                ? HidReportDescriber.DescribeMouse(buttons, 0, 0, 0, 0)
                : HidReportDescriber.DescribeMouse(buttons, deltaX, deltaY, wheel, pan);
            _output.Line(_name, $"{what} ({merged} report{(merged == 1 ? string.Empty : "s")} summed)");
            deltaX = deltaY = wheel = pan = 0;
            merged = 0;
        }
    }
}
