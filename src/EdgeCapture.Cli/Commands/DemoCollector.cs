using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Broker;
using EdgeCapture.Collector.Index;
using EdgeCapture.Crypto;
using EdgeCapture.Recording.Manifests;
using EdgeCapture.Storage;
using EdgeCapture.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Cli.Commands;

/// <summary>
/// The demo's on-prem half: an in-process collector with its embedded broker (store in <c>DIR/collector</c>), the box's
/// outbox uploaded through the box's own uploader (EdgeCapture.Transport) until it is empty, then the custodian's check
/// of the collector's store: signatures, hashes and chain, and every stored segment decrypted with the custodian's identity.
/// </summary>
internal static class DemoCollector
{
    private static readonly TimeSpan UploadLimit = TimeSpan.FromMinutes(2);

    public static async Task<int> UploadAndVerifyAsync(string root, string boxDirectory, string deviceId, string identityPath, TextWriter output, CancellationToken cancellationToken)
    {
        string collectorDirectory = Path.Combine(root, "collector");
        using ILoggerFactory loggerFactory = LoggerFactory.Create(builder => builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Error));
        int port = FreePort();
        DevicePublicKey boxKey;
        using (DeviceSigningKey key = DeviceSigningKey.Load(Path.Combine(boxDirectory, "device.key")))
        {
            boxKey = key.PublicKey;
        }

        int exitCode;
        await using (CollectorService collector = await CollectorService.StartAsync(
            new CollectorServiceOptions { Store = new CollectorOptions { StoreDirectory = collectorDirectory }, EmbeddedBroker = new EmbeddedBrokerOptions { Port = port } },
            loggerFactory, TimeProvider.System).ConfigureAwait(false))
        {
            collector.Store.Index.Enroll(deviceId, boxKey, replace: false, DateTimeOffset.UtcNow);
            await output.WriteLineAsync($"""

                == The on-prem collector: embedded MQTT broker on 127.0.0.1:{port}, store {collectorDirectory} ==
                  collector public key (the box's upload.collectorKey): {collector.PublicKey}
                  enrolled {deviceId} {boxKey}
                """).ConfigureAwait(false);

            bool outboxEmpty;
            using (SegmentOutbox outbox = SegmentOutbox.Open(Path.Combine(boxDirectory, "outbox.db"), new OutboxOptions(), NullLogger<SegmentOutbox>.Instance, TimeProvider.System))
            {
                outboxEmpty = await UploadAsync(outbox, collector.PublicKey, deviceId, port, loggerFactory, output, cancellationToken).ConfigureAwait(false);
            }

            await output.WriteLineAsync(Environment.NewLine + "== The custodian: verify and open the segments in the collector's store ==").ConfigureAwait(false);
            exitCode = Verify(collector.Store, deviceId, boxKey, identityPath, root, output) && outboxEmpty ? 0 : ExitCodes.Failed;
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        await Program.RunAsync(["sessions", "list", "--store", collectorDirectory], new System.CommandLine.InvocationConfiguration { Output = output, Error = output }).ConfigureAwait(false);
        return exitCode;
    }

    private static async Task<bool> UploadAsync(SegmentOutbox outbox, DevicePublicKey collectorKey, string deviceId, int port, ILoggerFactory loggerFactory, TextWriter output, CancellationToken cancellationToken)
    {
        OutboxStatistics before = outbox.GetStatistics();
        await using var connection = new BoxMqttConnection(
            new MqttConnectionOptions { BrokerUri = new Uri($"mqtt://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"), DeviceId = deviceId, UserName = deviceId, MinimumReconnectDelay = TimeSpan.FromMilliseconds(200) },
            TimeProvider.System, loggerFactory.CreateLogger<BoxMqttConnection>());
        var uploader = new SegmentUploader(outbox, connection, new UploaderOptions { CollectorKey = collectorKey, IdlePollInterval = TimeSpan.FromMilliseconds(100) }, TimeProvider.System, loggerFactory.CreateLogger<SegmentUploader>());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task connectionRun = connection.RunAsync(stop.Token);
        Task uploaderRun = uploader.RunAsync(stop.Token);
        var clock = Stopwatch.StartNew();
        OutboxStatistics now = outbox.GetStatistics();
        while (now.PendingSegments + now.UploadingSegments + now.UploadedSegments + now.PendingRetractions > 0 && clock.Elapsed < UploadLimit && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
            now = outbox.GetStatistics();
        }

        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(connectionRun, uploaderRun).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        bool empty = now.PendingSegments + now.UploadingSegments + now.UploadedSegments + now.RejectedSegments == 0;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  box uploaded {before.PendingSegments} segments in {clock.Elapsed.TotalSeconds:0.0} s: {uploader.Statistics.SegmentsStored} confirmed stored (signed by the collector), {uploader.Statistics.SegmentsRejected} rejected, "
            + $"{uploader.Statistics.PartsSent} parts and {uploader.Statistics.BytesSent:N0} bytes sent; the box's outbox is {(empty ? "empty" : "NOT empty")}")).ConfigureAwait(false);
        return empty;
    }

    private static bool Verify(CollectorStore store, string deviceId, DevicePublicKey boxKey, string identityPath, string root, TextWriter output)
    {
        IReadOnlyList<AgeIdentity> identities = AgeIdentity.LoadFile(identityPath);
        try
        {
            CollectorVerifyCommand.StoreVerification result = CollectorVerifyCommand.Verify(store, deviceId, boxKey, identities, root, output);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"collector verify: {(result.IsValid && result.Stored > 0 ? "OK" : "FAILED")}: {result.Stored} segment(s) stored, {result.Decrypted} decrypted with the custodian's identity"));
            return result.IsValid && result.Stored > 0;
        }
        finally
        {
            foreach (AgeIdentity identity in identities)
            {
                identity.Dispose();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
