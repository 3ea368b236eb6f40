using System.Runtime.CompilerServices;
using EdgeCapture.Hid;
using EdgeCapture.Relay.Gadget;

namespace EdgeCapture.Relay;

/// <content>The writer thread: one report in flight per endpoint, EAGAIN/ESHUTDOWN handling, LED output reports.</content>
internal sealed unsafe partial class HidRelay
{
    private const int StopPollMilliseconds = 20;
    private long _writerLoopPasses;

    private readonly Endpoint _keyboardEndpoint;
    private readonly Endpoint _mouseEndpoint;
    private readonly Endpoint _consumerEndpoint;
    private readonly byte[] _ledBuffer = new byte[64];
    private MouseMotion _pendingMouse;
    private bool _hasPendingMouse;
    private bool _ledInputClosed;
    private Func<byte, int>? _keyboardLedOutput;
    private Thread? _writerThread;
    private ITimer? _udcTimer;
    private volatile bool _stopRequested;
    private volatile bool _udcCheckDue;

    /// <summary>Where keyboard LED output reports from the host go (normally <c>EvdevReader.WriteKeyboardLeds</c>).</summary>
    /// <param name="writeKeyboardLeds">Called on the writer thread with the LED report byte.</param>
    public void AttachKeyboardLedOutput(Func<byte, int> writeKeyboardLeds)
    {
        ArgumentNullException.ThrowIfNull(writeKeyboardLeds);
        _keyboardLedOutput = writeKeyboardLeds;
    }

    /// <summary>Starts the writer thread.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_writerThread is not null)
        {
            throw new InvalidOperationException("The relay is already started.");
        }

        _udcTimer = _timeProvider.CreateTimer(static state => ((HidRelay)state!).OnUdcTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        StartHostMonitoring();
        _writerThread = new Thread(RunWriter) { IsBackground = true, Name = "hid gadget writer", Priority = ThreadPriority.AboveNormal };
        _writerThread.Start();
    }

    /// <summary>
    /// Stops the writer: queued reports are given to the host (up to <see cref="HidRelayOptions.StopFlushTimeout"/>),
    /// then all-released reports are sent on every endpoint. Stop the evdev reader first so its releases are included.
    /// </summary>
    public void Stop()
    {
        _stopRequested = true;
        WakeWriter();
        Thread? thread = _writerThread;
        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Stop();
        _udcTimer?.Dispose();
        _stallTimer?.Dispose();
        _keyboardEndpoint.Device?.Dispose();
        _mouseEndpoint.Device?.Dispose();
        _consumerEndpoint.Device?.Dispose();
        _writerPoll.Dispose();
    }

    /// <summary>
    /// Passes the writer thread has made round its loop. A watchdog wakes the thread (<see cref="RequestHeartbeat"/>) and
    /// later checks that this moved: a writer stuck in a gadget call never moves it.
    /// </summary>
    internal long WriterLoopPasses => Interlocked.Read(ref _writerLoopPasses);

    /// <summary>Wakes the writer once, so that it comes round its loop (see <see cref="WriterLoopPasses"/>); never blocks.</summary>
    internal void RequestHeartbeat() => WakeWriter();

    private void WakeWriter()
    {
        Volatile.Write(ref _wakePending, 0);
        Wake();
    }

    private void OnUdcTimer()
    {
        _udcCheckDue = true;
        WakeWriter();
    }

