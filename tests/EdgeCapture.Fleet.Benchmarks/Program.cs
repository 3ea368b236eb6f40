// Fleet benchmark: N simulated boxes (the real agent, link, SQLite stores and signing) in one process, sharing a real
// Mosquitto on loopback. Measures a signed group command's fan-out until every verified response is back, against a
// floor of N bare MQTTnet clients echoing the same request (no signature, no authorization, no audit) in the same run;
// steady-state status telemetry through the broker; and managed memory per simulated box.
// Usage: dotnet run -c Release [-- --boxes 1000 --rounds 3 --telemetry-seconds 10]
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.Operators;
using EdgeCapture.Fleet.Store;
using EdgeCapture.Protocol.Fleet;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

int boxes = Argument("--boxes", 1000);
int rounds = Argument("--rounds", 3);
int telemetrySeconds = Argument("--telemetry-seconds", 10);
string work = Directory.CreateTempSubdirectory("fleet-bench-").FullName;
using Process mosquitto = StartMosquitto(work, out int port);
var fleet = new List<(FleetAgent Agent, MqttFleetLink Link, FleetDatabase Database, DeviceSigningKey Key)>();
try
{
    using PersonalSigningKey operatorKey = PersonalSigningKey.Generate(PersonalSigningKeyKind.Operator);
    var configuration = new FleetBoxConfiguration
    {
        TrustedSigners = [new TrustedSigner("bench-operator", FleetRole.Operator, operatorKey.PublicKey)],
        Groups = ["bench"],
        StatusInterval = TimeSpan.FromSeconds(30),
    };

    // Floor first, alone: bare clients that answer a request on the same topic shape.
    (TimeSpan floorConnect, List<TimeSpan> floor) = await MeasureFloorAsync(port, boxes, rounds);

    Collect();
    long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
    long workingSetBefore = Process.GetCurrentProcess().WorkingSet64;
    var started = Stopwatch.StartNew();
    await using FleetOperatorSession session = await FleetOperatorSession.ConnectAsync("127.0.0.1", port, TimeProvider.System, null, followDesired: false, CancellationToken.None);
    for (int i = 0; i < boxes; i++)
    {
        string id = "box-" + i.ToString("D4", CultureInfo.InvariantCulture);
        var database = FleetDatabase.Open(Path.Combine(work, id + ".db"));
        var key = DeviceSigningKey.Generate();
        var facts = new BenchFacts(key.PublicKey);
        var link = new MqttFleetLink(new MqttFleetLinkOptions { Host = "127.0.0.1", Port = port, ClientId = id, KeepAlive = TimeSpan.FromSeconds(30) }, NullLogger<MqttFleetLink>.Instance);
        var agent = new FleetAgent(new FleetAgentOptions { DeviceId = id, Configuration = configuration, ChangePollInterval = TimeSpan.FromMilliseconds(500) }, link, facts, new BenchActions(), new RemoteRecordingHold(() => Stopwatch.GetTimestamp(), false), database, key, TimeProvider.System, NullLogger<FleetAgent>.Instance);
        await agent.StartAsync(CancellationToken.None);
        fleet.Add((agent, link, database, key));
    }

    await WaitAsync(() => session.View.Devices().Count(device => device.IsOnline) >= boxes, TimeSpan.FromMinutes(8), "every birth", () => session.View.Devices().Count(device => device.IsOnline));
    TimeSpan allBorn = started.Elapsed;
    Collect();
    long managedPerBox = (GC.GetTotalMemory(forceFullCollection: true) - managedBefore) / boxes;
    long workingSetPerBox = (Process.GetCurrentProcess().WorkingSet64 - workingSetBefore) / boxes;

    var fanOut = new List<(TimeSpan Elapsed, int Responses, int Verified)>();
    for (int round = 0; round < rounds; round++)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var command = new FleetCommand { Id = "bench-" + Guid.NewGuid().ToString("N"), Name = FleetCommandNames.Status, Target = FleetTarget.Group("bench"), IssuedAt = now, ExpiresAt = now + TimeSpan.FromMinutes(1) };
        var watch = Stopwatch.StartNew();
        IReadOnlyList<VerifiedResponse> responses = await session.SendAsync(command, operatorKey, boxes, TimeSpan.FromSeconds(60), null, CancellationToken.None);
        fanOut.Add((watch.Elapsed, responses.Count, responses.Count(r => r.SignatureVerified && r.Response.Outcome == FleetOutcomes.Done)));
    }

    // Steady-state telemetry: a signed group desired document turns the status interval down to 1 s on every box, then
    // one observer counts the status messages the broker delivers.
    await session.PublishDesiredAsync(new FleetDesiredConfiguration { Target = FleetTarget.Group("bench"), Version = 1, IssuedAt = DateTimeOffset.UtcNow, SettingsJson = "{\"statusIntervalSeconds\":1}" }, operatorKey, CancellationToken.None);
    await WaitAsync(() => session.View.Devices().Count(device => device.Reported?.GroupVersions.GetValueOrDefault("bench") == 1) >= boxes, TimeSpan.FromMinutes(3), "every box reporting the new interval", () => session.View.Devices().Count(device => device.Reported?.GroupVersions.GetValueOrDefault("bench") == 1));
    long statuses = 0;
    await using var observer = new MqttFleetLink(new MqttFleetLinkOptions { Host = "127.0.0.1", Port = port, ClientId = "bench-observer" }, NullLogger<MqttFleetLink>.Instance);
    var observing = new TaskCompletionSource();
    await observer.StartAsync(new FleetLinkSession { Subscriptions = [FleetTopics.AllDevices("status")], NextWill = () => null, OnConnected = () => { observing.TrySetResult(); return []; }, OnMessage = message => { if (!message.Retained) { Interlocked.Increment(ref statuses); } } }, CancellationToken.None);
    await observing.Task;
    await Task.Delay(TimeSpan.FromSeconds(2));
    long startCount = Interlocked.Read(ref statuses);
    var telemetryWatch = Stopwatch.StartNew();
    await Task.Delay(TimeSpan.FromSeconds(telemetrySeconds));
    double statusPerSecond = (Interlocked.Read(ref statuses) - startCount) / telemetryWatch.Elapsed.TotalSeconds;

    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Fleet benchmark: {boxes} simulated boxes in one process, Mosquitto on loopback, {Environment.ProcessorCount} cores"));
    Console.WriteLine();
    Console.WriteLine("| Measure | EdgeCapture fleet | Floor (bare MQTTnet echo) | Ratio |");
    Console.WriteLine("|---|---|---|---|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Connect all (birth seen for all / bare connect) | {allBorn.TotalSeconds:0.00} s | {floorConnect.TotalSeconds:0.00} s | {allBorn / floorConnect:0.00} |"));
    for (int round = 0; round < rounds; round++)
    {
        (TimeSpan elapsed, int responses, int verified) = fanOut[round];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Group command fan-out round {round + 1}: all responses back | {elapsed.TotalSeconds:0.000} s ({responses}/{boxes} responses, {verified} signed and verified) | {floor[round].TotalSeconds:0.000} s | {elapsed / floor[round]:0.00} |"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Steady-state status telemetry (interval set to 1 s by a signed group desired document; checked every 0.5 s) | {statusPerSecond:0} msg/s ({boxes} boxes) | - | - |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Memory per simulated box (managed heap / working set) | {managedPerBox / 1024.0:0.0} KiB / {workingSetPerBox / 1024.0:0.0} KiB | - | - |"));
    bool goal = fanOut.All(round => round.Responses == boxes && round.Verified == boxes && round.Elapsed <= TimeSpan.FromSeconds(5));
    Console.WriteLine();
    Console.WriteLine("Goal (every signed response back within 5 s): " + (goal ? "met" : "NOT met"));
}
finally
{
    foreach ((FleetAgent agent, MqttFleetLink link, FleetDatabase database, DeviceSigningKey key) in fleet)
    {
        await agent.DisposeAsync();
        await link.DisposeAsync();
        database.Dispose();
        key.Dispose();
    }

    mosquitto.Kill();
    mosquitto.WaitForExit();
    Directory.Delete(work, recursive: true);
}

