using System.Diagnostics;
using System.Globalization;
using EdgeCapture.Appliance;
using EdgeCapture.Appliance.Hardware;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Relay.Simulation;
using Microsoft.Extensions.Logging;
using ApplianceHost = EdgeCapture.Appliance.Appliance;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// Runs the appliance in the foreground for <c>record</c> and <c>run</c>: one <c>sealed ...</c> line per durable segment,
/// report lines, a summary, and the exit code (0, 2 usage, 3 unavailable, 75 restart requested).
/// </summary>
internal static class ApplianceRun
{
    /// <summary>How often the end of input is looked at (a count read, nothing on the relay's path).</summary>
    private static readonly TimeSpan EndOfInputPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs the appliance (<see cref="ApplianceHost"/>) on <paramref name="hardware"/> for <paramref name="seconds"/> or until
    /// cancelled (Ctrl+C, SIGTERM), or, with <paramref name="endAtEndOfInput"/>, until every input device the relay opened has
    /// reached end of input (a FIFO's writer closed it, a file was read to its end, a node was unplugged), printing one
    /// <c>sealed ...</c> line per durable segment and a summary; shared by <c>record</c> and <c>run</c>.
    /// </summary>
    internal static async Task<int> RunAsync(string name, ApplianceConfiguration configuration, ApplianceHardware hardware, double? seconds, bool endAtEndOfInput, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
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
                hardware,
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
            Line($"{name}: recording to {configuration.DataDirectory} ({Describe(hardware)}); privacy: {appliance.Privacy.Status.State} ({appliance.Privacy.Status.Reason})");
            bool restart = false;
            using var inputWatch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                Task ran = Task.Delay(seconds is { } limit ? TimeSpan.FromSeconds(limit) : Timeout.InfiniteTimeSpan, cancellationToken);
                Task inputEnded = endAtEndOfInput ? WaitForEndOfInputAsync(appliance, inputWatch.Token) : Task.Delay(Timeout.InfiniteTimeSpan, inputWatch.Token);
                Task first = await Task.WhenAny(ran, appliance.RestartRequested, inputEnded).ConfigureAwait(false);
                restart = first == appliance.RestartRequested;
                if (first == inputEnded && inputEnded.IsCompletedSuccessfully)
                {
                    Line($"{name}: end of input: every input stream has ended; sealing and stopping");
                }
                else if (!restart)
                {
                    await ran.ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: stop cleanly.
            }
            finally
            {
                await inputWatch.CancelAsync().ConfigureAwait(false);
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

    private static string Describe(ApplianceHardware hardware) => hardware switch
    {
        SimulatedHardware => "simulated user, switch and relay",
        SimulatedPrivacyHardware => "input devices or streams, simulated switch, indicator and forget button",
        _ => "devices",
    };

    private static async Task WaitForEndOfInputAsync(ApplianceHost appliance, CancellationToken cancellationToken)
    {
        // The relay never reopens a configured path once it ended, so an empty relay stays empty.
        while (appliance.InputDevicesOpen is not 0)
        {
            await Task.Delay(EndOfInputPoll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One line on whether the simulated host received what the simulated user typed (the relay's end-to-end proof).</summary>
    internal static string DescribeTyping(RelayTypingCheck typing)
    {
        string last = typing.LastSentence.Length > 0 ? $", the last: \"{typing.LastSentence}\"" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"relay check: {(typing.IsIntact ? "OK" : "FAILED")}: the simulated host received {typing.SentencesArrived} of {typing.SentencesTyped} typed sentence(s) intact and in order ({typing.CharactersReceived} characters){last}");
    }
}
