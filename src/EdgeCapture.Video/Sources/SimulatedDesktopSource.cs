using EdgeCapture.Input.Simulation;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sampling;
using EdgeCapture.Video.Simulation;

namespace EdgeCapture.Video.Sources;

/// <summary>How a simulated source paces its frames.</summary>
public enum SimulatedPacing
{
    /// <summary>Frames are produced as fast as the consumer takes them, stamped with their scripted times (tests, benchmarks).</summary>
    AsFastAsPossible = 1,

    /// <summary>Each frame waits, on the <see cref="TimeProvider"/>, until its scripted time (the demo, the CLI).</summary>
    RealTime = 2,

    /// <summary>
    /// Each frame waits until its scripted time, as <see cref="RealTime"/>, but a frame whose buffer is not free yet
    /// waits for one instead of being dropped, and keeps its scripted time. So every frame interval has its frame, late
    /// or not, and which frames exist does not depend on the machine's load (tests of real-time pipelines).
    /// </summary>
    RealTimeLossless = 3,
}

/// <summary>What a scripted signal problem does.</summary>
public enum SimulatedSignalKind
{
    /// <summary>No signal for the duration (like ENOLINK): no frames, a SignalLost marker, then SignalRestored.</summary>
    Loss = 1,

    /// <summary>Signal without sync for the duration (like ENOLCK): no frames, a NoSync marker, then SignalRestored.</summary>
    NoSync = 2,

    /// <summary>The source switches to <see cref="SimulatedSignalEvent.Width"/> x <see cref="SimulatedSignalEvent.Height"/> for the duration (zero: for good).</summary>
    ResolutionChange = 3,
}

/// <summary>A scripted signal problem.</summary>
/// <param name="At">When it starts, from the beginning of the script.</param>
/// <param name="Duration">How long it lasts.</param>
/// <param name="Kind">What it is.</param>
/// <param name="Width">New width for <see cref="SimulatedSignalKind.ResolutionChange"/>.</param>
/// <param name="Height">New height for <see cref="SimulatedSignalKind.ResolutionChange"/>.</param>
public readonly record struct SimulatedSignalEvent(TimeSpan At, TimeSpan Duration, SimulatedSignalKind Kind, int Width = 0, int Height = 0);

/// <summary>Settings of a <see cref="SimulatedDesktopSource"/>.</summary>
public sealed record SimulatedSourceOptions
{
    /// <summary>Frame width. Default 1920.</summary>
    public int Width { get; init; } = 1920;

    /// <summary>Frame height. Default 1080.</summary>
    public int Height { get; init; } = 1080;

    /// <summary>Frames per second. Default 30.</summary>
    public int FramesPerSecond { get; init; } = 30;

    /// <summary>Pixel layout delivered: UYVY like the TC358743 (default), YUYV, or MJPEG like a USB dongle.</summary>
    public PixelLayout Layout { get; init; } = PixelLayout.Uyvy;

    /// <summary>Pacing. Default <see cref="SimulatedPacing.RealTime"/>.</summary>
    public SimulatedPacing Pacing { get; init; } = SimulatedPacing.RealTime;

    /// <summary>Seed of the rendered content (browser pages).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Scripted signal losses and resolution changes.</summary>
    public IReadOnlyList<SimulatedSignalEvent> SignalEvents { get; init; } = [];

    /// <summary>Stop after this long (default: the script's length).</summary>
    public TimeSpan? Length { get; init; }
}

/// <summary>
/// Deterministic desktop frames for development and CI, rendered from the same <see cref="DesktopActivityScript"/> the input
/// simulator plays. Frame i is stamped <c>start + i / fps</c> where start is the <see cref="TimeProvider"/> time when
/// <see cref="Run"/> began; <see cref="ActionObserver"/> hears each scripted input action (same timebase) before the first
/// frame at or after it, so a capture stage can be fed exactly what the relay would report.
/// </summary>
public sealed class SimulatedDesktopSource : IFrameSource
{
    private readonly SimulatedSourceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly SimulatedDesktop _desktop;
    private readonly IReadOnlyList<(TimeSpan At, InputActionKind Kind)> _actions;
    private JpegEncoder? _mjpegEncoder;
    private byte[] _scratch = [];