static async Task<(TimeSpan Connect, List<TimeSpan> Rounds)> MeasureFloorAsync(int port, int count, int rounds)
{
    var factory = new MqttClientFactory();
    var clients = new List<IMqttClient>();
    var connect = Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        IMqttClient client = factory.CreateMqttClient();
        client.ApplicationMessageReceivedAsync += async e =>
        {
            MqttApplicationMessage request = e.ApplicationMessage;
            var response = new MqttApplicationMessageBuilder().WithTopic(request.ResponseTopic).WithPayload(request.Payload.ToArray()).WithCorrelationData(request.CorrelationData).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            await client.PublishAsync(response);
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("floor-" + i).Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("floor/group/command", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        clients.Add(client);
    }

    TimeSpan connected = connect.Elapsed;
    IMqttClient requester = factory.CreateMqttClient();
    int received = 0;
    TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    requester.ApplicationMessageReceivedAsync += _ =>
    {
        if (Interlocked.Increment(ref received) == count)
        {
            all.TrySetResult();
        }

        return Task.CompletedTask;
    };
    await requester.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("floor-requester").Build());
    await requester.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("floor/responses", MqttQualityOfServiceLevel.AtLeastOnce).Build());
    var results = new List<TimeSpan>();
    byte[] payload = new byte[600];
    for (int round = 0; round < rounds; round++)
    {
        received = 0;
        all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = Stopwatch.StartNew();
        await requester.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("floor/group/command").WithPayload(payload).WithResponseTopic("floor/responses").WithCorrelationData([1, 2, 3]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await all.Task.WaitAsync(TimeSpan.FromSeconds(60));
        results.Add(watch.Elapsed);
    }

    foreach (IMqttClient client in clients.Append(requester))
    {
        await client.DisconnectAsync();
        client.Dispose();
    }

    return (connected, results);
}

