using System.Threading.Channels;
using EdgeCapture.Linux;
using EdgeCapture.Input.Evdev;

namespace EdgeCapture.Input.Tests;

/// <summary>A temporary directory removed at the end of a test.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory() => Path = Directory.CreateTempSubdirectory("edgecapture-input-").FullName;

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>The writing side of a FIFO standing in for an evdev node; held open read-write so opening never blocks.</summary>
internal sealed unsafe class FifoWriter : IDisposable
{
    private int _fileDescriptor;

    private FifoWriter(string path, int fileDescriptor)
    {
        Path = path;
        _fileDescriptor = fileDescriptor;
    }

    public string Path { get; }

    public static FifoWriter Create(string path)
    {
        if (Interop.MakeFifo(path, 0x180) != 0)
        {
            throw new IOException($"mkfifo {path}: errno {Interop.LastError}");
        }

        int fileDescriptor = Interop.Open(path, Interop.O_RDWR | Interop.O_CLOEXEC, 0);
        if (fileDescriptor < 0)
        {
            throw new IOException($"open {path}: errno {Interop.LastError}");
        }

        return new FifoWriter(path, fileDescriptor);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* pointer = bytes)
        {
            int offset = 0;
            while (offset < bytes.Length)
            {
                nint written = Interop.Write(_fileDescriptor, pointer + offset, bytes.Length - offset);
                if (written < 0)
                {
                    throw new IOException($"write {Path}: errno {Interop.LastError}");
                }

                offset += (int)written;
            }
        }
    }

    public void Write(params EvdevEvent[] events) => Write(InputEventCodec.EncodeAll(events));

    /// <summary>Closing the only writer is how a stand-in device is unplugged.</summary>
    public void Dispose()
    {
        int fileDescriptor = Interlocked.Exchange(ref _fileDescriptor, -1);
        if (fileDescriptor >= 0)
        {
            Interop.Close(fileDescriptor);
        }
    }
}

/// <summary>Records what the reader delivers and lets a test wait for it.</summary>
internal sealed class RecordingSink : IEvdevEventSink
{
    private readonly Channel<string> _log = Channel.CreateUnbounded<string>();

    public List<string> Received { get; } = [];

    public void DeviceAdded(EvdevDevice device) => _log.Writer.TryWrite($"added {device.Kind}");

    public void EventReceived(EvdevDevice device, in EvdevEvent inputEvent) =>
        _log.Writer.TryWrite(inputEvent.Type == EventTypes.Key ? $"key {inputEvent.Code} {inputEvent.Value}" : $"rel {inputEvent.Code} {inputEvent.Value}");

    public void FrameCompleted(EvdevDevice device, long timestampNanoseconds) => _log.Writer.TryWrite("frame");

    public void DeviceRemoved(EvdevDevice device) => _log.Writer.TryWrite("removed");

    /// <summary>Collects entries until <paramref name="last"/> arrives (a generous timeout guards against a hang only).</summary>
    public List<string> WaitFor(string last)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            string entry = _log.Reader.ReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
            Received.Add(entry);
            if (entry == last)
            {
                return Received;
            }
        }
    }
}

internal static class Events
{
    public static EvdevEvent Key(ushort code, int value, long time = 1_000_000) => new(time, EventTypes.Key, code, value);

    public static EvdevEvent Rel(ushort code, int value, long time = 1_000_000) => new(time, EventTypes.Relative, code, value);

    public static EvdevEvent Report(long time = 1_000_000) => new(time, EventTypes.Synchronization, SynchronizationCodes.Report, 0);

    public static EvdevEvent Dropped(long time = 1_000_000) => new(time, EventTypes.Synchronization, SynchronizationCodes.Dropped, 0);
}

internal static class TestTime
{
    /// <summary>A fake clock near tick zero, so its timestamps fit in monotonic nanoseconds.</summary>
    public static Microsoft.Extensions.Time.Testing.FakeTimeProvider Create() => new(new DateTimeOffset(1, 1, 2, 0, 0, 0, TimeSpan.Zero));
}
