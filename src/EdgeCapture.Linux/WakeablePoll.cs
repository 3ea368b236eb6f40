using System.Runtime.CompilerServices;

namespace EdgeCapture.Linux;

/// <summary>
/// The poll loop both real-time threads run (the evdev reader and the HID gadget writer): a pinned <c>pollfd</c> set
/// whose first entry is an eventfd another thread signals to wake the poller, and the drain of that eventfd.
/// One thread calls <see cref="Reset"/>, <see cref="Add"/> and <see cref="Wait"/>; any thread may call <see cref="Wake"/>.
/// </summary>
internal sealed unsafe class WakeablePoll : IDisposable
{
    private readonly PollFileDescriptor[] _entries;
    private readonly int _wakeFileDescriptor;
    private int _count;
    private int _disposed;

    /// <summary>Creates the eventfd and room for <paramref name="capacity"/> descriptors besides it.</summary>
    /// <exception cref="IOException">eventfd failed.</exception>
    public WakeablePoll(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _entries = GC.AllocateArray<PollFileDescriptor>(capacity + 1, pinned: true);
        _wakeFileDescriptor = Interop.EventFileDescriptor(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
        if (_wakeFileDescriptor < 0)
        {
            throw new IOException($"eventfd failed: errno {Interop.LastError}.");
        }

        Reset();
    }

    /// <summary>Descriptors in the set, the wake eventfd not counted.</summary>
    public int Count => _count - 1;

    /// <summary>True when the last <see cref="Wait"/> returned because of <see cref="Wake"/> (among other reasons).</summary>
    public bool WasWoken { get; private set; }

    /// <summary>Empties the set down to the wake eventfd.</summary>
    public void Reset()
    {
        _entries[0] = new PollFileDescriptor { fd = _wakeFileDescriptor, events = Interop.POLLIN };
        _count = 1;
    }

    /// <summary>
    /// Adds <paramref name="fileDescriptor"/> for <paramref name="events"/> and returns the entry's index; a descriptor
    /// already in the set gets the events added instead. A negative descriptor takes an entry of its own that poll
    /// ignores (its ready events stay 0), so indices follow the caller's order.
    /// </summary>
    public int Add(int fileDescriptor, short events)
    {
        for (int index = 1; fileDescriptor >= 0 && index < _count; index++)
        {
            if (_entries[index].fd == fileDescriptor)
            {
                _entries[index].events |= events;
                return index - 1;
            }
        }

        if (_count == _entries.Length)
        {
            throw new InvalidOperationException($"The poll set holds at most {_entries.Length - 1} descriptors.");
        }

        _entries[_count] = new PollFileDescriptor { fd = fileDescriptor, events = events };
        return _count++ - 1;
    }

    /// <summary>The descriptor at <paramref name="index"/>.</summary>
    public int FileDescriptorAt(int index) => _entries[index + 1].fd;

    /// <summary>The events poll reported for the entry at <paramref name="index"/> (0 when none).</summary>
    public short ReadyEventsAt(int index) => _entries[index + 1].revents;

    /// <summary>
    /// poll(2) on the set. Returns what poll returned (entries with events, the wake eventfd included; 0 on timeout),
    /// or -errno (EINTR included). The wake eventfd is drained here, so a wake is consumed once.
    /// </summary>
    public int Wait(int timeoutMilliseconds)
    {
        PollFileDescriptor* set = (PollFileDescriptor*)Unsafe.AsPointer(ref _entries[0]);
        for (int index = 0; index < _count; index++)
        {
            set[index].revents = 0;
        }

        int ready = Interop.Poll(set, (nuint)_count, timeoutMilliseconds);
        if (ready < 0)
        {
            WasWoken = false;
            return -Interop.LastError;
        }

        WasWoken = (set[0].revents & Interop.POLLIN) != 0;
        if (WasWoken)
        {
            ulong value;
            _ = Interop.Read(_wakeFileDescriptor, (byte*)&value, sizeof(ulong));
        }

        return ready;
    }

    /// <summary>Wakes the thread in <see cref="Wait"/> (or makes its next Wait return at once).</summary>
    public void Wake()
    {
        ulong one = 1;
        _ = Interop.Write(_wakeFileDescriptor, (byte*)&one, sizeof(ulong));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = Interop.Close(_wakeFileDescriptor);
        }
    }
}
