using EdgeCapture.Video.Devices;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCapture.Video.Tests;

/// <summary>What the HDMI input does during one phase of a simulated session.</summary>
internal enum SimulatedInput
{
    Signal,
    NoLink,
    NoLock,
    Unplugged,
}

internal sealed record SimulatedPhase(TimeSpan Duration, SimulatedInput Input, int Width = 0, int Height = 0, int FramesPerSecond = 0);

/// <summary>
/// The unicam node's vb2 queue, shared by every file opened on it (videobuf2-core.c / videobuf2-v4l2.c): who owns the
/// buffers, and whether the read() emulator ("fileio") holds them. The queue outlives a file; closing its owner frees it.
/// </summary>
internal sealed class SimulatedVb2Queue
{
    /// <summary>VB2_READ in io_modes: unicam and rp1-cfe have it, so POLLIN on an idle queue starts the read() emulator.</summary>
    public bool ReadEmulation { get; init; } = true;

    /// <summary>The file whose REQBUFS or poll allocated the buffers (q->owner); null when no buffers exist.</summary>
    public object? Owner { get; set; }

    /// <summary>The read() emulator holds the buffers (vb2_fileio_is_active).</summary>
    public bool FileIo { get; set; }

    /// <summary>num_buffers > 0: vb2_is_busy, which unicam's S_FMT and S_DV_TIMINGS refuse with EBUSY.</summary>
    public bool HasBuffers => Owner is not null;

    /// <summary>STREAMON done, by the owner or by the read() emulator.</summary>
    public bool Streaming { get; set; }

    /// <summary>How often poll started the read() emulator.</summary>
    public int FileIoStarts { get; set; }
}

/// <summary>
/// One open file on a TC358743 as the capture loop sees it through <see cref="IV4l2Device"/>: timings per phase, a frame
/// every 1/fps while streaming a signal, a source-change event at every phase boundary, ENOLINK/ENOLCK from the queries,
/// ENODEV when unplugged. The vb2 rules are the kernel's: POLLIN while the queue has no buffers starts the read()
/// emulator (buffers + STREAMON, this file the owner); then S_DV_TIMINGS and S_FMT (vb2_is_busy) and REQBUFS, STREAMON,
/// STREAMOFF ("file io in progress") return EBUSY, and only closing the owning file frees the queue. Time only moves in
/// <see cref="Wait"/>, on a FakeTimeProvider shared with the source. Cancels the run when the script is over.
/// </summary>
internal sealed class SimulatedV4l2Device(FakeTimeProvider clock, DateTimeOffset sessionStart, IReadOnlyList<SimulatedPhase> phases, CancellationTokenSource endOfScript, SimulatedVb2Queue? queue = null) : IV4l2Device
{
    private readonly DateTimeOffset _start = sessionStart;
    private readonly byte[] _pattern = CreatePattern();
    private readonly SimulatedVb2Queue _queue = queue ?? new SimulatedVb2Queue();
    private bool _streaming;
    private bool _eventPending;
    private int _lastPhase;
    private long _nextFrame;
    private int _nextBuffer;
    private int _width;
    private int _height;

    public List<string> Calls { get; } = [];

    public bool Disposed { get; private set; }

    private long Now => (clock.GetUtcNow() - _start).Ticks * 100;

    private long NowMonotonic => MonotonicClock.For(clock).NowNanoseconds;

    private static byte[] CreatePattern()
    {
        byte[] pattern = new byte[1920 * 1080 * 2];
        for (int i = 0; i < pattern.Length; i++)
        {
            pattern[i] = (byte)(i * 31);
        }

        return pattern;
    }

    private (int Index, SimulatedPhase? Phase, long End) PhaseAt(long at)
    {
        long end = 0;
        for (int index = 0; index < phases.Count; index++)
        {
            end += phases[index].Duration.Ticks * 100;
            if (at < end)
            {
                return (index, phases[index], end);
            }
        }

        return (phases.Count, null, long.MaxValue);
    }

    private SimulatedPhase? Current => PhaseAt(Now).Phase;

