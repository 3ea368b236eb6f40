using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using EdgeCapture.Collector.Tests;
using EdgeCapture.Crypto;
using EdgeCapture.Fleet.Box;
using EdgeCapture.Fleet.Link;
using EdgeCapture.Fleet.Operators;
using EdgeCapture.Fleet.Tests;
using EdgeCapture.Protocol.Fleet;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeCapture.Cli.Tests;

/// <summary>
/// The operator's side against the shipped deployment, with the real CLI: a real Mosquitto started from the shipped
/// configuration and ACL (TLS, client certificates, use_identity_as_username), and the collector's embedded broker as
/// <c>edgecapture collector run</c> starts it (TLS with client certificates; plain TCP with the operator password).
/// <c>fleet command group:NAME status</c> reaches every box of the group and shows every signed response; <c>fleet config
/// set</c> on a group and a device reaches the boxes; a box's credential cannot publish a command or a desired document.
/// </summary>
public sealed class FleetOperatorDeploymentTests : IDisposable
{
    private const string Group = "floor-3";
    private const string OperatorPassword = "operator-password-for-tests-0123456789";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-fleet-deployment-");
    private readonly TestCertificates _certificates = new();
    private readonly PersonalSigningKey _operator = PersonalSigningKey.Generate(PersonalSigningKeyKind.Operator);

    public FleetOperatorDeploymentTests()
    {
        _operator.Save(OperatorKeyPath, DateTimeOffset.UtcNow);
        File.WriteAllText(CaPath, _certificates.Authority.ExportCertificatePem());
        WriteCertificate(_certificates.Issue(EdgeCapture.Collector.Broker.EmbeddedBroker.OperatorUserName), OperatorCertificatePath, OperatorCertificateKeyPath);
        WriteCertificate(_certificates.Server, ServerCertificatePath, ServerKeyPath);
        File.WriteAllText(PasswordPath, OperatorPassword + "\n");
    }

    private string OperatorKeyPath => Path.Combine(_directory.FullName, "operator.key");

    private string CaPath => Path.Combine(_directory.FullName, "ca.crt");

    private string OperatorCertificatePath => Path.Combine(_directory.FullName, "operator.crt");

    private string OperatorCertificateKeyPath => Path.Combine(_directory.FullName, "operator-cert.key");

    private string ServerCertificatePath => Path.Combine(_directory.FullName, "server.crt");

    private string ServerKeyPath => Path.Combine(_directory.FullName, "server.key");

    private string PasswordPath => Path.Combine(_directory.FullName, "operator.password");

    private string[] TlsOptions(int port) => ["--broker", $"mqtts://127.0.0.1:{port}", "--ca", CaPath, "--client-cert", OperatorCertificatePath, "--client-key", OperatorCertificateKeyPath];

    private string[] PasswordOptions(int port) => ["--broker", $"127.0.0.1:{port}", "--username", EdgeCapture.Collector.Broker.EmbeddedBroker.OperatorUserName, "--password-file", PasswordPath];

    [Fact]
    public async Task Through_the_shipped_mosquitto_the_operator_commands_and_configures_a_group_and_a_device()
    {
        using MosquittoBroker? mosquitto = MosquittoBroker.Start(_certificates);
        if (mosquitto is null)
        {
            return;
        }

        await RunOperatorScenarioAsync(mosquitto.Port, useTls: true, TlsOptions(mosquitto.Port));
    }

    [Fact]
    public async Task Through_collector_run_with_tls_the_operator_certificate_is_the_operator_role()
    {
        int port = MosquittoBroker.FreePort();
        using CollectorProcess collector = CollectorProcess.Start(Path.Combine(_directory.FullName, "store-tls"), "--port", port.ToString(CultureInfo.InvariantCulture), "--tls-cert", ServerCertificatePath, "--tls-key", ServerKeyPath, "--client-ca", CaPath);
        await RunOperatorScenarioAsync(port, useTls: true, TlsOptions(port));
    }

