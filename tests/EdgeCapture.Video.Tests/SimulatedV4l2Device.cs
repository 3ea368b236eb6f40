using EdgeCapture.Video.Devices;
using EdgeCapture.Video.Interop;
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
/// A TC358743 as the capture loop sees it through <see cref="IV4l2Device"/>: timings per phase, a frame every 1/fps while
/// streaming a signal, a source-change event at every phase boundary, ENOLINK/ENOLCK from the queries, ENODEV when
/// unplugged. Time only moves in <see cref="Wait"/>, on a FakeTimeProvider shared with the source. Cancels the run when the
/// script is over.
/// </summary>
internal sealed class SimulatedV4l2Device(FakeTimeProvider clock, DateTimeOffset sessionStart, IReadOnlyList<SimulatedPhase> phases, CancellationTokenSource endOfScript) : IV4l2Device
{
    private readonly DateTimeOffset _start = sessionStart;
    private readonly byte[] _pattern = CreatePattern();
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

    public int SetDvTimings(in DetectedTimings timings)
    {
        Calls.Add($"S_DV_TIMINGS {timings.Width}x{timings.Height}");
        return 0;
    }

    public int SubscribeSourceChange()
    {
        Calls.Add("SUBSCRIBE_EVENT");
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

        _streaming = true;
        _nextFrame = Now;
        return 0;
    }

    public void StopStreaming()
    {
        Calls.Add("STREAMOFF");
        _streaming = false;
    }

    public V4l2WaitResult Wait(int timeoutMilliseconds)
    {
        if (_eventPending)
        {
            return V4l2WaitResult.EventPending;
        }

        long now = Now;
        (int index, SimulatedPhase? phase, long end) = PhaseAt(now);
        if (phase is null)
        {
            endOfScript.Cancel();
            return V4l2WaitResult.Timeout;
        }

        long limit = now + (timeoutMilliseconds * 1_000_000L);
        bool framesFlow = _streaming && phase.Input == SimulatedInput.Signal;
        long frameAt = framesFlow ? Math.Max(_nextFrame, now) : long.MaxValue;
        if (frameAt <= limit && frameAt < end)
        {
            clock.Advance(TimeSpan.FromTicks((frameAt - now + 99) / 100)); // round up: the clock has 100 ns ticks
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

    public void Dispose() => Disposed = true;
}
