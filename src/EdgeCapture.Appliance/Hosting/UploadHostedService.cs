using EdgeCapture.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// The box's MQTT connection and the uploader (without an <c>upload</c> section: nothing). Its own tasks: starting does
/// not wait for the broker, nothing on the relay's or the recorder's path waits on it, and an uploader that faults is
/// restarted with backoff. Stopped after the recorder has sealed its last segment, which stays durable in the outbox.
/// </summary>
internal sealed class UploadHostedService(ApplianceParts parts, ApplianceFaultInjection faults) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (parts.Configuration.Upload is not { } upload)
        {
            return Task.CompletedTask;
        }

        IUploadBacklog backlog = faults.UploadBacklog?.Invoke(parts.Outbox!) ?? parts.Outbox!;
        ILogger logger = parts.LoggerFactory.CreateLogger<UploadHostedService>();
        parts.Upload = UploadStage.Start(
            upload,
            parts.Configuration.DeviceId,
            parts.Configuration.DataDirectory,
            backlog,
            parts.SigningKey!,
            parts.Time,
            parts.LoggerFactory,
            parts.Fleet is null ? null : parts.Fleet.BirthDetails,
            (runOnce, stop) => PartSupervisor.RunAsync("upload", runOnce, parts.Health, parts.Time, logger, parts.Report, stop));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (parts.Upload is { } upload)
        {
            await upload.DisposeAsync().ConfigureAwait(false);
        }
    }
}