    /// <summary>True while the script says the bridge is unplugged (the node cannot be opened then).</summary>
    public static bool IsUnplugged(FakeTimeProvider clock, DateTimeOffset sessionStart, IReadOnlyList<SimulatedPhase> phases)
    {
        TimeSpan at = clock.GetUtcNow() - sessionStart;
        foreach (SimulatedPhase phase in phases)
        {
            if (at < phase.Duration)
            {
                return phase.Input == SimulatedInput.Unplugged;
            }

            at -= phase.Duration;
        }

        return false;
    }

    public int QueryDvTimings(out DetectedTimings timings)
    {
        Calls.Add("QUERY_DV_TIMINGS");
        timings = default;
        if (TimingsOnSubdevice)
        {
            return V4l2.ErrorNotTty;
        }

        SimulatedPhase? phase = Current;
        switch (phase?.Input)
        {
            case SimulatedInput.Signal:
                var raw = new V4l2.DvTimings { type = V4l2.DvBtTimingsType };
                raw.bt.width = (uint)phase.Width;
                raw.bt.height = (uint)phase.Height;
                timings = new DetectedTimings(phase.Width, phase.Height, phase.FramesPerSecond, raw);
                return 0;
            case SimulatedInput.NoLock:
                return V4l2.ErrorNoLock;
            case SimulatedInput.Unplugged:
                return V4l2.ErrorNoDevice;
            default:
                return V4l2.ErrorNoLink;
        }
    }

    public SimulatedVb2Queue Queue => _queue;

    /// <summary>The Pi 5's rp1-cfe: the video node has no DV-timings ioctls (ENOTTY); they live on /dev/v4l-subdevN.</summary>
    public bool TimingsOnSubdevice { get; set; }

    /// <summary>S_FMT / S_DV_TIMINGS on unicam: EBUSY whenever the queue has buffers, whoever owns them.</summary>
    private bool QueueBusyForFormat => _queue.HasBuffers;

    /// <summary>REQBUFS / STREAMON / STREAMOFF: EBUSY for another owner's queue (vb2_queue_is_busy) or while fileio runs.</summary>
    private bool QueueBusyForStreaming => (_queue.Owner is not null && _queue.Owner != this) || _queue.FileIo;

    public int SetDvTimings(in DetectedTimings timings)
    {
        Calls.Add($"S_DV_TIMINGS {timings.Width}x{timings.Height}");
        if (QueueBusyForFormat)
        {
            Calls.Add("EBUSY");
            return V4l2.ErrorBusy;
        }

        return 0;
    }

    public int SubscribeSourceChange()
    {
        Calls.Add("SUBSCRIBE_EVENT");
        _lastPhase = PhaseAt(Now).Index;
        return 0;
    }

    public int DequeueEvent(out uint type, out uint changes)
    {
        type = V4l2.EventSourceChange;
        changes = V4l2.SourceChangeResolution;
        bool had = _eventPending;
        _eventPending = false;
        return had ? 0 : V4l2.ErrorNoLink - 65; // ENOENT-like: nothing pending
    }

    public int SetFormat(uint pixelFormat, int width, int height, out int actualWidth, out int actualHeight, out int bytesPerLine)
    {
        Calls.Add($"S_FMT {width}x{height}");
        (actualWidth, actualHeight, bytesPerLine) = (width, height, width * 2);
        if (QueueBusyForFormat)
        {
            Calls.Add("EBUSY");
            return V4l2.ErrorBusy;
        }

        _width = width;
        _height = height;
        return 0;
    }

    public int StartStreaming(int bufferCount)
    {
        Calls.Add("STREAMON");
        if (Current?.Input == SimulatedInput.Unplugged)
        {
            return V4l2.ErrorNoDevice;
        }

        if (QueueBusyForStreaming)
        {
            Calls.Add("EBUSY");
            return V4l2.ErrorBusy;
        }

        _queue.Owner = this;
        _queue.Streaming = true;
        _streaming = true;
        _nextFrame = Now;
        return 0;
    }

    public void StopStreaming()
    {
        Calls.Add("STREAMOFF");
        if (QueueBusyForStreaming)
        {
            // STREAMOFF and REQBUFS(0) fail with EBUSY while the read() emulator runs: the buffers stay.
            Calls.Add("EBUSY");
            return;
        }

        _streaming = false;
        _queue.Streaming = false;
        _queue.Owner = null;
    }

