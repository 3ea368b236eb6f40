using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace EdgeCapture.Fleet.Tests;

/// <summary>A broker a test talks to on loopback.</summary>
internal interface ITestBroker : IAsyncDisposable
{
    int Port { get; }
}

/// <summary>The embedded MQTTnet broker on a free loopback port.</summary>
internal sealed class EmbeddedBroker : ITestBroker
{
    private readonly MqttServer _server;

    private EmbeddedBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public static async Task<EmbeddedBroker> StartAsync()
    {
        int port = FreePort.Next();
        var factory = new MqttServerFactory();
        MqttServerOptions options = factory.CreateServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port).Build();
        MqttServer server = factory.CreateMqttServer(options);
        await server.StartAsync();
        return new EmbeddedBroker(server, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }
}

/// <summary>A real Mosquitto (the Debian package) started by the test on a free loopback port; missing mosquitto fails the test.</summary>
internal sealed class MosquittoBroker : ITestBroker
{
    private readonly Process _process;
    private readonly string _directory;

    private MosquittoBroker(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    public static async Task<MosquittoBroker> StartAsync()
    {
        string executable = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto is not installed (apt-get install mosquitto; .ci/run installs it)");
        int port = FreePort.Next();
        string directory = Directory.CreateTempSubdirectory("fleet-mosquitto-").FullName;
        string configuration = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configuration, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\nmax_inflight_messages 0\n");
        var process = Process.Start(new ProcessStartInfo(executable, ["-c", configuration]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return new MosquittoBroker(process, port, directory);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        process.Kill();
        throw new TimeoutException("mosquitto did not start listening");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
