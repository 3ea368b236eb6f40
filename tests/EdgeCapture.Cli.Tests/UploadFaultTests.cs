using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using EdgeCapture.Collector;
using EdgeCapture.Collector.Broker;
using EdgeCapture.Collector.Ingest;
using EdgeCapture.Collector.Tests;
using EdgeCapture.Storage;
using EdgeCapture.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCapture.Cli.Tests;

/// <summary>
/// "Exactly once" end to end, with the real box side (the production sink's sealed segments in a real SQLite outbox, the
/// Transport's <see cref="BoxMqttConnection"/> and <see cref="SegmentUploader"/>) against the real collector
/// (<see cref="CollectorService"/>), each fault followed by the three checks of <see cref="UploadFaultRig.AssertExactlyOnce"/>:
/// a real Mosquitto (the shipped configuration, TLS and client certificates) killed with SIGKILL while parts are in flight
/// and started again on the same port; and the box itself (<c>edgecapture upload</c>, a child process) killed with
/// SIGKILL mid-upload and started again. The kills are triggered from the collector's ingest of a part, so they land
/// while the box is sending, never before or after.
/// </summary>
public sealed class UploadFaultTests : IDisposable
{
    private const int SegmentCount = 6;
    private const int PlaintextLength = 48 * 1024;
    private const int PartSize = 4096;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly TestCertificates _certificates = new();

    [Fact]
    public async Task Broker_killed_and_restarted_mid_upload_every_segment_is_stored_once_the_outbox_empties_and_the_chain_verifies()
    {
        using MosquittoBroker? mosquitto = MosquittoBroker.Start(_certificates);
        if (mosquitto is null)
        {
            return;
        }

        using var rig = new UploadFaultRig("fault-box-broker");
        rig.SealSession(SegmentCount, PlaintextLength);
        (string ca, string certificate, string key) = WriteClientPem(rig.Root, rig.DeviceId);

        // The broker dies at the fourth part staged after the second segment was stored: the box is sending.
        int stored = 0;
        int partsAfter = 0;
        int killed = 0;
        var brokerDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnHandled(IngestResult result)
        {
            if (UploadFaultRig.IsStored(result))
            {
                Interlocked.Increment(ref stored);
            }
            else if (result.Outcome == IngestOutcome.PartStaged && Volatile.Read(ref stored) >= 2 && Interlocked.Increment(ref partsAfter) == 4
                && Interlocked.Exchange(ref killed, 1) == 0)
            {
                mosquitto.Kill();
                brokerDown.SetResult();
            }
        }

        await using CollectorService collector = await CollectorService.StartAsync(
            new CollectorServiceOptions { Store = new CollectorOptions { StoreDirectory = rig.CollectorDirectory }, ExternalBroker = mosquitto.CollectorConnection() },
            NullLoggerFactory.Instance, TimeProvider.System, OnHandled);
        rig.Enroll(collector.Store);
        Assert.True(await collector.WaitConnectedAsync(TimeSpan.FromSeconds(20)), "the collector did not connect to mosquitto: " + File.ReadAllText(mosquitto.Log));

        using SegmentOutbox outbox = rig.OpenOutbox();
        var log = new RecordingLogger<SegmentUploader>();
        await using var connection = new BoxMqttConnection(new MqttConnectionOptions
        {
            BrokerUri = new Uri($"mqtts://127.0.0.1:{mosquitto.Port.ToString(CultureInfo.InvariantCulture)}"),
            DeviceId = rig.DeviceId,
            Tls = new TlsFiles(ca, certificate, key),
            PingInterval = TimeSpan.FromMilliseconds(200),
            MinimumReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaximumReconnectDelay = TimeSpan.FromSeconds(1),
        }, TimeProvider.System, NullLogger<BoxMqttConnection>.Instance);
        var uploader = new SegmentUploader(outbox, connection, new UploaderOptions
        {
            CollectorKey = collector.PublicKey,
            MaximumPartSize = PartSize,
            // Slow enough that the session takes seconds: the kill finds parts in flight.
            RateLimitBytesPerSecond = 96 * 1024,
            AnswerTimeout = TimeSpan.FromSeconds(3),
            RetryDelay = TimeSpan.FromMilliseconds(200),
            IdlePollInterval = TimeSpan.FromMilliseconds(50),
        }, TimeProvider.System, log);
        using var stop = new CancellationTokenSource();
        Task connectionRun = connection.RunAsync(stop.Token);
        Task uploaderRun = uploader.RunAsync(stop.Token);

        await brokerDown.Task.WaitAsync(Deadline);
        Assert.True(outbox.GetStatistics().PendingSegments + outbox.GetStatistics().UploadingSegments > 0, "the broker must die while segments are still on their way");
        mosquitto.Restart();

        await WaitForAsync(() => Drained(outbox), "the box's outbox drains after the broker came back", () => Log(log) + "\n" + Tail(mosquitto.Log));
        ConnectionFacts? facts = connection.Current;
        await stop.CancelAsync();
        await Task.WhenAll(connectionRun, uploaderRun);

        Assert.True(facts is { Generation: >= 2 }, "the box reconnected after the broker was killed");
        Assert.Equal(SegmentCount, uploader.Statistics.SegmentsStored);
        outbox.Dispose();
        rig.AssertExactlyOnce(collector.Store);
    }

