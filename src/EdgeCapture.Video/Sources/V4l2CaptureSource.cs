using EdgeCapture.Video.Devices;
using EdgeCapture.Video.Frames;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Video.Sources;

/// <summary>
/// Continuous V4L2 capture with mmap buffers on the calling thread (the capture stage's thread). For the TC358743 it
/// queries and sets the DV timings before each stream, subscribes to V4L2_EVENT_SOURCE_CHANGE, and turns ENOLINK, ENOLCK
/// and resolution changes into markers, resuming by itself when the signal is back. A vanished device (ENODEV) becomes
/// a DeviceError marker and the node is reopened. While not streaming it polls for POLLPRI (events) only, because POLLIN
/// on an idle vb2 queue starts the read() emulator; EBUSY from S_DV_TIMINGS, S_FMT or REQBUFS closes and reopens the node. Frames are copied once, from the driver's buffer into a pooled
/// <see cref="RawFrame"/> (bytesused only), stamped with the kernel's CLOCK_MONOTONIC timestamp; no allocation per frame.
/// </summary>
/// <remarks>
/// Iot.Device.Media.VideoDevice 4.2.0 is used to describe devices (<see cref="VideoDeviceProbe"/>) but not to stream:
/// its continuous capture ignores DQBUF errors (on ENOLINK it re-delivers a stale buffer in a busy loop), copies the whole
/// buffer instead of bytesused, drops the kernel timestamp and has no DV-timings or event ioctls.
/// </remarks>
public sealed partial class V4l2CaptureSource : IFrameSource
{
    private readonly V4l2CaptureOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Func<string, (int Error, IV4l2Device? Device)> _open;
    private readonly Action<TimeSpan, CancellationToken>? _delay;
    private SignalState _state = SignalState.Starting;
    private int _width;
    private int _height;
    private long _sequence;

    /// <summary>Creates a source for a real device node.</summary>
    public V4l2CaptureSource(V4l2CaptureOptions options, TimeProvider timeProvider, ILogger<V4l2CaptureSource> logger)
        : this(options, timeProvider, logger, path => (V4l2DeviceFile.TryOpen(path, out IV4l2Device? device), device))
    {
    }

