using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using EdgeCapture.Crypto;

namespace EdgeCapture.Cli.Tests;

/// <summary>
/// The real program under systemd's notify protocol, with the test as systemd: a datagram socket at NOTIFY_SOCKET and a
/// watchdog interval in WATCHDOG_USEC. The child says READY=1 once the relay runs, feeds the watchdog from the relay's
/// loops while it runs, and says STOPPING=1 when it stops.
/// </summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgecapture-systemd-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task The_appliance_says_ready_feeds_the_watchdog_and_says_stopping()
    {
        using AgeIdentity custodian = AgeIdentity.Generate();
        string socketPath = Path.Combine(_directory.FullName, "notify");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "edgecapture"),
            ["record", "--simulate", "--duration", "4", "--segment-seconds", "1", "--data-dir", Path.Combine(_directory.FullName, "box"), "--recipient", custodian.Recipient.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["NOTIFY_SOCKET"] = socketPath;
        start.Environment["WATCHDOG_USEC"] = "400000";
        start.Environment.Remove("WATCHDOG_PID");
        using Process child = Process.Start(start)!;
        Task<string> output = child.StandardOutput.ReadToEndAsync();
        Task<string> errors = child.StandardError.ReadToEndAsync();

        var messages = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        byte[] buffer = new byte[4096];
        while (!messages.Contains("STOPPING=1"))
        {
            int received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, received));
        }

        await child.WaitForExitAsync(timeout.Token);
        string stdout = await output;
        Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}\n{stdout}\n{await errors}");
        Assert.Equal("READY=1\nSTATUS=relaying", messages[0]);
        Assert.True(messages.Count(message => message == "WATCHDOG=1") >= 3, string.Join(" | ", messages));
        Assert.Equal("STOPPING=1", messages[^1]);
    }
}
