using System.Threading.Channels;
using EdgeCapture.Linux;
using EdgeCapture.Input;
using EdgeCapture.Input.Evdev;
using EdgeCapture.Relay.Gadget;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Relay.Tests;

internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory() => Path = Directory.CreateTempSubdirectory("edgecapture-relay-").FullName;

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static unsafe class Fifo
{
    public static string Create(string path)
    {
        if (Interop.MakeFifo(path, 0x180) != 0)
        {
            throw new IOException($"mkfifo {path}: errno {Interop.LastError}");
        }

        return path;
    }

    public static int OpenReadWrite(string path)
    {
        int fileDescriptor = Interop.Open(path, Interop.O_RDWR | Interop.O_CLOEXEC, 0);
        return fileDescriptor >= 0 ? fileDescriptor : throw new IOException($"open {path}: errno {Interop.LastError}");
    }

    public static void WriteAll(int fileDescriptor, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* pointer = bytes)
        {
            int offset = 0;
            while (offset < bytes.Length)
            {
                nint written = Interop.Write(fileDescriptor, pointer + offset, bytes.Length - offset);
                if (written < 0)
                {
                    throw new IOException($"write: errno {Interop.LastError}");
                }

                offset += (int)written;
            }
        }
    }
}

/// <summary>A simulated physical device: the writing end of a FIFO the real reader reads.</summary>
internal sealed class SimulatedDevice : IDisposable
{
    private int _fileDescriptor;

    public SimulatedDevice(string path, InputDeviceKind kind, string? ledPath = null)
    {
        Path = Fifo.Create(path);
        _fileDescriptor = Fifo.OpenReadWrite(path);
        Options = new EvdevDeviceOptions(path) { Kind = kind, LedOutputPath = ledPath };
    }

    public string Path { get; }

    public EvdevDeviceOptions Options { get; }

    public void Write(params EvdevEvent[] events) => Fifo.WriteAll(_fileDescriptor, InputEventCodec.EncodeAll(events));

    public void WriteBytes(ReadOnlySpan<byte> bytes) => Fifo.WriteAll(_fileDescriptor, bytes);

    public void Unplug() => Dispose();

    public void Dispose()
    {
        int fileDescriptor = Interlocked.Exchange(ref _fileDescriptor, -1);
        if (fileDescriptor >= 0)
        {
            Interop.Close(fileDescriptor);
        }
    }
}

/// <summary>The host side of a gadget FIFO: reads whole reports on its own thread until end of file.</summary>
internal sealed unsafe class SimulatedHost : IDisposable
{
    private readonly Channel<byte[]> _reports = Channel.CreateUnbounded<byte[]>();
    private readonly int _reportLength;
    private readonly ManualResetEventSlim _reading = new();
    private readonly Thread _thread;
    private int _fileDescriptor;

    public SimulatedHost(string path, int reportLength, bool startReading = true, int pipeSize = 0)
    {
        Path = path;
        _reportLength = reportLength;
        _fileDescriptor = Interop.Open(path, Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_CLOEXEC, 0);
        if (_fileDescriptor < 0)
        {
            throw new IOException($"open {path}: errno {Interop.LastError}");
        }

        if (pipeSize > 0 && Interop.FileControl(_fileDescriptor, Interop.F_SETPIPE_SZ, pipeSize) < 0)
        {
            throw new IOException($"F_SETPIPE_SZ {path}: errno {Interop.LastError}");
        }

        if (startReading)
        {
            _reading.Set();
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "simulated host " + path };
        _thread.Start();
    }

    public string Path { get; }

    public void StartReading() => _reading.Set();

    /// <summary>The next report (a generous timeout guards against a hang only).</summary>
    public byte[] Next()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return _reports.Reader.ReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The next report if one has arrived.</summary>
    public bool TryNext(out byte[] report) => _reports.Reader.TryRead(out report!);

    /// <summary>Every remaining report until the relay closes the endpoint.</summary>
    public List<byte[]> ReadToEnd()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reports = new List<byte[]>();
        while (_reports.Reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult())
        {
            while (_reports.Reader.TryRead(out byte[]? report))
            {
                reports.Add(report);
            }
        }

        return reports;
    }

    public void Dispose()
    {
        int fileDescriptor = Interlocked.Exchange(ref _fileDescriptor, -1);
        if (fileDescriptor >= 0)
        {
            Interop.Close(fileDescriptor);
        }

        _reading.Dispose();
    }

    private void Run()
    {
        _reading.Wait();
        byte[] buffer = new byte[4096];
        int filled = 0;
        while (true)
        {
            var entry = new PollFileDescriptor { fd = _fileDescriptor, events = Interop.POLLIN };
            Interop.Poll(&entry, 1, -1);
            nint read;
            fixed (byte* pointer = buffer)
            {
                read = Interop.Read(_fileDescriptor, pointer + filled, buffer.Length - filled);
            }

            if (read < 0 && Interop.LastError == Errno.EAGAIN)
            {
                continue;
            }

            if (read <= 0)
            {
                _reports.Writer.TryComplete();
                return;
            }

            filled += (int)read;
            int offset = 0;
            while (filled - offset >= _reportLength)
            {
                _reports.Writer.TryWrite(buffer.AsSpan(offset, _reportLength).ToArray());
                offset += _reportLength;
            }

            buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
            filled -= offset;
        }
    }
}

