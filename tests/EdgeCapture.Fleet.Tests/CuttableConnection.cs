using System.Net;
using System.Net.Sockets;

namespace EdgeCapture.Fleet.Tests;

/// <summary>
/// A loopback TCP relay between a box and the broker whose cable the test can cut: every connection is reset at once,
/// with no MQTT DISCONNECT, exactly what the broker sees when a box loses power. The broker then publishes the Will.
/// </summary>
internal sealed class CuttableConnection : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _brokerPort;
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private bool _cut;

    public CuttableConnection(int brokerPort)
    {
        _brokerPort = brokerPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    public void Cut()
    {
        lock (_sockets)
        {
            _cut = true;
            foreach (Socket socket in _sockets)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }

            _sockets.Clear();
        }

        _stop.Cancel();
        _listener.Stop();
    }

    public void Dispose()
    {
        if (!_cut)
        {
            Cut();
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket box = await _listener.AcceptSocketAsync(_stop.Token);
                var broker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await broker.ConnectAsync(IPAddress.Loopback, _brokerPort, _stop.Token);
                lock (_sockets)
                {
                    if (_cut)
                    {
                        box.Close();
                        broker.Close();
                        return;
                    }

                    _sockets.Add(box);
                    _sockets.Add(broker);
                }

                _ = PumpAsync(box, broker);
                _ = PumpAsync(broker, box);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Cut.
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        byte[] buffer = new byte[16384];
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Cut or closed.
        }
    }
}