    [Fact]
    public async Task Box_killed_mid_upload_resumes_without_resending_what_was_confirmed_and_every_segment_is_stored_once()
    {
        using var rig = new UploadFaultRig("fault-box-killed");
        rig.SealSession(SegmentCount, PlaintextLength);
        int port = MosquittoBroker.FreePort();

        // The box dies at the fourth part staged after the second segment was stored; what the collector handles after
        // that (the restarted box) is kept apart.
        var box = new BoxChild(rig, port);
        int stored = 0;
        int partsAfter = 0;
        var afterRestart = new List<IngestResult>();
        var boxKilled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnHandled(IngestResult result)
        {
            if (boxKilled.Task.IsCompleted)
            {
                lock (afterRestart)
                {
                    afterRestart.Add(result);
                }
            }
            else if (UploadFaultRig.IsStored(result))
            {
                Interlocked.Increment(ref stored);
            }
            else if (result.Outcome == IngestOutcome.PartStaged && Volatile.Read(ref stored) >= 2 && Interlocked.Increment(ref partsAfter) == 4)
            {
                box.Kill();
                boxKilled.SetResult();
            }
        }

        await using CollectorService collector = await CollectorService.StartAsync(
            new CollectorServiceOptions { Store = new CollectorOptions { StoreDirectory = rig.CollectorDirectory }, EmbeddedBroker = new EmbeddedBrokerOptions { Port = port } },
            NullLoggerFactory.Instance, TimeProvider.System, OnHandled);
        rig.Enroll(collector.Store);
        box.WriteConfiguration(collector.PublicKey.ToString());

        box.Start();
        await boxKilled.Task.WaitAsync(Deadline);
        await box.WaitForExitAsync(Deadline);
        Assert.NotEqual(0, box.ExitCode);
        HashSet<SegmentKey> confirmed = rig.Confirmed();
        Assert.InRange(confirmed.Count, 1, SegmentCount - 1);

        box.Start();
        await box.WaitForExitAsync(Deadline);
        Assert.True(box.ExitCode == 0, $"the restarted box must drain its outbox (exit {box.ExitCode}):\n{box.Output}");
        Assert.Contains("upload: drained", box.Output, StringComparison.Ordinal);

        rig.AssertExactlyOnce(collector.Store);
        IngestResult[] resumed;
        lock (afterRestart)
        {
            resumed = [.. afterRestart];
        }

        // Nothing confirmed before the kill travelled again: no commit about it, no part of a stored segment.
        Assert.DoesNotContain(resumed, result => result.Answer?.Answer.Segment is { } segment && confirmed.Contains(new SegmentKey(segment.SessionId, segment.SegmentIndex)));
        Assert.DoesNotContain(resumed, result => result.Outcome == IngestOutcome.PartDuplicate && result.Detail.StartsWith("segment already stored", StringComparison.Ordinal));
        Assert.Equal(SegmentCount - confirmed.Count, resumed.Count(result => result.Outcome is IngestOutcome.SegmentStored or IngestOutcome.SegmentDuplicate));
    }