/// <summary>Forwards to the relay and lets a test wait until the reader has handed over a number of frames or removals.</summary>
internal sealed class SignallingSink(IEvdevEventSink inner) : IEvdevEventSink
{
    private readonly Channel<string> _signals = Channel.CreateUnbounded<string>();

    public List<EvdevDevice> Devices { get; } = [];

    public void DeviceAdded(EvdevDevice device)
    {
        inner.DeviceAdded(device);
        lock (Devices)
        {
            Devices.Add(device);
        }

        _signals.Writer.TryWrite("added");
    }

    public void EventReceived(EvdevDevice device, in EvdevEvent inputEvent) => inner.EventReceived(device, inputEvent);

    public void FrameCompleted(EvdevDevice device, long timestampNanoseconds)
    {
        inner.FrameCompleted(device, timestampNanoseconds);
        _signals.Writer.TryWrite("frame");
    }

    public void DeviceRemoved(EvdevDevice device)
    {
        inner.DeviceRemoved(device);
        _signals.Writer.TryWrite("removed");
    }

    /// <summary>
    /// Consumes signals in order until <paramref name="count"/> of <paramref name="signal"/> were seen (others are skipped).
    /// Signals are never cleared: a frame written earlier and not waited for answers the next wait, so wait for every frame
    /// a write makes before relying on a later one having been applied.
    /// </summary>
    public void WaitFor(string signal, int count = 1)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int seen = 0;
        while (seen < count)
        {
            if (_signals.Reader.ReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult() == signal)
            {
                seen++;
            }
        }
    }
}

/// <summary>A shut-down switch in front of the real endpoint: while the host is absent, write(2) answers ESHUTDOWN as f_hid does.</summary>
internal sealed class SwitchableHostEndpoint(IHidGadgetEndpoint inner) : IHidGadgetEndpoint
{
    public volatile bool HostAbsent;

    private int _refusedWrites;

    /// <summary>Writes answered with ESHUTDOWN.</summary>
    public int RefusedWrites => Volatile.Read(ref _refusedWrites);

    public string Path => inner.Path;

    public int WriteFileDescriptor => inner.WriteFileDescriptor;

    public int ReadFileDescriptor => inner.ReadFileDescriptor;

    public int Write(ReadOnlySpan<byte> report)
    {
        if (!HostAbsent)
        {
            return inner.Write(report);
        }

        Interlocked.Increment(ref _refusedWrites);
        return -Errno.ESHUTDOWN;
    }

    public int Read(Span<byte> buffer) => inner.Read(buffer);

    public void Dispose() => inner.Dispose();
}

/// <summary>Counts log entries by level (thread-safe).</summary>
internal sealed class CountingLogger<T> : ILogger<T>
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Interlocked.Increment(ref _count);
        }
    }
}

/// <summary>A UDC whose state the test sets, as /sys/class/udc/&lt;udc&gt;/state would read; counts remote-wakeup requests.</summary>
internal sealed class SimulatedUdc : IUdcMonitor
{
    private int _wakeups;

    public volatile UdcState State = UdcState.Configured;

    public bool OffersRemoteWakeup { get; init; }

    public int Wakeups => Volatile.Read(ref _wakeups);

    public bool CanSignalRemoteWakeup => OffersRemoteWakeup;

    public UdcState ReadState() => State;

    public bool SignalRemoteWakeup()
    {
        Interlocked.Increment(ref _wakeups);
        return OffersRemoteWakeup;
    }
}

/// <summary>In front of the real endpoint: answers a write(2) fault (-EIO, a short count) while one is set.</summary>
internal sealed class FaultyEndpoint(IHidGadgetEndpoint inner) : IHidGadgetEndpoint
{
    public string Path => inner.Path;

    public int WriteFileDescriptor => inner.WriteFileDescriptor;

    public int ReadFileDescriptor => inner.ReadFileDescriptor;

    /// <summary>While not 0, every write returns this instead of writing (a negative errno, or a byte count short of the report).</summary>
    public volatile int Fault;

    public int Write(ReadOnlySpan<byte> report)
    {
        int fault = Fault;
        return fault != 0 ? fault : inner.Write(report);
    }

    public int Read(Span<byte> buffer) => inner.Read(buffer);

    public void Dispose() => inner.Dispose();
}

internal static class Events
{
    private static long _time = 1_000_000_000;

    public static EvdevEvent Key(ushort code, int value) => new(Interlocked.Add(ref _time, 1000), EventTypes.Key, code, value);

    public static EvdevEvent Rel(ushort code, int value) => new(Interlocked.Add(ref _time, 1000), EventTypes.Relative, code, value);

    public static EvdevEvent Report() => new(Interlocked.Add(ref _time, 1000), EventTypes.Synchronization, SynchronizationCodes.Report, 0);

    public static EvdevEvent Dropped() => new(Interlocked.Add(ref _time, 1000), EventTypes.Synchronization, SynchronizationCodes.Dropped, 0);

    /// <summary>Press then release, each in its own frame.</summary>
    public static EvdevEvent[] Tap(ushort code) => [Key(code, 1), Report(), Key(code, 0), Report()];
}

internal static class Reports
{
    public static string Hex(byte[] report) => Convert.ToHexString(report);

    public static string Keyboard(byte modifiers, params byte[] keys)
    {
        byte[] report = new byte[8];
        report[0] = modifiers;
        keys.CopyTo(report, 2);
        return Convert.ToHexString(report);
    }
}
