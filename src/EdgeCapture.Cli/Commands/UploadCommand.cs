using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeCapture.Appliance;
using EdgeCapture.Crypto;
using EdgeCapture.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// <c>edgecapture upload --config /etc/edgecapture/appliance.json</c>: drains the box's outbox to the collector with the
/// configuration's <c>upload</c> section (the same connection and uploader <c>run</c> starts, nothing else: no relay, no
/// recording), and exits once nothing is left to send: no pending, uploading or uploaded segment and no pending retraction.
/// For a box whose appliance is stopped (the outbox admits one process): before a decommission, after an outage, or in
/// tests that kill the box mid-upload. Exit 0 when drained; 1 when segments or retractions were rejected by the collector
/// (kept in the outbox with the reason) or <c>--timeout</c> passed first; 2 for a configuration without an upload section
/// or that does not validate; 3 when the device key or the outbox cannot be opened. Ctrl+C or SIGTERM stops it (exit 1),
/// leaving whatever was in flight to resume next time.
/// </summary>
internal static class UploadCommand
{
    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(100);

    public static Command Create()
    {
        var config = CliFiles.ConfigurationOption();
        var timeout = new Option<double?>("--timeout") { Description = "Give up after this many seconds (default: wait until drained)." };
        var command = new Command("upload", "Drain the box's outbox to the collector (the configuration's upload section), then exit. The appliance must not be running.");
        command.Options.Add(config);
        command.Options.Add(timeout);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            double? seconds = parseResult.GetValue(timeout);
            if (seconds is <= 0)
            {
                await stderr.WriteLineAsync("upload: --timeout must be positive.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!CliFiles.TryLoadConfiguration(parseResult.GetValue(config)!, stderr, "upload", out ApplianceConfiguration? configuration))
            {
                return ExitCodes.Usage;
            }

            if (configuration.Upload is null)
            {
                await stderr.WriteLineAsync("upload: the configuration has no upload section; nothing leaves this box.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await DrainAsync(configuration, configuration.Upload, seconds, stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> DrainAsync(ApplianceConfiguration configuration, UploadConfiguration upload, double? seconds, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using ILoggerFactory loggerFactory = LoggerFactory.Create(builder => builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
        DeviceSigningKey deviceKey;
        SegmentOutbox outbox;
        try
        {
            deviceKey = DeviceSigningKey.Load(configuration.EffectiveDeviceKeyPath);
        }
        catch (Exception error) when (error is DeviceKeyFormatException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"upload: device key {configuration.EffectiveDeviceKeyPath}: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }

        using (deviceKey)
        {
            try
            {
                outbox = SegmentOutbox.Open(Path.Combine(configuration.DataDirectory, "outbox.db"), new OutboxOptions { QuotaBytes = configuration.QuotaBytes },
                    loggerFactory.CreateLogger<SegmentOutbox>(), TimeProvider.System);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                await stderr.WriteLineAsync($"upload: outbox in {configuration.DataDirectory}: {error.Message}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }

            using (outbox)
            {
                OutboxStatistics before = outbox.GetStatistics();
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"upload: {before.PendingSegments + before.UploadingSegments + before.UploadedSegments} segments and {before.PendingRetractions} retractions to send to {upload.BrokerUri}")).ConfigureAwait(false);
                await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                UploadStage stage;
                try
                {
                    stage = UploadStage.Start(upload, configuration.DeviceId, configuration.DataDirectory, outbox, deviceKey, TimeProvider.System, loggerFactory);
                }
                catch (ApplianceConfigurationException error)
                {
                    await stderr.WriteLineAsync($"upload: {error.Message}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                var clock = Stopwatch.StartNew();
                OutboxStatistics now;
                await using (stage.ConfigureAwait(false))
                {
                    now = await WaitUntilDrainedAsync(outbox, seconds is { } limit ? TimeSpan.FromSeconds(limit) : Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                }

                bool drained = Left(now) == 0;
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"upload: {(drained ? "drained" : "stopped")} after {clock.Elapsed.TotalSeconds:0.0} s: {stage.Uploader.Statistics.SegmentsStored} segments confirmed stored, "
                    + $"{stage.Uploader.Statistics.RetractionsDelivered} retractions confirmed, {stage.Uploader.Statistics.PartsSent} parts sent; "
                    + $"left: {Left(now)}; rejected by the collector: {now.RejectedSegments} segments, {now.RejectedRetractions} retractions")).ConfigureAwait(false);
                return drained && now.RejectedSegments == 0 && now.RejectedRetractions == 0 ? 0 : ExitCodes.Failed;
            }
        }
    }

    private static async Task<OutboxStatistics> WaitUntilDrainedAsync(SegmentOutbox outbox, TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        OutboxStatistics now = outbox.GetStatistics();
        try
        {
            while (Left(now) > 0 && (limit == Timeout.InfiniteTimeSpan || clock.Elapsed < limit))
            {
                await Task.Delay(DrainPoll, cancellationToken).ConfigureAwait(false);
                now = outbox.GetStatistics();
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: what is in flight stays in the outbox and resumes next time.
        }

        return outbox.GetStatistics();
    }

    private static int Left(OutboxStatistics statistics) =>
        statistics.PendingSegments + statistics.UploadingSegments + statistics.UploadedSegments + statistics.PendingRetractions;
}