    public void Dispose() => _certificates.Dispose();

    private static bool Drained(SegmentOutbox outbox)
    {
        OutboxStatistics now = outbox.GetStatistics();
        return now.PendingSegments + now.UploadingSegments + now.UploadedSegments + now.RejectedSegments + now.PendingRetractions == 0;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what, Func<string> diagnostics)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Deadline, $"not reached within {Deadline.TotalSeconds} s: {what}\n{diagnostics()}");
            await Task.Delay(50);
        }
    }

    private static string Tail(string path)
    {
        string text = File.Exists(path) ? File.ReadAllText(path) : "no log";
        return text.Length > 4000 ? text[^4000..] : text;
    }

    private static string Log(RecordingLogger<SegmentUploader> log) => string.Join("\n", log.Entries.Select(entry => $"{entry.Level} {entry.EventId.Id} {entry.Message}"));

    /// <summary>The CA, and a client certificate whose CN is the device id (the shipped ACL's user), as the PEM files the box reads.</summary>
    private (string Ca, string Certificate, string Key) WriteClientPem(string directory, string deviceId)
    {
        string ca = Path.Combine(directory, "ca.crt");
        string certificate = Path.Combine(directory, "box.crt");
        string key = Path.Combine(directory, "box.key");
        File.WriteAllText(ca, _certificates.Authority.ExportCertificatePem());
        using X509Certificate2 issued = _certificates.Issue(deviceId);
        File.WriteAllText(certificate, issued.ExportCertificatePem());
        using ECDsa privateKey = issued.GetECDsaPrivateKey()!;
        File.WriteAllText(key, privateKey.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return (ca, certificate, key);
    }

    /// <summary><c>edgecapture upload --config appliance.json</c> as a child process, killed with SIGKILL and started again.</summary>
    private sealed class BoxChild(UploadFaultRig rig, int port)
    {
        private readonly StringBuilder _output = new();
        private readonly Lock _lock = new();
        private Process? _process;

        private string ConfigurationPath => Path.Combine(rig.Root, "appliance.json");

        public int ExitCode => _process!.ExitCode;

        public string Output
        {
            get
            {
                lock (_lock)
                {
                    return _output.ToString();
                }
            }
        }

        public void WriteConfiguration(string collectorKey)
        {
            var configuration = new Dictionary<string, object>
            {
                ["deviceId"] = rig.DeviceId,
                ["dataDirectory"] = rig.DataDirectory,
                ["recipients"] = new[] { rig.Custodian.Recipient.ToString() },
                ["upload"] = new Dictionary<string, object>
                {
                    ["brokerUri"] = $"mqtt://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                    ["userName"] = rig.DeviceId,
                    ["collectorKey"] = collectorKey,
                    ["partSizeBytes"] = PartSize,
                    ["rateLimitBytesPerSecond"] = 96 * 1024,
                    ["answerTimeoutSeconds"] = 5,
                },
            };
            File.WriteAllText(ConfigurationPath, JsonSerializer.Serialize(configuration));
        }

        public void Start()
        {
            _process?.Dispose();
            _process = Process.Start(new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "edgecapture"), ["upload", "--config", ConfigurationPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            _process.OutputDataReceived += (_, line) => Append(line.Data);
            _process.ErrorDataReceived += (_, line) => Append(line.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        /// <summary>SIGKILL: no stop, no death message, nothing flushed.</summary>
        public void Kill() => _process!.Kill();

        public async Task WaitForExitAsync(TimeSpan limit)
        {
            using var timeout = new CancellationTokenSource(limit);
            try
            {
                await _process!.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process!.Kill();
                Assert.Fail($"edgecapture upload did not finish within {limit.TotalSeconds} s:\n{Output}");
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_lock)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
