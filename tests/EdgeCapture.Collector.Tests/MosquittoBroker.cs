using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeCapture.Collector.Broker;
using EdgeCapture.TestSupport;

namespace EdgeCapture.Collector.Tests;

/// <summary>
/// A real Mosquitto started from the shipped configuration (src/EdgeCapture.Collector/Deployment/mosquitto), changed
/// only in its port (a free loopback one) and its file paths. It can be killed (SIGKILL) and started again on the same port.
/// </summary>
internal sealed class MosquittoBroker : IDisposable
{
    private readonly string _executable;
    private readonly string _configPath;
    private readonly DirectoryInfo _directory;
    private readonly System.Text.StringBuilder _errors = new();
    private Process? _process;

    private MosquittoBroker(string executable, DirectoryInfo directory, string configPath, int port, TestCertificates certificates)
    {
        _executable = executable;
        _directory = directory;
        _configPath = configPath;
        Port = port;
        Certificates = certificates;
    }

    public int Port { get; }

    public TestCertificates Certificates { get; }

    public string Log => Path.Combine(_directory.FullName, "mosquitto.log");

    public static string ShippedDirectory => Path.Combine(AppContext.BaseDirectory, "Deployment", "mosquitto");

    /// <summary>Starts Mosquitto, or returns null when it is not installed and that is allowed.</summary>
    public static MosquittoBroker? Start(TestCertificates certificates)
    {
        string? executable = ExternalTool.Require("mosquitto", "mosquitto");
        if (executable is null)
        {
            return null;
        }

        DirectoryInfo directory = Directory.CreateTempSubdirectory("edgecapture-mosquitto-");
        (string ca, string cert, string key) = certificates.WritePem(directory.FullName);
        File.Copy(Path.Combine(ShippedDirectory, "acl"), Path.Combine(directory.FullName, "acl"));
        int port = FreePort();
        string config = File.ReadAllText(Path.Combine(ShippedDirectory, "mosquitto.conf"))
            .Replace("listener 8883", $"listener {port} 127.0.0.1", StringComparison.Ordinal)
            .Replace("/etc/mosquitto/edgecapture/ca.crt", ca, StringComparison.Ordinal)
            .Replace("/etc/mosquitto/edgecapture/server.crt", cert, StringComparison.Ordinal)
            .Replace("/etc/mosquitto/edgecapture/server.key", key, StringComparison.Ordinal)
            .Replace("/etc/mosquitto/edgecapture/acl", Path.Combine(directory.FullName, "acl"), StringComparison.Ordinal)
            .Replace("/var/lib/mosquitto/", directory.FullName + "/", StringComparison.Ordinal);
        Assert.Contains($"listener {port} 127.0.0.1", config, StringComparison.Ordinal);
        string configPath = Path.Combine(directory.FullName, "mosquitto.conf");
        File.WriteAllText(configPath, config + $"\nlog_dest file {Path.Combine(directory.FullName, "mosquitto.log")}\nlog_type all\n");
        GiveToBrokerUser(directory.FullName);
        var broker = new MosquittoBroker(executable, directory, configPath, port, certificates);
        broker.Restart();
        return broker;
    }

    public BrokerConnectionOptions CollectorConnection(string? sharedGroup = null, string? clientId = null) => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        UseTls = true,
        CertificateAuthority = Certificates.Authority,
        ClientCertificate = Certificates.Issue("edgecapture-collector"),
        SharedSubscriptionGroup = sharedGroup,
        ClientId = clientId ?? "collector-" + Guid.NewGuid().ToString("N")[..8],
    };

    /// <summary>(Re)starts the broker on the same port and waits until it accepts connections.</summary>
    public void Restart()
    {
        _process = Process.Start(new ProcessStartInfo(_executable, ["-c", _configPath]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
        _process.ErrorDataReceived += (_, line) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(line.Data);
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (waited.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited)
            {
                _process.WaitForExit(20);
            }
            catch (SocketException)
            {
                Assert.Fail($"mosquitto did not start: {(File.Exists(Log) ? File.ReadAllText(Log) : "no log")} {_errors}");
            }
        }
    }

    /// <summary>SIGKILL: the broker dies at once, losing whatever it had not saved.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>Started as root, Mosquitto drops to its own user (Debian: mosquitto), which must be able to read its files.</summary>
    private static void GiveToBrokerUser(string directory)
    {
        if (Environment.UserName != "root")
        {
            return;
        }

        using Process chown = Process.Start(new ProcessStartInfo("chown", ["-R", "mosquitto:", directory]) { UseShellExecute = false, RedirectStandardError = true })!;
        chown.StandardError.ReadToEnd();
        chown.WaitForExit();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