    private void RunWriter()
    {
        int stopPollsLeft = -1;
        long writtenAtLastCheck = -1;
        while (true)
        {
            // One pass of the loop, counted: a watchdog that woke the thread sees it come round (or not, when it hangs).
            Interlocked.Increment(ref _writerLoopPasses);
            try
            {
                // Cleared before looking at the queues: a wake after this point is never lost.
                Volatile.Write(ref _wakePending, 0);
                ServiceHost();

                ServiceKeyboard();
                ServiceConsumer();
                ServiceMouse();
                if (_stopRequested)
                {
                    // The flush timeout runs while the host takes nothing: any report written restarts it.
                    long written = Counters.KeyboardReports + Counters.MouseReports + Counters.ConsumerReports;
                    if (written != writtenAtLastCheck)
                    {
                        writtenAtLastCheck = written;
                        stopPollsLeft = -1;
                    }

                    if (stopPollsLeft < 0)
                    {
                        stopPollsLeft = Math.Max(1, (int)(_options.StopFlushTimeout.TotalMilliseconds / StopPollMilliseconds));
                    }

                    if (IsDrained() || stopPollsLeft == 0)
                    {
                        SendAllReleased();
                        return;
                    }
                }

                // While stopping, only polls that time out (the host took nothing) count against the flush timeout.
                if (!WaitForWork(_stopRequested ? StopPollMilliseconds : -1) && _stopRequested && stopPollsLeft > 0)
                {
                    stopPollsLeft--;
                }
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                RelayLog.WriterLoopFailed(_logger, exception);
            }
        }
    }

    private bool IsDrained()
    {
        lock (_gate)
        {
            return (_keyboardQueue.Count == 0 || _keyboardEndpoint.IsInactive)
                && (_consumerQueue.Count == 0 || _consumerEndpoint.IsInactive)
                && ((_mouseQueue.Count == 0 && !_hasPendingMouse) || _mouseEndpoint.IsInactive)
                && (!_keyboardEndpoint.HasReport || _keyboardEndpoint.IsInactive)
                && (!_consumerEndpoint.HasReport || _consumerEndpoint.IsInactive);
        }
    }

    private void ServiceKeyboard() => ServiceQueue(_keyboardEndpoint, _keyboardQueue, ref Counters.KeyboardReportsField);

    private void ServiceConsumer() => ServiceQueue(_consumerEndpoint, _consumerQueue, ref Counters.ConsumerReportsField);

    private void ServiceQueue(Endpoint endpoint, ReportQueue queue, ref long written)
    {
        lock (endpoint.WriteLock)
        {
            ServiceQueueLocked(endpoint, queue, ref written);
        }
    }

    private void ServiceQueueLocked(Endpoint endpoint, ReportQueue queue, ref long written)
    {
        if (endpoint.Device is null || endpoint.State == EndpointState.Shutdown || _hostAway)
        {
            if (endpoint.Device is not null)
            {
                endpoint.State = EndpointState.Shutdown;
            }

            // Without a host the queue is meaningless: the state is kept in the builders and re-sent on return.
            lock (_gate)
            {
                if (endpoint.Device is null)
                {
                    Interlocked.Add(ref Counters.ReportsWithoutEndpointField, queue.Count);
                }
                else
                {
                    // Queued for a host that turned out to be away: never typed later.
                    Interlocked.Add(ref Counters.TransitionsNotQueuedField, queue.Count);
                }

                queue.Clear();
            }

            endpoint.HasReport = false;
            return;
        }

        while (endpoint.State == EndpointState.Ready)
        {
            if (!endpoint.HasReport)
            {
                lock (_gate)
                {
                    endpoint.HasReport = queue.TryDequeue(endpoint.Report);
                }

                if (!endpoint.HasReport)
                {
                    return;
                }
            }

            if (WriteReport(endpoint, endpoint.Report.AsSpan(0, endpoint.ReportLength)))
            {
                endpoint.HasReport = false;
                Interlocked.Increment(ref written);
            }
        }
    }