    internal V4l2CaptureSource(
        V4l2CaptureOptions options,
        TimeProvider timeProvider,
        ILogger logger,
        Func<string, (int Error, IV4l2Device? Device)> open,
        Action<TimeSpan, CancellationToken>? delay = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferCount, 2);
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _open = open;
        _delay = delay;
    }

    private enum SignalState
    {
        Starting,
        Streaming,
        Lost,
        NoSync,
        DeviceMissing,
    }

    /// <inheritdoc/>
    public string Description => $"{_options.DevicePath} ({(_options.Kind == V4l2CaptureKind.Tc358743Bridge ? "TC358743, UYVY" : "USB dongle, MJPEG")})";

    /// <inheritdoc/>
    public void Run(RawFramePool pool, IFrameSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(sink);
        while (!cancellationToken.IsCancellationRequested)
        {
            (int error, IV4l2Device? device) = _open(_options.DevicePath);
            if (device is null)
            {
                Report(sink, SignalState.DeviceMissing, CaptureMarkerKind.DeviceError, $"open {_options.DevicePath}: {ErrorName(error)}");
                Delay(cancellationToken);
                continue;
            }

            DeviceOutcome outcome;
            using (device)
            {
                outcome = RunDevice(device, pool, sink, cancellationToken);
            }

            if (outcome == DeviceOutcome.Busy)
            {
                // Closed first: closing is what releases a queue this file owned (vb2_fop_release), as ustreamer does.
                Delay(cancellationToken);
            }
        }
    }

    /// <summary>Why <see cref="RunDevice"/> gave up its file.</summary>
    private enum DeviceOutcome
    {
        /// <summary>Cancelled, or the device vanished: reopen at once.</summary>
        Reopen,

        /// <summary>EBUSY (or a node that cannot serve the bridge): close, wait a retry interval, reopen.</summary>
        Busy,
    }

    private DeviceOutcome RunDevice(IV4l2Device device, RawFramePool pool, IFrameSink sink, CancellationToken cancellationToken)
    {
        bool bridge = _options.Kind == V4l2CaptureKind.Tc358743Bridge;
        if (bridge && device.SubscribeSourceChange() is int subscribeError and not 0)
        {
            LogNoEvents(_logger, _options.DevicePath, ErrorName(subscribeError));
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            int width = _options.Width;
            int height = _options.Height;
            string mode = $"{width}x{height} MJPEG";
            if (bridge)
            {
                int queryError = device.QueryDvTimings(out DetectedTimings timings);
                if (queryError == V4l2.ErrorNoDevice)
                {
                    Report(sink, SignalState.DeviceMissing, CaptureMarkerKind.DeviceError, "ENODEV");
                    return DeviceOutcome.Reopen;
                }

                if (queryError == V4l2.ErrorNotTty)
                {
                    // unicam (Pi 4, CM4) serves the DV-timings ioctls on the video node; the Pi 5's rp1-cfe is
                    // media-controller-centric and serves them (and the EDID) on /dev/v4l-subdevN only. Not supported.
                    Report(sink, SignalState.DeviceMissing, CaptureMarkerKind.DeviceError, $"{_options.DevicePath} has no VIDIOC_QUERY_DV_TIMINGS (ENOTTY): a TC358743 behind the Pi 5's rp1-cfe keeps its timings on /dev/v4l-subdevN, which is not supported; use a USB HDMI dongle (v4l2-dongle) on a Pi 5");
                    return DeviceOutcome.Busy;
                }

                if (queryError != 0)
                {
                    bool noLink = queryError == V4l2.ErrorNoLink;
                    Report(sink, noLink ? SignalState.Lost : SignalState.NoSync, noLink ? CaptureMarkerKind.SignalLost : CaptureMarkerKind.NoSync, ErrorName(queryError));
                    WaitForSourceChange(device, cancellationToken);
                    continue;
                }

                int setError = device.SetDvTimings(timings);
                if (setError == V4l2.ErrorBusy)
                {
                    // The queue has buffers: the read() emulator holds them on this file (only closing it frees them),
                    // or another process streams. Either way this file cannot set timings: close, wait, reopen.
                    Report(sink, SignalState.DeviceMissing, CaptureMarkerKind.DeviceError, "S_DV_TIMINGS: EBUSY, reopening");
                    return DeviceOutcome.Busy;
                }

                if (setError != 0)
                {
                    Report(sink, SignalState.NoSync, CaptureMarkerKind.NoSync, $"S_DV_TIMINGS: {ErrorName(setError)}");
                    WaitForSourceChange(device, cancellationToken);
                    continue;
                }

                width = timings.Width;
                height = timings.Height;
                mode = $"{width}x{height}p{timings.FramesPerSecond:F0}";
            }

            uint pixelFormat = bridge ? V4l2Streaming.PixelFormatUyvy : V4l2Streaming.PixelFormatMjpeg;
            int formatError = device.SetFormat(pixelFormat, width, height, out int actualWidth, out int actualHeight, out int bytesPerLine);
            int startError = formatError == 0 ? device.StartStreaming(_options.BufferCount) : formatError;
            if (startError != 0)
            {
                bool busy = startError == V4l2.ErrorBusy;
                Report(sink, SignalState.DeviceMissing, CaptureMarkerKind.DeviceError, $"{(formatError != 0 ? "S_FMT" : "REQBUFS/STREAMON")} {mode}: {ErrorName(startError)}{(busy ? ", reopening" : string.Empty)}");
                if (startError == V4l2.ErrorNoDevice || busy)
                {
                    return busy ? DeviceOutcome.Busy : DeviceOutcome.Reopen;
                }

                Delay(cancellationToken);
                continue;
            }

            AnnounceStreaming(sink, actualWidth, actualHeight, mode);
            StreamResult result = Stream(device, pool, sink, bridge ? PixelLayout.Uyvy : PixelLayout.Mjpeg, actualWidth, actualHeight, Math.Max(bytesPerLine, actualWidth * 2), cancellationToken);
            device.StopStreaming();
            if (result == StreamResult.DeviceGone)
            {
                Report(sink, SignalState.DeviceMissing, CaptureMarkerKind.DeviceError, "ENODEV");
                return DeviceOutcome.Reopen;
            }

            if (result == StreamResult.Stalled && !bridge)
            {
                // A dongle that stops delivering: reopen it.
                Report(sink, SignalState.DeviceMissing, CaptureMarkerKind.DeviceError, $"no frames for {_options.NoFrameTimeout.TotalSeconds:F0} s");
                return DeviceOutcome.Reopen;
            }
        }

        return DeviceOutcome.Reopen;
    }

    private enum StreamResult
    {
        Cancelled,
        SourceChanged,
        SignalGone,
        Stalled,
        DeviceGone,
    }

    private StreamResult Stream(IV4l2Device device, RawFramePool pool, IFrameSink sink, PixelLayout layout, int width, int height, int stride, CancellationToken cancellationToken)
    {
        long lastFrame = MonotonicClock.For(_timeProvider).NowNanoseconds;
        long stallLimit = MonotonicClock.ToNanoseconds(_options.NoFrameTimeout);
        int pollTimeout = (int)Math.Clamp(_options.NoFrameTimeout.TotalMilliseconds / 4, 1, 500);
        while (!cancellationToken.IsCancellationRequested)
        {
            // Our mmap buffers exist while streaming, so POLLIN cannot start the read() emulator here.
            switch (device.Wait(V4l2PollEvents.Frames | V4l2PollEvents.Events, pollTimeout))
            {
                case V4l2WaitResult.EventPending:
                    if (device.DequeueEvent(out uint type, out _) == 0 && type == V4l2.EventSourceChange)
                    {
                        return StreamResult.SourceChanged;
                    }

                    continue;
                case V4l2WaitResult.Error:
                    return StreamResult.SignalGone;
                case V4l2WaitResult.Timeout:
                    if (MonotonicClock.For(_timeProvider).NowNanoseconds - lastFrame >= stallLimit)
                    {
                        return StreamResult.Stalled;
                    }

                    continue;
                default:
                    break;
            }

            int error = device.DequeueBuffer(out DequeuedBuffer buffer);
            if (error == V4l2.ErrorAgain)
            {
                continue;
            }

            if (error == V4l2.ErrorNoDevice)
            {
                return StreamResult.DeviceGone;
            }

            if (error != 0)
            {
                // ENOLINK, ENOLCK, EPIPE, EIO: the stream is gone with the signal; re-read the timings.
                return StreamResult.SignalGone;
            }

            lastFrame = buffer.MonotonicNanoseconds ?? MonotonicClock.For(_timeProvider).NowNanoseconds;
            Deliver(device, pool, sink, buffer, layout, width, height, stride, lastFrame);
            if (device.QueueBuffer(buffer.Index) is int queueError and not 0)
            {
                return queueError == V4l2.ErrorNoDevice ? StreamResult.DeviceGone : StreamResult.SignalGone;
            }
        }

        return StreamResult.Cancelled;
    }

    private void Deliver(IV4l2Device device, RawFramePool pool, IFrameSink sink, DequeuedBuffer buffer, PixelLayout layout, int width, int height, int stride, long timestamp)
    {
        bool complete = layout == PixelLayout.Mjpeg ? buffer.BytesUsed > 4 : buffer.BytesUsed >= stride * height;
        if (buffer.Corrupted || !complete || !pool.TryRent(out RawFrame? frame))
        {
            sink.OnFrameDropped();
            return;
        }

        ReadOnlySpan<byte> data = device.BufferData(buffer.Index, buffer.BytesUsed);
        data.CopyTo(frame.GetWritableSpan(data.Length));
        frame.Describe(layout, width, height, layout == PixelLayout.Mjpeg ? 0 : stride, data.Length, timestamp, _sequence++);
        sink.OnFrame(frame);
    }

    private void AnnounceStreaming(IFrameSink sink, int width, int height, string mode)
    {
        long now = MonotonicClock.For(_timeProvider).NowNanoseconds;
        bool resized = _width != 0 && (width != _width || height != _height);
        if (_state is SignalState.Lost or SignalState.NoSync or SignalState.DeviceMissing)
        {
            sink.OnMarker(new CaptureMarker(now, CaptureMarkerKind.SignalRestored, width, height, mode));
        }

        if (resized)
        {
            sink.OnMarker(new CaptureMarker(now, CaptureMarkerKind.ResolutionChanged, width, height, mode));
        }

        LogStreaming(_logger, _options.DevicePath, mode);
        _state = SignalState.Streaming;
        _width = width;
        _height = height;
    }

    private void Report(IFrameSink sink, SignalState state, CaptureMarkerKind kind, string detail)
    {
        if (_state == state)
        {
            return;
        }

        _state = state;
        LogSignal(_logger, _options.DevicePath, kind, detail);
        sink.OnMarker(new CaptureMarker(MonotonicClock.For(_timeProvider).NowNanoseconds, kind, 0, 0, detail));
    }

    private void WaitForSourceChange(IV4l2Device device, CancellationToken cancellationToken)
    {
        // The bridge raises V4L2_EVENT_SOURCE_CHANGE when a signal appears; poll for it, at most one retry interval.
        // POLLPRI only: no buffers exist now, and POLLIN would start vb2's read() emulator (buffers + STREAMON), after
        // which S_DV_TIMINGS, S_FMT and REQBUFS fail with EBUSY until the file is closed (videobuf2-core.c, vb2_core_poll).
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        if (device.Wait(V4l2PollEvents.Events, (int)Math.Max(1, _options.RetryInterval.TotalMilliseconds)) == V4l2WaitResult.EventPending)
        {
            _ = device.DequeueEvent(out _, out _);
        }
    }

    private void Delay(CancellationToken cancellationToken)
    {
        if (_delay is not null)
        {
            _delay(_options.RetryInterval, cancellationToken);
            return;
        }

        try
        {
            Task.Delay(_options.RetryInterval, _timeProvider, cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // The loop condition ends the capture.
        }
    }

    internal static string ErrorName(int error) => error switch
    {
        V4l2.ErrorNoLink => "ENOLINK",
        V4l2.ErrorNoLock => "ENOLCK",
        V4l2.ErrorRange => "ERANGE",
        V4l2.ErrorNoDevice => "ENODEV",
        V4l2.ErrorAgain => "EAGAIN",
        2 => "ENOENT",
        13 => "EACCES",
        16 => "EBUSY",
        22 => "EINVAL",
        25 => "ENOTTY",
        _ => $"errno {error}",
    };

    /// <inheritdoc/>
    public void Dispose()
    {
        // The device is opened and closed inside Run; nothing is held between runs.
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "{Device}: streaming {Mode}")]
    private static partial void LogStreaming(ILogger logger, string device, string mode);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "{Device}: {Kind} ({Detail})")]
    private static partial void LogSignal(ILogger logger, string device, CaptureMarkerKind kind, string detail);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "{Device}: cannot subscribe to source-change events ({Error}); relying on timeouts")]
    private static partial void LogNoEvents(ILogger logger, string device, string error);
}