    [Fact]
    public async Task Through_collector_run_on_plain_tcp_the_operator_password_is_the_operator_role()
    {
        int port = MosquittoBroker.FreePort();
        using CollectorProcess collector = CollectorProcess.Start(Path.Combine(_directory.FullName, "store-plain"), "--port", port.ToString(CultureInfo.InvariantCulture), "--operator-password-file", PasswordPath);
        await RunOperatorScenarioAsync(port, useTls: false, PasswordOptions(port));

        // The role by name alone, or with a wrong password, is refused: exit 3 with the broker's reason.
        string wrong = Path.Combine(_directory.FullName, "wrong.password");
        await File.WriteAllTextAsync(wrong, "not-the-operator-password\n");
        (int code, _, string error) = await RunAsync(["fleet", "devices", "--broker", $"127.0.0.1:{port}", "--username", EdgeCapture.Collector.Broker.EmbeddedBroker.OperatorUserName, "--password-file", wrong]);
        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("cannot connect to the broker", error, StringComparison.Ordinal);
        Assert.False(await ConnectsAsync(port, EdgeCapture.Collector.Broker.EmbeddedBroker.OperatorUserName, tls: false));
    }

    [Fact]
    public async Task A_box_credential_cannot_publish_a_command_or_a_desired_document_on_mosquitto_or_the_embedded_broker()
    {
        using MosquittoBroker? mosquitto = MosquittoBroker.Start(_certificates);
        if (mosquitto is null)
        {
            return;
        }

        int port = MosquittoBroker.FreePort();
        using CollectorProcess collector = CollectorProcess.Start(Path.Combine(_directory.FullName, "store-box"), "--port", port.ToString(CultureInfo.InvariantCulture), "--tls-cert", ServerCertificatePath, "--tls-key", ServerKeyPath, "--client-ca", CaPath);
        foreach (int brokerPort in new[] { mosquitto.Port, port })
        {
            using IMqttClient box = await ConnectBoxAsync(brokerPort, "box-1");
            byte[] envelope = SignedFleetMessage.Sign(FleetMessageKind.Command, FleetTestKit.Command(FleetCommandNames.StopRecording, FleetTarget.Group(Group), DateTimeOffset.UtcNow).Encode(), _operator);
            foreach (string topic in new[] { FleetTopics.GroupCommand(Group), FleetTopics.DeviceCommand("box-2"), FleetTopics.DeviceCommand("box-1"), FleetTopics.GroupDesired(Group), FleetTopics.DeviceDesired("box-2") })
            {
                MqttClientPublishResult result = await box.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(envelope).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                Assert.False(result.IsSuccess, $"port {brokerPort}: a box published on {topic}");
                Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
            }
        }
    }

