using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Collector.Hosting;

/// <summary>The retention sweep: at start and every <see cref="CollectorOptions.RetentionInterval"/>.</summary>
internal sealed class RetentionHostedService(CollectorParts parts) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var sweeper = new RetentionSweeper(parts.Store!, parts.Time, parts.LoggerFactory.CreateLogger<CollectorService>());
        parts.Sweeper = sweeper;
        _running = RunAsync(sweeper, parts.Time, parts.Options.Store.RetentionInterval, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();

    private static async Task RunAsync(RetentionSweeper sweeper, TimeProvider time, TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                sweeper.Sweep();
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
