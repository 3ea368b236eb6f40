using System.Net;
using System.Net.Sockets;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Operators;
using EdgeCapture.Fleet.View;
using EdgeCapture.Protocol.Fleet;
using MQTTnet.Server;

namespace EdgeCapture.Appliance.Tests;

/// <summary>
/// A simulated appliance with an upload section and a fleet file, on an embedded MQTTnet broker on loopback, and an operator
/// session that sees it through the broker: the real agent on the box's one connection, commands signed by real keys.
/// </summary>
internal sealed class FleetApplianceHarness : IAsyncDisposable
{
    public const string DeviceId = "fleet-box";

    private readonly MqttServer _broker;

    private FleetApplianceHarness(DirectoryInfo directory, MqttServer broker, int port)
    {
        Directory = directory;
        _broker = broker;
        Port = port;
    }

    public DirectoryInfo Directory { get; }

    public int Port { get; }

    public AgeIdentity Custodian { get; } = AgeIdentity.Generate();

    public DeviceSigningKey CollectorKey { get; } = DeviceSigningKey.Generate();

    public PersonalSigningKey Operator { get; } = PersonalSigningKey.Generate(PersonalSigningKeyKind.Operator);

    public PersonalSigningKey CustodianSigning { get; } = PersonalSigningKey.Generate(PersonalSigningKeyKind.CustodianSigning);

    public Appliance? Appliance { get; private set; }

    public FleetOperatorSession? Session { get; private set; }

    public string FleetFile => Path.Combine(Directory.FullName, "fleet.json");

    public static async Task<FleetApplianceHarness> StartBrokerAsync()
    {
        int port = FreePort();
        var factory = new MqttServerFactory();
        MqttServer broker = factory.CreateMqttServer(factory.CreateServerOptionsBuilder().WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port).Build());
        await broker.StartAsync();
        var harness = new FleetApplianceHarness(System.IO.Directory.CreateTempSubdirectory("edgecapture-appliance-fleet-"), broker, port);
        await File.WriteAllTextAsync(harness.FleetFile, $$"""
            { "groups": ["floor-3"], "statusIntervalSeconds": 1,
              "trustedSigners": [ { "name": "it-alice", "role": "operator", "publicKey": "{{harness.Operator.PublicKey}}" },
                                  { "name": "custodian", "role": "custodian", "publicKey": "{{harness.CustodianSigning.PublicKey}}" } ] }
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(harness.FleetFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        return harness;
    }

    public ApplianceConfiguration Configuration(VideoSourceKind video = VideoSourceKind.Simulated) => new()
    {
        DeviceId = DeviceId,
        DataDirectory = Path.Combine(Directory.FullName, "box"),
        Recipients = [Custodian.Recipient],
        SegmentSeconds = 0.3,
        VideoSource = video,
        Upload = new UploadConfiguration { BrokerUri = new Uri($"mqtt://127.0.0.1:{Port}"), CollectorKey = CollectorKey.PublicKey, AnswerTimeoutSeconds = 5 },
        FleetConfigurationPath = FleetFile,
    };

    /// <summary>Starts the appliance and waits until the operator sees its birth (carried by the presence birth).</summary>
    public async Task<Appliance> StartApplianceAsync(ApplianceSimulation simulation, ApplianceConfiguration? configuration = null, Action<EdgeCapture.Recording.Recorder.SegmentSealedInfo>? onSealed = null)
    {
        Appliance = EdgeCapture.Appliance.Appliance.Start(configuration ?? Configuration(), simulation, onSegmentSealed: onSealed);
        Session ??= await FleetOperatorSession.ConnectAsync("127.0.0.1", Port, TimeProvider.System, null, followDesired: false, CancellationToken.None);
        await WaitUntilAsync(() => Session.View.Device(DeviceId) is { IsOnline: true } record && record.Birth!.BdSeq == Appliance.Upload!.PresenceSequence, "the operator sees the box's birth");
        return Appliance;
    }

    public async Task StopApplianceAsync()
    {
        if (Appliance is not null)
        {
            await Appliance.DisposeAsync();
            Appliance = null;
        }
    }

    /// <summary>Signs and sends one command to the box; returns its verified response.</summary>
    public async Task<FleetResponse> CommandAsync(string name, string arguments = "{}", PersonalSigningKey? key = null)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var command = new FleetCommand { Id = "cmd-" + Guid.NewGuid().ToString("N"), Name = name, Target = FleetTarget.Device(DeviceId), IssuedAt = now, ExpiresAt = now.AddMinutes(5), ArgumentsJson = arguments };
        IReadOnlyList<VerifiedResponse> responses = await Session!.SendAsync(command, key ?? Operator, 1, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        VerifiedResponse response = Assert.Single(responses);
        Assert.True(response.SignatureVerified, "the response is signed by the key of the box's birth");
        return response.Response;
    }

    public Task<bool> PublishDesiredAsync(long version, string settings) =>
        Session!.PublishDesiredAsync(new FleetDesiredConfiguration { Target = FleetTarget.Device(DeviceId), Version = version, IssuedAt = DateTimeOffset.UtcNow, SettingsJson = settings }, Operator, CancellationToken.None);

    public FleetDeviceRecord Record => Session!.View.Device(DeviceId)!;

    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting until " + what);
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopApplianceAsync();
        if (Session is not null)
        {
            await Session.DisposeAsync();
        }

        await _broker.StopAsync(new MqttServerStopOptions());
        _broker.Dispose();
        Custodian.Dispose();
        CollectorKey.Dispose();
        Operator.Dispose();
        CustodianSigning.Dispose();
        Directory.Delete(recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
