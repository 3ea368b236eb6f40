using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeCapture.Crypto;
using EdgeCapture.Hid;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Input.Simulation;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Recording.Segments;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Cli.Tests;

/// <summary>
/// <c>edgecapture record --simulated-privacy</c> checked from outside, as a bench user would: the real program as a child,
/// 24-byte <c>input_event</c>s written into FIFOs standing in for a keyboard and a mouse, the switch and the forget button
/// on the simulated GPIO lines driven by <c>--private-at</c>/<c>--public-at</c>/<c>--forget-at</c>, end of input (the
/// writers close) ending the recording. The custodian then decrypts the outbox and finds only what was public: the
/// forgotten word, the word typed while private and the password typed after Win+L are not there; the rest is, in order.
/// The schedule leaves two seconds between each typed word and the switch or button edge next to it.
/// </summary>
public sealed class RecordInputStreamsTests : IDisposable
{
    private const double ForgetAt = 3;
    private const double PrivateAt = 7;
    private const double PublicAt = 11;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-record-streams-");

    [Fact]
    public async Task Evdev_bytes_from_fifos_are_recorded_with_the_simulated_switch_button_and_lock_screen_honoured()
    {
        using AgeIdentity custodian = AgeIdentity.Generate();
        string identityPath = Path.Combine(_directory.FullName, "custodian.txt");
        custodian.SaveFile(identityPath, DateTimeOffset.UnixEpoch);
        string dataDirectory = Path.Combine(_directory.FullName, "data");
        string keyboard = MakeFifo("keyboard");
        string mouse = MakeFifo("mouse");

        using var child = Process.Start(new ProcessStartInfo(
            Path.Combine(AppContext.BaseDirectory, "edgecapture"),
            ["record", "--simulated-privacy", "--keyboard", keyboard, "--mouse", mouse, "--data-dir", dataDirectory, "--recipient", custodian.Recipient.ToString(),
             "--forget-at", Seconds(ForgetAt), "--private-at", Seconds(PrivateAt), "--public-at", Seconds(PublicAt), "--segment-seconds", "2", "--duration", "120"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = new List<string>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        child.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                started.TrySetResult();
                return;
            }

            lock (output)
            {
                output.Add(line.Data);
            }

            if (line.Data.StartsWith("record: recording to ", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        };
        var errors = new List<string>();
        child.ErrorDataReceived += (_, line) =>
        {
            lock (errors)
            {
                if (line.Data is not null)
                {
                    errors.Add(line.Data);
                }
            }
        };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.False(child.HasExited, $"record exited at once ({Describe(output, errors)})");

            // The schedule runs from the start of the recording; the writers' clock starts a moment later, on its line.
            var clock = Stopwatch.StartNew();
            await using (var keys = new EvdevWriter(keyboard))
            await using (var pointer = new EvdevWriter(mouse))
            {
                await AtAsync(clock, 0.5);
                await keys.TypeAsync("alpha");
                await pointer.MoveAsync(5);

                // Forget pressed at 3 s: the two minutes before it (alpha) are discarded.
                await AtAsync(clock, 5);
                await keys.TypeAsync("bravo");
                await pointer.MoveAsync(5);

                // Private from 7 s to 11 s.
                await AtAsync(clock, 9);
                await keys.TypeAsync("secret");
                await pointer.MoveAsync(5);

                await AtAsync(clock, 13);
                await keys.TypeAsync("charlie");
                await pointer.MoveAsync(5);

                // Win+L, then the password on the lock screen and Enter.
                await AtAsync(clock, 15);
                await keys.ChordAsync(KeyCodes.LeftMeta, KeyCodes.L);
                await AtAsync(clock, 15.5);
                await keys.TypeAsync("tulip7orbit");
                await keys.TapAsync(KeyCodes.Enter);
                await AtAsync(clock, 16.5);
            }

            // Both writers closed: end of input ends the recording, sealed, exit 0.
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
                await child.WaitForExitAsync();
            }
        }

        Assert.True(child.ExitCode == 0, Describe(output, errors));
        Assert.Contains(output, line => line.StartsWith("record: end of input", StringComparison.Ordinal));
        Assert.Contains(output, line => line.StartsWith("record: forget button: pressed at 3 s", StringComparison.Ordinal));
        Assert.Contains(output, line => line.StartsWith("record: switch: private at 7 s", StringComparison.Ordinal));
        Assert.Contains(output, line => line.StartsWith("record: switch: public at 11 s", StringComparison.Ordinal));

        (int verifyCode, string verified) = Run("verify", "--data-dir", dataDirectory, "-i", identityPath);
        Assert.True(verifyCode == 0, verified);
        Assert.Contains("verify: OK", verified, StringComparison.Ordinal);

        List<SegmentRecord> records = DecryptAll(dataDirectory, custodian);
        List<MarkerRecord> markers = [.. records.OfType<MarkerRecord>()];

        // The public typing, in order; the forgotten, the private and the lock-screen words are not there. The L of Win+L
        // is recorded (suppression starts after its press: the chord is not the password); nothing typed after it is.
        Assert.Equal("bravocharliel", TypedText(records));
        Assert.Contains(records, record => record is MouseRecord);

        // Forgotten: the press's marker, and nothing input before it.
        MarkerRecord forget = Assert.Single(markers, marker => marker.Kind == MarkerKind.Forget);
        Assert.DoesNotContain(records, record => record is KeyRecord or MouseRecord && record.MonotonicNanoseconds < forget.MonotonicNanoseconds);

        // Private: only the pause and resume markers say so (resumed at the first recorded instant after it), and no input lies between them.
        MarkerRecord engaged = Assert.Single(markers, marker => marker.Kind == MarkerKind.PrivacyEngaged);
        MarkerRecord released = markers.First(marker => marker.Kind == MarkerKind.PrivacyReleased && marker.MonotonicNanoseconds > engaged.MonotonicNanoseconds);
        Assert.DoesNotContain(records, record => record is KeyRecord or MouseRecord && record.MonotonicNanoseconds >= engaged.MonotonicNanoseconds && record.MonotonicNanoseconds < released.MonotonicNanoseconds);

        // The lock screen: a content-free marker says suppression started at Win+L.
        Assert.Contains(markers, marker => marker.Kind == MarkerKind.LockScreenSuppressionStarted && marker.Value == (long)LockChord.GuiL);
    }

    [Theory]
    [InlineData("--simulate --keyboard {0}", "--simulate types a scripted user")]
    [InlineData("--simulate --simulated-privacy", "--simulate and --simulated-privacy exclude each other")]
    [InlineData("--simulated-privacy --simulate --keyboard {0}", "--simulate and --simulated-privacy exclude each other")]
    [InlineData("--simulated-privacy", "nothing to read")]
    [InlineData("--keyboard {0} --private-at 3", "give --simulated-privacy")]
    [InlineData("--simulated-privacy --keyboard {0} --pinout {0}", "--pinout and --simulated-privacy exclude each other")]
    [InlineData("--simulated-privacy --keyboard {0} --forget-at -1", "0 or more")]
    public void Mixed_modes_are_a_usage_error_with_a_clear_message(string options, string expected)
    {
        string path = Path.Combine(_directory.FullName, "event0");
        string[] arguments = ["record", "--data-dir", Path.Combine(_directory.FullName, "data"), "--recipient", "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqzzzzzz", .. string.Format(CultureInfo.InvariantCulture, options, path).Split(' ')];
        RootCommand root = Program.CreateRootCommand();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = root.Parse(arguments).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        Assert.True(code == 2, $"{code}: {stdout}{stderr}");
        Assert.Contains(expected, stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory.FullName, "data")), "a usage error opened the outbox");
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static string Seconds(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task AtAsync(Stopwatch clock, double seconds)
    {
        TimeSpan wait = TimeSpan.FromSeconds(seconds) - clock.Elapsed;
        Assert.True(wait > TimeSpan.FromSeconds(-1), $"the writer fell {-wait.TotalSeconds:0.0} s behind its schedule at {seconds} s");
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private static List<SegmentRecord> DecryptAll(string dataDirectory, AgeIdentity custodian)
    {
        using DeviceSigningKey deviceKey = DeviceSigningKey.Load(Path.Combine(dataDirectory, "device.key"));
        using var outbox = SegmentOutbox.Open(Path.Combine(dataDirectory, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System);
        var segments = new List<SegmentContents>();
        VerificationReport report = SegmentChainVerifier.Verify(outbox, deviceKey.PublicKey, [custodian], (_, contents) => segments.Add(contents));
        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(error => error.Message)));

        // One boot, one monotonic clock: the segments in time order, each segment's records in recorded order.
        return [.. segments.OrderBy(segment => segment.Header.MonotonicAnchorNanoseconds).SelectMany(segment => segment.Records)];
    }

    private static string TypedText(IEnumerable<SegmentRecord> records)
    {
        var text = new System.Text.StringBuilder();
        foreach (KeyRecord key in records.OfType<KeyRecord>().Where(key => key.IsDown))
        {
            if (LinuxKeyUsageTable.TryGetLinuxKeyCode(key.Usage, out ushort code) && UsKeyboardLayout.TryGetCharacter(code, shift: false, out char character) && char.IsLetterOrDigit(character))
            {
                text.Append(character);
            }
        }

        return text.ToString();
    }

    private static string Describe(List<string> output, List<string> errors)
    {
        lock (output)
        {
            lock (errors)
            {
                return string.Join("\n", output) + "\n--- stderr ---\n" + string.Join("\n", errors);
            }
        }
    }

    private static (int Code, string Output) Run(params string[] arguments)
    {
        using var child = Process.Start(new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "edgecapture"), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        Task<string> error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd() + error.GetAwaiter().GetResult();
        child.WaitForExit();
        return (child.ExitCode, output);
    }

    private string MakeFifo(string name)
    {
        string path = Path.Combine(_directory.FullName, name);
        Assert.Equal(0, EdgeCapture.Linux.Interop.MakeFifo(path, 0x180));
        return path;
    }

    /// <summary>The writing end of a FIFO standing in for an event node: whole 24-byte input_events, each frame ended by SYN_REPORT.</summary>
    private sealed class EvdevWriter(string path) : IAsyncDisposable
    {
        private static readonly TimeSpan KeyInterval = TimeSpan.FromMilliseconds(25);

        // Opened once the reader has the FIFO open (record printed its start line), so the open does not block.
        private readonly FileStream _stream = new(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);

        public async Task TypeAsync(string word)
        {
            foreach (char character in word)
            {
                Assert.True(UsKeyboardLayout.TryGetKey(character, out ushort code, out bool shift) && !shift, $"'{character}' needs no shift");
                await TapAsync(code);
            }
        }

        public async Task TapAsync(ushort code)
        {
            await FrameAsync((EventTypes.Key, code, KeyValues.Pressed));
            await Task.Delay(KeyInterval);
            await FrameAsync((EventTypes.Key, code, KeyValues.Released));
            await Task.Delay(KeyInterval);
        }

        public async Task ChordAsync(ushort modifier, ushort key)
        {
            await FrameAsync((EventTypes.Key, modifier, KeyValues.Pressed));
            await Task.Delay(KeyInterval);
            await TapAsync(key);
            await FrameAsync((EventTypes.Key, modifier, KeyValues.Released));
            await Task.Delay(KeyInterval);
        }

        public async Task MoveAsync(int steps)
        {
            for (int step = 0; step < steps; step++)
            {
                await FrameAsync((EventTypes.Relative, RelativeAxes.X, 4), (EventTypes.Relative, RelativeAxes.Y, -2));
                await Task.Delay(KeyInterval);
            }
        }

        public async ValueTask DisposeAsync() => await _stream.DisposeAsync();

        private async Task FrameAsync(params (ushort Type, ushort Code, int Value)[] events)
        {
            int size = InputEventCodec.EventSize;
            byte[] bytes = new byte[(events.Length + 1) * size];
            for (int index = 0; index < events.Length; index++)
            {
                InputEventCodec.Encode(new EvdevEvent(0, events[index].Type, events[index].Code, events[index].Value), bytes.AsSpan(index * size));
            }

            InputEventCodec.Encode(new EvdevEvent(0, EventTypes.Synchronization, SynchronizationCodes.Report, 0), bytes.AsSpan(events.Length * size));
            await _stream.WriteAsync(bytes);
            await _stream.FlushAsync();
        }
    }
}