    [Fact]
    public async Task Bad_broker_options_are_usage_errors_and_an_unreadable_credential_is_unavailable()
    {
        (int code, _, string error) = await RunAsync(["fleet", "devices", "--broker", "http://127.0.0.1:1"]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--broker must be", error, StringComparison.Ordinal);

        (code, _, error) = await RunAsync(["fleet", "devices", "--broker", "mqtts://127.0.0.1:1", "--client-cert", OperatorCertificatePath]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--client-cert and --client-key go together", error, StringComparison.Ordinal);

        (code, _, error) = await RunAsync(["fleet", "devices", "--broker", "mqtt://127.0.0.1:1", "--ca", CaPath]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("need TLS", error, StringComparison.Ordinal);

        (code, _, error) = await RunAsync(["fleet", "devices", "--broker", "127.0.0.1:1", "--password-file", PasswordPath]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--password-file needs --username", error, StringComparison.Ordinal);

        (code, _, error) = await RunAsync(["fleet", "devices", "--broker", "mqtts://127.0.0.1:1", "--ca", Path.Combine(_directory.FullName, "missing.crt")]);
        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("cannot read a broker credential", error, StringComparison.Ordinal);

        (code, _, error) = await RunAsync(["fleet", "devices", "--broker", $"127.0.0.1:{MosquittoBroker.FreePort()}"]);
        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("cannot connect to the broker", error, StringComparison.Ordinal);
    }

    /// <summary>Three boxes in the group and one outside it; the CLI commands the group and a device and configures both.</summary>
    private async Task RunOperatorScenarioAsync(int port, bool useTls, string[] brokerOptions)
    {
        var boxes = new List<SimulatedBox>();
        try
        {
            for (int index = 1; index <= 4; index++)
            {
                boxes.Add(await SimulatedBox.StartAsync($"box-{index}", index <= 3 ? [Group] : ["floor-4"], _operator, port, useTls ? _certificates : null));
            }

            await using FleetOperatorSession watcher = await WatchAsync(port, useTls);
            await Eventually(() => watcher.View.Devices().Count(device => device.IsOnline) == 4, "four births seen by the operator role");

            (int code, string output, string error) = await RunAsync(["fleet", "command", $"group:{Group}", "status", "--key", OperatorKeyPath, "--json", "--timeout", "20", .. brokerOptions]);
            Assert.True(code == 0, $"exit {code}: {error}{output}");
            using (JsonDocument result = JsonDocument.Parse(output))
            {
                JsonElement[] responses = [.. result.RootElement.GetProperty("responses").EnumerateArray()];
                Assert.Equal(["box-1", "box-2", "box-3"], responses.Select(r => r.GetProperty("response").GetProperty("device").GetString()).Order(StringComparer.Ordinal));
                Assert.All(responses, r => Assert.True(r.GetProperty("verified").GetBoolean()));
                Assert.All(responses, r => Assert.Equal(FleetOutcomes.Done, r.GetProperty("response").GetProperty("outcome").GetString()));
                Assert.Empty(result.RootElement.GetProperty("missing").EnumerateArray());
            }

            (code, output, error) = await RunAsync(["fleet", "command", "box-4", "stop-recording", "--key", OperatorKeyPath, .. brokerOptions]);
            Assert.True(code == 0, $"exit {code}: {error}{output}");
            Assert.Contains("verified", output, StringComparison.Ordinal);
            Assert.True(boxes[3].Hold.IsStopped);
            Assert.False(boxes[0].Hold.IsStopped);

            (code, output, error) = await RunAsync(["fleet", "config", "set", $"group:{Group}", "--key", OperatorKeyPath, "--settings", "{\"segmentSeconds\":20}", .. brokerOptions]);
            Assert.True(code == 0, $"exit {code}: {error}{output}");
            (code, output, error) = await RunAsync(["fleet", "config", "set", "box-4", "--key", OperatorKeyPath, "--settings", "{\"segmentSeconds\":30}", .. brokerOptions]);
            Assert.True(code == 0, $"exit {code}: {error}{output}");
            await Eventually(() => boxes.Take(3).All(box => watcher.View.Device(box.DeviceId)?.Reported?.GroupVersions.GetValueOrDefault(Group) == 1), "the group's desired version 1 reported by its three boxes");
            await Eventually(() => watcher.View.Device("box-4")?.Reported?.DeviceVersion == 1, "box-4's desired version 1 reported");

            (code, output, error) = await RunAsync(["fleet", "config", "get", $"group:{Group}", .. brokerOptions]);
            Assert.True(code == 0, $"exit {code}: {error}{output}");
            using (JsonDocument desired = JsonDocument.Parse(output))
            {
                Assert.Equal(1, desired.RootElement.GetProperty("desiredVersion").GetInt64());
                Assert.Equal(20, desired.RootElement.GetProperty("desired").GetProperty("segmentSeconds").GetInt32());
            }

            (code, output, error) = await RunAsync(["fleet", "devices", .. brokerOptions]);
            Assert.True(code == 0, $"exit {code}: {error}{output}");
            Assert.All(boxes, box => Assert.Contains(box.DeviceId, output, StringComparison.Ordinal));
        }
        finally
        {
            foreach (SimulatedBox box in boxes)
            {
                await box.DisposeAsync();
            }
        }
    }

    private async Task<FleetOperatorSession> WatchAsync(int port, bool useTls)
    {
        var options = new MqttFleetLinkOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ClientId = FleetOperatorSession.NewClientId(),
            UseTls = useTls,
            CertificateAuthority = useTls ? _certificates.Authority : null,
            ClientCertificate = useTls ? _certificates.Issue(EdgeCapture.Collector.Broker.EmbeddedBroker.OperatorUserName) : null,
            UserName = useTls ? null : EdgeCapture.Collector.Broker.EmbeddedBroker.OperatorUserName,
            Password = useTls ? null : OperatorPassword,
        };
        using var timeout = new CancellationTokenSource(Wait);
        return await FleetOperatorSession.ConnectAsync(options, TimeProvider.System, null, followDesired: true, timeout.Token);
    }

    private async Task<IMqttClient> ConnectBoxAsync(int port, string deviceId)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        X509Certificate2 certificate = _certificates.Issue(deviceId);
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(deviceId + "-raw").WithTlsOptions(o => o.UseTls().WithTrustChain([_certificates.Authority]).WithClientCertificates([certificate])).Build());
        return client;
    }

    private static async Task<bool> ConnectsAsync(int port, string userName, bool tls)
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        try
        {
            MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId("claim-" + userName).WithCredentials(userName, string.Empty);
            MqttClientConnectResult result = await client.ConnectAsync((tls ? builder.WithTlsOptions(o => o.UseTls()) : builder).Build());
            return result.ResultCode == MqttClientConnectResultCode.Success;
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            return false;
        }
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Wait, "not within " + Wait + ": " + what);
            await Task.Delay(20);
        }
    }

    private static void WriteCertificate(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using ECDsa key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] arguments)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await Program.RunAsync(arguments, new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        _operator.Dispose();
        _certificates.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>A box: the real fleet agent on its own TLS (client certificate, CN = device id) or plain link, trusting the operator key.</summary>
    private sealed class SimulatedBox : IAsyncDisposable
    {
        private readonly FleetTestKit _kit;
        private readonly MqttFleetLink _link;
        private readonly FleetAgent _agent;

        private SimulatedBox(FleetTestKit kit, MqttFleetLink link, FleetAgent agent, RemoteRecordingHold hold)
        {
            _kit = kit;
            _link = link;
            _agent = agent;
            Hold = hold;
        }

        public string DeviceId => _kit.DeviceId;

        public RemoteRecordingHold Hold { get; }

        public static async Task<SimulatedBox> StartAsync(string deviceId, string[] groups, PersonalSigningKey operatorKey, int port, TestCertificates? tls)
        {
            var kit = new FleetTestKit(deviceId, groups) { Clock = TimeProvider.System };
            kit.Configuration = kit.Configuration with { TrustedSigners = [new TrustedSigner("it-operator", FleetRole.Operator, operatorKey.PublicKey)] };
            long tick = 0;
            var hold = new RemoteRecordingHold(() => Interlocked.Increment(ref tick), FleetAgent.IsRemotelyStopped(kit.Database));
            var link = new MqttFleetLink(
                new MqttFleetLinkOptions
                {
                    Host = "127.0.0.1",
                    Port = port,
                    ClientId = deviceId,
                    UseTls = tls is not null,
                    CertificateAuthority = tls?.Authority,
                    ClientCertificate = tls?.Issue(deviceId),
                    UserName = tls is null ? deviceId : null,
                },
                NullLogger<MqttFleetLink>.Instance);
            var agent = new FleetAgent(
                new FleetAgentOptions { DeviceId = deviceId, Configuration = kit.Configuration, ChangePollInterval = TimeSpan.FromMilliseconds(50) },
                link, new FakeDeviceFacts(kit.DeviceKey.PublicKey), new RecordingFleetActions(), hold, kit.Database, kit.DeviceKey, kit.Clock, NullLogger<FleetAgent>.Instance);
            await agent.StartAsync(CancellationToken.None);
            return new SimulatedBox(kit, link, agent, hold);
        }

        public async ValueTask DisposeAsync()
        {
            await _agent.DisposeAsync();
            await _link.DisposeAsync();
            _kit.Dispose();
        }
    }

    /// <summary><c>edgecapture collector run</c> as a child process, up once it printed its public key.</summary>
    private sealed class CollectorProcess : IDisposable
    {
        private readonly Process _process;

        private CollectorProcess(Process process) => _process = process;

        public static CollectorProcess Start(string store, params string[] options)
        {
            var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "edgecapture")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in (string[])["collector", "run", "--store", store, .. options])
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            var errors = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, line) =>
            {
                lock (errors)
                {
                    errors.AppendLine(line.Data);
                }
            };
            process.BeginErrorReadLine();
            while (process.StandardOutput.ReadLine() is { } line)
            {
                if (line.StartsWith("collector public key: ", StringComparison.Ordinal))
                {
                    _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                    return new CollectorProcess(process);
                }
            }

            process.WaitForExit();
            string message;
            lock (errors)
            {
                message = errors.ToString();
            }

            Assert.Fail($"collector run exited with {process.ExitCode}: {message}");
            return null!;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
