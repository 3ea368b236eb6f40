using EdgeCapture.Crypto;
using EdgeCapture.Recording.Recorder;
using EdgeCapture.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// The device key (created 0600 if absent) and the encrypted outbox (a corrupt one is moved aside and reported), and the
/// sink that seals segments into it. They stay open after the stop, until the appliance is disposed, so that what was
/// recorded can still be read.
/// </summary>
internal sealed class StorageHostedService(ApplianceParts parts, ApplianceFaultInjection faults) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ApplianceConfiguration configuration = parts.Configuration;
        try
        {
            Directory.CreateDirectory(configuration.DataDirectory);
            parts.SigningKey = DeviceSigningKey.LoadOrCreate(configuration.EffectiveDeviceKeyPath, parts.Time.GetUtcNow());
        }
        catch (Exception exception) when (exception is DeviceKeyFormatException or IOException or UnauthorizedAccessException)
        {
            throw new ApplianceStartException(exception.Message, exception) { Component = "device key" };
        }

        try
        {
            parts.Outbox = SegmentOutbox.Open(Path.Combine(configuration.DataDirectory, "outbox.db"), new OutboxOptions { QuotaBytes = configuration.QuotaBytes }, parts.LoggerFactory.CreateLogger<SegmentOutbox>(), parts.Time);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new ApplianceStartException(exception.Message, exception) { Component = "outbox" };
        }

        if (parts.Outbox.StartupRecovery is { } recovery)
        {
            parts.Report($"the outbox was unusable ({recovery.Reason}: {recovery.Detail}); moved aside to {recovery.MovedAsidePath}, a fresh one was created.");
            parts.LastError = $"outbox: {recovery.Reason}: {recovery.Detail}";
        }

        IRecordingOutbox recordingOutbox = faults.RecordingOutbox?.Invoke(parts.Outbox) ?? parts.Outbox;
        parts.Sink = new OutboxSegmentSink(recordingOutbox, parts.Recipients, parts.SigningKey, configuration.DeviceId, parts.Time, parts.LoggerFactory.CreateLogger<OutboxSegmentSink>());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