    public V4l2WaitResult Wait(V4l2PollEvents events, int timeoutMilliseconds)
    {
        bool wantsFrames = (events & V4l2PollEvents.Frames) != 0;
        Calls.Add(wantsFrames ? "POLL IN|PRI" : "POLL PRI");
        if (wantsFrames && !_queue.HasBuffers && _queue.ReadEmulation)
        {
            // vb2_core_poll: __vb2_init_fileio(q, 1) allocates buffers and calls STREAMON; this file now owns the queue.
            Calls.Add("read() emulator started");
            _queue.FileIo = true;
            _queue.Owner = this;
            _queue.Streaming = true;
            _queue.FileIoStarts++;
            _nextFrame = Now;
        }

        if (_eventPending && (events & V4l2PollEvents.Events) != 0)
        {
            return V4l2WaitResult.EventPending;
        }

        if (wantsFrames && !_queue.Streaming)
        {
            // Nothing to wait for on a queue that is not streaming: POLLERR at once.
            return V4l2WaitResult.Error;
        }

        long now = Now;
        (int index, SimulatedPhase? phase, long end) = PhaseAt(now);
        if (phase is not null && index != _lastPhase && (events & V4l2PollEvents.Events) != 0)
        {
            // A boundary crossed outside a poll (a frame time rounded onto it, a retry delay): the event is raised all the same.
            _lastPhase = index;
            _eventPending = true;
            return V4l2WaitResult.EventPending;
        }

        if (phase is null)
        {
            endOfScript.Cancel();
            return V4l2WaitResult.Timeout;
        }

        long limit = now + (timeoutMilliseconds * 1_000_000L);
        bool framesFlow = wantsFrames && _queue.Streaming && _queue.Owner == this && phase.Input == SimulatedInput.Signal;
        long frameAt = framesFlow ? Math.Max(_nextFrame, now) : long.MaxValue;
        if (frameAt <= limit && frameAt < end)
        {
            clock.Advance(TimeSpan.FromTicks((frameAt - now + 99) / 100)); // round up: the clock has 100 ns ticks
            if (_queue.FileIo)
            {
                // The emulator's buffers fill at the frame rate whether or not anyone read()s; move on a frame so a
                // caller that keeps polling without reading ends with the script instead of spinning at one instant.
                _nextFrame = Math.Max(_nextFrame, now) + (1_000_000_000L / phase.FramesPerSecond);
            }

            return V4l2WaitResult.FrameReady;
        }

        if (end <= limit && index == phases.Count - 1)
        {
            // The script is over: end the run here rather than simulate what comes after it.
            clock.Advance(TimeSpan.FromTicks((end - now + 99) / 100));
            endOfScript.Cancel();
            return V4l2WaitResult.Timeout;
        }

        if (end <= limit)
        {
            clock.Advance(TimeSpan.FromTicks((end - now + 99) / 100));
            _lastPhase = index + 1;
            _eventPending = true;
            return V4l2WaitResult.EventPending;
        }

        clock.Advance(TimeSpan.FromMilliseconds(timeoutMilliseconds));
        return V4l2WaitResult.Timeout;
    }

    public int DequeueBuffer(out DequeuedBuffer buffer)
    {
        buffer = default;
        SimulatedPhase? phase = Current;
        if (phase?.Input == SimulatedInput.Unplugged)
        {
            return V4l2.ErrorNoDevice;
        }

        if (_queue.FileIo)
        {
            // The buffers belong to the read() emulator: the streaming I/O ioctls are refused.
            return V4l2.ErrorBusy;
        }

        if (!_streaming || phase?.Input != SimulatedInput.Signal || Now < _nextFrame)
        {
            return V4l2.ErrorAgain;
        }

        buffer = new DequeuedBuffer(_nextBuffer, _width * _height * 2, NowMonotonic, (uint)_nextBuffer, false);
        _nextBuffer = (_nextBuffer + 1) % 4;
        _nextFrame += 1_000_000_000L / phase.FramesPerSecond;
        return 0;
    }

    public ReadOnlySpan<byte> BufferData(int index, int length) => _pattern.AsSpan(0, length);

    public int QueueBuffer(int index) => 0;

    public void Dispose()
    {
        // vb2_fop_release: closing the owning file stops the emulator or the stream and frees the buffers.
        if (_queue.Owner == this)
        {
            _queue.Owner = null;
            _queue.FileIo = false;
            _queue.Streaming = false;
        }

        _streaming = false;
        Disposed = true;
    }
}