static Process StartMosquitto(string directory, out int port)
{
    string executable = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException("mosquitto is not installed");
    using (var listener = new TcpListener(IPAddress.Loopback, 0))
    {
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    string configuration = Path.Combine(directory, "mosquitto.conf");
    File.WriteAllText(configuration, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\nmax_inflight_messages 0\n");
    Process process = Process.Start(new ProcessStartInfo(executable, ["-c", configuration]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
    process.BeginErrorReadLine();
    process.BeginOutputReadLine();
    for (int attempt = 0; attempt < 200; attempt++)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return process;
        }
        catch (SocketException)
        {
            Thread.Sleep(25);
        }
    }

    throw new TimeoutException("mosquitto did not start");
}

static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what, Func<int> progress)
{
    var watch = Stopwatch.StartNew();
    TimeSpan nextReport = TimeSpan.FromSeconds(10);
    while (!condition())
    {
        if (watch.Elapsed > timeout)
        {
            throw new TimeoutException($"timed out waiting for {what} ({progress()} so far)");
        }

        if (watch.Elapsed > nextReport)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  waiting for {what}: {progress()} after {watch.Elapsed.TotalSeconds:0} s"));
            nextReport += TimeSpan.FromSeconds(10);
        }

        await Task.Delay(50);
    }
}

static void Collect()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
}

int Argument(string name, int fallback)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out int value) ? value : fallback;
}

/// <summary>Facts of a simulated box: fixed, with a changing counter.</summary>
internal sealed class BenchFacts(DevicePublicKey key) : IDeviceFacts
{
    private long _relayed;

    public FleetVersions Versions { get; } = new("bench", "bench", "simulated");

    public string CapturePath => "none";

    public DevicePublicKey DeviceKey { get; } = key;

    public IReadOnlyList<string> Recipients { get; } = ["age1bench"];

    public string PinoutHash => "none";

    public FleetSafetyState Safety { get; } = new(true, true, "default", []);

    public DeviceStatusSnapshot ReadStatus() =>
        new(FleetPrivacyStates.Recording, true, new FleetRelayCounters(Interlocked.Increment(ref _relayed), 0, 0), new FleetCaptureState(false, "none", 0), new FleetOutboxBacklog(0, 0), 1L << 30, TimeSpan.FromSeconds(1), null);
}

/// <summary>Actions of a simulated box: nothing to do.</summary>
internal sealed class BenchActions : IFleetActions
{
    public ValueTask<FleetActionOutcome> PurgeOutboxAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new FleetActionOutcome(true, "none"));

    public ValueTask<FleetActionOutcome> ForgetWindowAsync(TimeSpan window, CancellationToken cancellationToken) => ValueTask.FromResult(new FleetActionOutcome(true, "none"));

    public ValueTask<FleetActionOutcome> SetRecipientsAsync(IReadOnlyList<AgeRecipient> recipients, CancellationToken cancellationToken) => ValueTask.FromResult(new FleetActionOutcome(true, "none"));

    public ValueTask<FleetActionOutcome> RestartServiceAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new FleetActionOutcome(true, "none"));

    public FleetSettingsOutcome ApplySettings(IReadOnlyDictionary<string, JsonElement> settings) => new([.. settings.Keys], [], []);
}
