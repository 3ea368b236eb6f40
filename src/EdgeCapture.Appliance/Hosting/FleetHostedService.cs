using Microsoft.Extensions.Hosting;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// Fleet management (without a <c>fleet</c> key: nothing) on the upload stage's connection, on its own tasks: nothing on
/// the relay's path waits on it. Started last and stopped first, so that no command acts on a half-started or
/// half-stopped appliance (the connection's Will reports the death).
/// </summary>
internal sealed class FleetHostedService(ApplianceParts parts) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        parts.Fleet is { } fleet && parts.Upload is { } upload
            ? fleet.StartAsync(parts.Facade!, upload, parts.SigningKey!, parts.Time, cancellationToken)
            : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => parts.Fleet?.StopAsync() ?? Task.CompletedTask;
}
