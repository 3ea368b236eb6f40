using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Broker;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Protocol;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// The demo's on-prem side: the collector (<see cref="CollectorService"/>, what <c>edgecapture collector run</c> runs) with its
/// embedded MQTT broker on a free loopback port, its store in <c>DIR/collector</c>. It watches what ingest does, so the demo
/// can show per box what is stored and measure each segment's upload latency (sealed on the box to stored here).
/// </summary>
internal sealed class DemoCollector : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Device, Guid Session, int Index), long> _storedAt = new();
    private readonly ConcurrentDictionary<string, long> _storedPerDevice = new(StringComparer.Ordinal);
    private long _storedTwice;
    private long _resent;
    private long _retractions;
    private CollectorService? _service;

    private DemoCollector(string directory, int port, string operatorPassword)
    {
        Directory = directory;
        Port = port;
        OperatorPassword = operatorPassword;
    }

    /// <summary>The broker password of the operator role (user <see cref="EmbeddedBroker.OperatorUserName"/>), random per run.</summary>
    public string OperatorPassword { get; }

    /// <summary>The store's folder.</summary>
    public string Directory { get; }

    /// <summary>The embedded broker's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The running collector.</summary>
    public CollectorService Service => _service ?? throw new ObjectDisposedException(nameof(DemoCollector));

    /// <summary>Segments ingest wrote a second time (must stay 0: "Exactly once").</summary>
    public long StoredTwice => Interlocked.Read(ref _storedTwice);

    /// <summary>Commits of a segment already stored, answered "stored" again without writing (a box re-sent it).</summary>
    public long Resent => Interlocked.Read(ref _resent);

    /// <summary>Retractions applied (a forget press reaching segments already uploaded).</summary>
    public long Retractions => Interlocked.Read(ref _retractions);

    /// <summary>Starts the collector and its broker.</summary>
    public static async Task<DemoCollector> StartAsync(string root, ILoggerFactory loggerFactory)
    {
        var collector = new DemoCollector(Path.Combine(root, "collector"), FreePort(), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        collector._service = await CollectorService.StartAsync(
            new CollectorServiceOptions
            {
                Store = new CollectorOptions { StoreDirectory = collector.Directory },
                EmbeddedBroker = new EmbeddedBrokerOptions { Port = collector.Port, OperatorPassword = collector.OperatorPassword },
            },
            loggerFactory,
            TimeProvider.System,
            collector.OnHandled).ConfigureAwait(false);
        return collector;
    }

    /// <summary>Segments of <paramref name="deviceId"/> stored so far (first stores only).</summary>
    public long StoredCount(string deviceId) => _storedPerDevice.TryGetValue(deviceId, out long count) ? count : 0;

    /// <summary>When (Stopwatch timestamp) a segment was first stored, if it was.</summary>
    public bool TryGetStoredAt(string deviceId, Guid sessionId, int index, out long timestamp) => _storedAt.TryGetValue((deviceId, sessionId, index), out timestamp);

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync().ConfigureAwait(false);
            _service = null;
        }
    }

    private void OnHandled(IngestResult result)
    {
        if (result.Answer?.Answer is not { } answer)
        {
            return;
        }

        switch (result.Outcome)
        {
            case IngestOutcome.SegmentStored:
                SegmentReference segment = answer.Segment;
                if (_storedAt.TryAdd((answer.DeviceId, segment.SessionId, segment.SegmentIndex), Stopwatch.GetTimestamp()))
                {
                    _storedPerDevice.AddOrUpdate(answer.DeviceId, 1, (_, count) => count + 1);
                }
                else
                {
                    Interlocked.Increment(ref _storedTwice);
                }

                break;
            case IngestOutcome.SegmentDuplicate:
                Interlocked.Increment(ref _resent);
                break;
            case IngestOutcome.RetractionApplied:
                Interlocked.Increment(ref _retractions);
                break;
            default:
                break;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
