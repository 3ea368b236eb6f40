using EdgeCapture.Crypto;
using Microsoft.Extensions.Hosting;

namespace EdgeCapture.Collector.Hosting;

/// <summary>The store (index, blobs) and the collector's signing key: opened first, closed last (the key wiped).</summary>
internal sealed class CollectorStoreHostedService(CollectorParts parts) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        parts.Store = CollectorStore.Open(parts.Options.Store);
        parts.Key = DeviceSigningKey.LoadOrCreate(parts.Options.Store.KeyPath, parts.Time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        parts.Key?.Dispose();
        parts.Store?.Dispose();
        return Task.CompletedTask;
    }
}