    /// <summary>Creates the source.</summary>
    public SimulatedDesktopSource(DesktopActivityScript script, SimulatedSourceOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Width, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Height, 64);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.FramesPerSecond);
        if (options.Width % 2 != 0)
        {
            throw new ArgumentException("Packed 4:2:2 frames need an even width.", nameof(options));
        }

        _options = options;
        _timeProvider = timeProvider;
        _desktop = new SimulatedDesktop(script, options.Seed);
        _actions = SimulatedDesktop.ActionsOf(script);
    }

    /// <summary>Hears each scripted input action, in monotonic nanoseconds, before the first frame at or after it.</summary>
    public Action<InputAction>? ActionObserver { get; init; }

    /// <summary>Monotonic time of script time zero, once <see cref="Run"/> has started.</summary>
    public long StartNanoseconds { get; private set; }

    /// <summary>The renderer (its <see cref="SimulatedDesktop.SceneVersion"/> is ground truth for tests).</summary>
    public SimulatedDesktop Desktop => _desktop;

    /// <inheritdoc/>
    public string Description => $"simulated desktop {_options.Width}x{_options.Height}@{_options.FramesPerSecond} {_options.Layout}";

    /// <inheritdoc/>
    public void Run(RawFramePool pool, IFrameSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(sink);
        StartNanoseconds = MonotonicClock.For(_timeProvider).NowNanoseconds;
        TimeSpan length = _options.Length ?? _desktop.Script.Length;
        long frameInterval = MonotonicClock.NanosecondsPerSecond / _options.FramesPerSecond;
        int nextAction = 0;
        int width = _options.Width;
        int height = _options.Height;
        SimulatedSignalEvent? outage = null;
        SimulatedSignalEvent? resize = null;
        for (long index = 0; !cancellationToken.IsCancellationRequested; index++)
        {
            long offset = index * frameInterval;
            TimeSpan at = TimeSpan.FromTicks(offset / 100);
            if (at > length)
            {
                return;
            }

            while (nextAction < _actions.Count && _actions[nextAction].At <= at)
            {
                ActionObserver?.Invoke(new InputAction(StartNanoseconds + MonotonicClock.ToNanoseconds(_actions[nextAction].At), _actions[nextAction].Kind));
                nextAction++;
            }

            Pace(StartNanoseconds + offset, cancellationToken);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            // Signal problems: markers at the exact scripted instants, no frames during an outage.
            SimulatedSignalEvent? activeOutage = ActiveEvent(at, SimulatedSignalKind.Loss) ?? ActiveEvent(at, SimulatedSignalKind.NoSync);
            if (activeOutage != outage)
            {
                if (outage is { } ended)
                {
                    sink.OnMarker(new CaptureMarker(StartNanoseconds + MonotonicClock.ToNanoseconds(ended.At + ended.Duration), CaptureMarkerKind.SignalRestored, width, height, "simulated signal back"));
                }

                if (activeOutage is { } started)
                {
                    CaptureMarkerKind kind = started.Kind == SimulatedSignalKind.Loss ? CaptureMarkerKind.SignalLost : CaptureMarkerKind.NoSync;
                    sink.OnMarker(new CaptureMarker(StartNanoseconds + MonotonicClock.ToNanoseconds(started.At), kind, 0, 0, kind == CaptureMarkerKind.SignalLost ? "ENOLINK (simulated)" : "ENOLCK (simulated)"));
                }

                outage = activeOutage;
            }

            SimulatedSignalEvent? activeResize = ActiveEvent(at, SimulatedSignalKind.ResolutionChange);
            if (activeResize != resize)
            {
                width = activeResize?.Width ?? _options.Width;
                height = activeResize?.Height ?? _options.Height;
                TimeSpan changedAt = activeResize?.At ?? (resize!.Value.At + resize.Value.Duration);
                sink.OnMarker(new CaptureMarker(StartNanoseconds + MonotonicClock.ToNanoseconds(changedAt), CaptureMarkerKind.ResolutionChanged, width, height, $"{width}x{height} (simulated)"));
                resize = activeResize;
            }

            if (outage is not null)
            {
                continue;
            }

            RawFrame? frame;
            if (_options.Pacing is SimulatedPacing.AsFastAsPossible or SimulatedPacing.RealTimeLossless)
            {
                // Unpaced and lossless runs wait for the consumer instead of dropping, so results do not depend on machine speed.
                try
                {
                    frame = pool.Rent(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            else if (!pool.TryRent(out frame))
            {
                sink.OnFrameDropped();
                continue;
            }

            RenderInto(frame, at, width, height, StartNanoseconds + offset, index);
            sink.OnFrame(frame);
        }
    }

    private void RenderInto(RawFrame frame, TimeSpan at, int width, int height, long timestamp, long sequence)
    {
        int stride = width * 2;
        int size = stride * height;
        switch (_options.Layout)
        {
            case PixelLayout.Uyvy:
                _desktop.Render(at, frame.GetWritableSpan(size), width, height, stride);
                frame.Describe(PixelLayout.Uyvy, width, height, stride, size, timestamp, sequence);
                break;
            case PixelLayout.Yuyv:
                Span<byte> pixels = frame.GetWritableSpan(size);
                _desktop.Render(at, pixels, width, height, stride);
                SwapToYuyv(pixels);
                frame.Describe(PixelLayout.Yuyv, width, height, stride, size, timestamp, sequence);
                break;
            default:
                if (_scratch.Length < size)
                {
                    _scratch = new byte[size];
                }

                _desktop.Render(at, _scratch, width, height, stride);
                _mjpegEncoder ??= new JpegEncoder(new JpegEncodingOptions { Quality = 80 });
                ReadOnlySpan<byte> jpeg = _mjpegEncoder.EncodePacked(_scratch.AsSpan(0, size), PixelLayout.Uyvy, width, height, stride, out _, out _);
                jpeg.CopyTo(frame.GetWritableSpan(jpeg.Length));
                frame.Describe(PixelLayout.Mjpeg, width, height, 0, jpeg.Length, timestamp, sequence);
                break;
        }
    }

    private static void SwapToYuyv(Span<byte> pixels)
    {
        // UYVY -> YUYV is a byte swap within each 16-bit pair.
        Span<ushort> pairs = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(pixels);
        for (int i = 0; i < pairs.Length; i++)
        {
            pairs[i] = (ushort)((pairs[i] << 8) | (pairs[i] >> 8));
        }
    }

    private SimulatedSignalEvent? ActiveEvent(TimeSpan at, SimulatedSignalKind kind)
    {
        foreach (SimulatedSignalEvent signalEvent in _options.SignalEvents)
        {
            bool endless = signalEvent.Kind == SimulatedSignalKind.ResolutionChange && signalEvent.Duration == TimeSpan.Zero;
            if (signalEvent.Kind == kind && at >= signalEvent.At && (endless || at < signalEvent.At + signalEvent.Duration))
            {
                return signalEvent;
            }
        }

        return null;
    }

    private void Pace(long dueNanoseconds, CancellationToken cancellationToken)
    {
        if (_options.Pacing == SimulatedPacing.AsFastAsPossible)
        {
            return;
        }

        long wait = dueNanoseconds - MonotonicClock.For(_timeProvider).NowNanoseconds;
        if (wait <= 0)
        {
            return;
        }

        try
        {
            Task.Delay(TimeSpan.FromTicks(wait / 100), _timeProvider, cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // The loop sees the cancellation and ends.
        }
    }

    /// <summary>Frees the MJPEG encoder used to imitate a dongle.</summary>
    public void Dispose() => _mjpegEncoder?.Dispose();
}