    /// <summary>Writes one report; on failure sets the endpoint and host state. True when the host took the whole report.</summary>
    private bool WriteReport(Endpoint endpoint, ReadOnlySpan<byte> report)
    {
        while (true)
        {
            int result = endpoint.Device!.Write(report);
            if (result == report.Length)
            {
                endpoint.IsStalled = false;
                ConfirmHost(endpoint);
                return true;
            }

            switch (-result)
            {
                case Errno.EINTR:
                    continue;
                case Errno.EAGAIN:
                    endpoint.State = EndpointState.Blocked;
                    Interlocked.Increment(ref Counters.WouldBlockField);
                    NoteBlocked(endpoint);
                    return false;
                case Errno.ESHUTDOWN:
                    Interlocked.Increment(ref Counters.ShutdownsField);
                    SetShutdown(endpoint);
                    EnterAway(HostAwayReason.Shutdown);
                    return false;
                case Errno.ENODEV or Errno.EBADF or Errno.ENXIO:
                    // The function's device went away (gadget removed or rebuilt): reopened on the next probe.
                    endpoint.IsBroken = true;
                    SetShutdown(endpoint);
                    EnterAway(HostAwayReason.EndpointGone);
                    return false;
                default:
                    // EIO, a short write, anything else: treat like an absent host and retry when it is back.
                    Interlocked.Increment(ref Counters.WriteErrorsField);
                    if (!_probing)
                    {
                        RelayLog.WriteFailed(_logger, endpoint.Name, result < 0 ? -result : 0, Math.Max(result, 0));
                    }

                    SetShutdown(endpoint);
                    EnterAway(HostAwayReason.WriteError);
                    return false;
            }
        }
    }

    private static void SetShutdown(Endpoint endpoint)
    {
        endpoint.State = EndpointState.Shutdown;
        endpoint.HasReport = false;
        endpoint.IsStalled = false;
    }

    /// <summary>Polls for a wake, a writable endpoint or an LED report; false when the poll timed out.</summary>
    private bool WaitForWork(int timeoutMilliseconds)
    {
        WakeablePoll poll = _writerPoll;
        poll.Reset();
        poll.Add(_keyboardEndpoint.State == EndpointState.Blocked ? _keyboardEndpoint.Device!.WriteFileDescriptor : -1, Interop.POLLOUT);
        poll.Add(_consumerEndpoint.State == EndpointState.Blocked ? _consumerEndpoint.Device!.WriteFileDescriptor : -1, Interop.POLLOUT);
        poll.Add(_mouseEndpoint.State == EndpointState.Blocked ? _mouseEndpoint.Device!.WriteFileDescriptor : -1, Interop.POLLOUT);
        int ledFileDescriptor = _ledInputClosed || _keyboardEndpoint.Device is null ? -1 : _keyboardEndpoint.Device.ReadFileDescriptor;
        poll.Add(ledFileDescriptor, Interop.POLLIN);

        int ready = poll.Wait(timeoutMilliseconds);
        if (ready <= 0)
        {
            return ready < 0;
        }

        for (int index = 0; index < poll.Count; index++)
        {
            short events = poll.ReadyEventsAt(index);
            int fileDescriptor = poll.FileDescriptorAt(index);
            if (events == 0 || fileDescriptor < 0)
            {
                continue;
            }

            if ((events & (Interop.POLLOUT | Interop.POLLERR | Interop.POLLHUP)) != 0)
            {
                Unblock(_keyboardEndpoint, fileDescriptor);
                Unblock(_consumerEndpoint, fileDescriptor);
                Unblock(_mouseEndpoint, fileDescriptor);
            }

            if (fileDescriptor == ledFileDescriptor && (events & (Interop.POLLIN | Interop.POLLHUP | Interop.POLLERR)) != 0)
            {
                ReadKeyboardLeds();
            }
        }

        return true;
    }

    private static void Unblock(Endpoint endpoint, int fileDescriptor)
    {
        using Lock.Scope scope = endpoint.WriteLock.EnterScope();
        if (endpoint.State == EndpointState.Blocked && endpoint.Device!.WriteFileDescriptor == fileDescriptor)
        {
            endpoint.State = EndpointState.Ready;
        }
    }

    private void ReadKeyboardLeds()
    {
        int result = _keyboardEndpoint.Device!.Read(_ledBuffer);
        if (result == 0)
        {
            _ledInputClosed = true;
            return;
        }

        if (result < 0)
        {
            if (result != -Errno.EAGAIN && result != -Errno.EINTR)
            {
                _ledInputClosed = true;
            }

            return;
        }

        // One byte per output report; only the newest state matters.
        byte leds = _ledBuffer[result - 1];
        Interlocked.Increment(ref Counters.LedReportsField);
        _keyboardLedOutput?.Invoke(leds);
    }
}
