// Slightly over 400 lines: the capture stage's two threads (source and encoder) share the gate, the sampler and the
// frame pool; apart, each would reach into the other's state.
using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using EdgeCapture.Privacy;
using EdgeCapture.Privacy.Gates;
using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;
using EdgeCapture.Video.Sampling;
using EdgeCapture.Video.Sources;
using Microsoft.Extensions.Logging;

namespace EdgeCapture.Video;

/// <summary>
/// The capture side of a recording: runs a frame source on its own thread, drops every frame and marker whose timestamp
/// the privacy gate does not allow (before anything else looks at it), lets the <see cref="FrameSampler"/> pick the frames
/// that matter, encodes them on a second worker and publishes <see cref="CapturedFrame"/> and <see cref="CaptureMarker"/>
/// records on <see cref="Records"/>. Nothing here ever blocks the source: full queues drop and count.
/// </summary>
/// <remarks>
/// A frame or marker whose instant the gate has not confirmed yet (pending) is held, in arrival order, and asked about
/// again when the next one arrives; nobody sleeps for the gate. Whatever is still pending when the source ends is not recorded.
/// </remarks>
public sealed partial class CaptureStage : IFrameSink, IDisposable
{
    private readonly IFrameSource _source;
    private readonly IRecordingGate _gate;
    private readonly CaptureStageOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly FrameSampler _sampler;
    private readonly RawFramePool _pool;
    private readonly Channel<PendingRecord> _encodeQueue;
    private readonly Channel<CaptureRecord> _output;
    private readonly ConcurrentQueue<InputAction> _actions = new();
    private readonly List<SamplerDecision> _decisions = new(4);
    private readonly Queue<HeldItem> _held = new();
    private int _pendingActions;
    private bool _inPrivate;
    private int _started;

    private long _framesCaptured;
    private long _framesPrivate;
    private long _framesEmitted;
    private long _bytesEmitted;
    private long _markersEmitted;
    private long _markersPrivate;
    private long _framesDroppedAtSource;
    private long _recordsDropped;
    private long _actionsDropped;
    private long _encodeFailures;
    private long _sourceFailures;

    /// <summary>Creates the stage; nothing runs until <see cref="RunAsync"/>.</summary>
    /// <param name="source">Where frames come from.</param>
    /// <param name="gate">The privacy gate, asked for every frame and marker by timestamp.</param>
    /// <param name="options">Sampling, encoding and queue settings.</param>
    /// <param name="timeProvider">Clock for restart delays.</param>
    /// <param name="logger">Logger.</param>
    public CaptureStage(IFrameSource source, IRecordingGate gate, CaptureStageOptions options, TimeProvider timeProvider, ILogger<CaptureStage> logger)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _source = source;
        _gate = gate;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _sampler = new FrameSampler(options.Sampling);
        _pool = new RawFramePool(options.FramePoolSize, options.FrameBufferCapacity, options.IdleFrameBufferLifetime, timeProvider);
        _encodeQueue = Channel.CreateBounded<PendingRecord>(
            new BoundedChannelOptions(options.EncodeQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropWrite,
                SingleReader = true,
                SingleWriter = true,
            },
            dropped =>
            {
                dropped.Frame?.Release();
                Interlocked.Increment(ref _recordsDropped);
            });
        _output = Channel.CreateBounded<CaptureRecord>(
            new BoundedChannelOptions(options.OutputCapacity)
            {
                FullMode = BoundedChannelFullMode.DropWrite,
                SingleReader = false,
                SingleWriter = true,
            },
            dropped =>
            {
                (dropped as CapturedFrame)?.Dispose();
                Interlocked.Increment(ref _recordsDropped);
            });
    }

    /// <summary>
    /// Kept frames and markers, in decision order. The reader owns each <see cref="CapturedFrame"/> it reads and disposes it.
    /// Completes when <see cref="RunAsync"/> ends.
    /// </summary>
    public ChannelReader<CaptureRecord> Records => _output.Reader;

    /// <summary>The frame pool (for diagnostics and tests).</summary>
    internal RawFramePool Pool => _pool;

    /// <summary>
    /// Reports an input action (click, key press, wheel step) at its evdev timestamp. Thread-safe, never blocks:
    /// the action is applied when the first frame at or after its timestamp arrives.
    /// </summary>
    public void NotifyAction(InputAction action)
    {
        _actions.Enqueue(action);
        if (Interlocked.Increment(ref _pendingActions) > _options.PendingActionCapacity && _actions.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _pendingActions);
            Interlocked.Increment(ref _actionsDropped);
        }
    }

    /// <summary>Counters so far.</summary>
    public CaptureStatistics GetStatistics() => new(
        Interlocked.Read(ref _framesCaptured),
        Interlocked.Read(ref _framesPrivate),
        _sampler.FramesKept,
        Interlocked.Read(ref _framesEmitted),
        Interlocked.Read(ref _bytesEmitted),
        Interlocked.Read(ref _markersEmitted),
        Interlocked.Read(ref _markersPrivate),
        Interlocked.Read(ref _framesDroppedAtSource) + _pool.RentFailures,
        Interlocked.Read(ref _recordsDropped),
        Interlocked.Read(ref _actionsDropped),
        _sampler.CorruptFrames,
        Interlocked.Read(ref _encodeFailures),
        Interlocked.Read(ref _sourceFailures));

    /// <summary>
    /// Runs the source on a dedicated thread and the encoder on another until cancelled or until the source ends
    /// (a file, a finite script). Then completes <see cref="Records"/>. Can run once.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A capture stage runs once.");
        }

        LogStarting(_logger, _source.Description);
        var captureDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var captureThread = new Thread(() =>
        {
            try
            {
                CaptureLoop(cancellationToken);
                captureDone.SetResult();
            }
            catch (Exception exception)
            {
                captureDone.SetException(exception);
            }
        })
        {
            IsBackground = true,
            Name = "edgecapture-video-capture",
        };
        captureThread.Start();
        Task encoder = Task.Factory.StartNew(
            EncodeLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        try
        {
            await captureDone.Task.ConfigureAwait(false);
        }
        finally
        {
            _encodeQueue.Writer.TryComplete();
            await encoder.ConfigureAwait(false);
            _output.Writer.TryComplete();
            CaptureStatistics statistics = GetStatistics();
            LogStopped(_logger, _source.Description, statistics);
        }
    }

    private void CaptureLoop(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    _source.Run(_pool, this, cancellationToken);
                    return;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    // A source is meant to turn device trouble into markers; anything escaping is a bug or a vanished device.
                    Interlocked.Increment(ref _sourceFailures);
                    LogSourceFailed(_logger, _source.Description, exception);
                    OnMarker(new CaptureMarker(
                        MonotonicClock.For(_timeProvider).NowNanoseconds, CaptureMarkerKind.DeviceError, 0, 0, exception.GetType().Name));
                    WaitForRestart(cancellationToken);
                }
            }
        }
        finally
        {
            // The source has ended: what the gate still cannot confirm is not recorded.
            DecideHeld(final: true);
            _sampler.Dispose();
        }
    }

    private void WaitForRestart(CancellationToken cancellationToken)
    {
        try
        {
            Task.Delay(_options.SourceRestartDelay, _timeProvider, cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Cancelled while waiting: the loop condition ends the capture.
        }
    }

    /// <inheritdoc/>
    void IFrameSink.OnFrame(RawFrame frame) => OnFrame(frame);

    /// <inheritdoc/>
    void IFrameSink.OnMarker(CaptureMarker marker) => OnMarker(marker);

    /// <inheritdoc/>
    void IFrameSink.OnFrameDropped() => Interlocked.Increment(ref _framesDroppedAtSource);

    private void OnFrame(RawFrame frame)
    {
        Interlocked.Increment(ref _framesCaptured);
        Hold(new HeldItem(frame, null));
    }

    private void OnMarker(CaptureMarker marker) => Hold(new HeldItem(null, marker));

    /// <summary>Queues an item behind those the gate has not decided yet, then decides what it can, oldest first.</summary>
    private void Hold(HeldItem item)
    {
        DecideHeld(final: false);
        if (_held.Count >= _options.PendingGateCapacity)
        {
            // Held items wait for a confirmation; one more than the capacity is not recorded (counted as private).
            item.Frame?.Release();
            Interlocked.Increment(ref item.Frame is null ? ref _markersPrivate : ref _framesPrivate);
            return;
        }

        _held.Enqueue(item);
        DecideHeld(final: false);
    }

    private void DecideHeld(bool final)
    {
        while (_held.TryPeek(out HeldItem head))
        {
            long at = head.Frame?.MonotonicNanoseconds ?? head.Marker!.MonotonicNanoseconds;
            GateDecision decision = _gate.Decide(at);
            if (decision == GateDecision.Pending && !final)
            {
                return;
            }

            _held.Dequeue();
            bool recordable = decision == GateDecision.Recordable;
            if (head.Frame is { } frame)
            {
                DecideFrame(frame, recordable);
            }
            else
            {
                DecideMarker(head.Marker!, recordable);
            }
        }
    }

    private void DecideFrame(RawFrame frame, bool recordable)
    {
        long at = frame.MonotonicNanoseconds;
        while (_actions.TryPeek(out InputAction action) && action.MonotonicNanoseconds <= at && _actions.TryDequeue(out action))
        {
            Interlocked.Decrement(ref _pendingActions);
            _sampler.OnAction(action, _decisions);
        }

        // The privacy gate decides first: a private frame is released here, unseen by the sampler and the encoder.
        if (!recordable)
        {
            frame.Release();
            Interlocked.Increment(ref _framesPrivate);
            if (!_inPrivate)
            {
                _inPrivate = true;
                _sampler.Reset();
            }

            PublishDecisions();
            return;
        }

        _inPrivate = false;
        _sampler.OnFrame(frame, _decisions);
        PublishDecisions();
    }

    private void DecideMarker(CaptureMarker marker, bool recordable)
    {
        if (marker.Kind != CaptureMarkerKind.SignalRestored)
        {
            _sampler.Reset();
        }

        if (!recordable)
        {
            Interlocked.Increment(ref _markersPrivate);
            return;
        }

        LogMarker(_logger, marker.Kind, marker.Width, marker.Height, marker.Detail);
        _encodeQueue.Writer.TryWrite(new PendingRecord(null, FrameKeepReason.None, marker));
    }

    private void PublishDecisions()
    {
        foreach (SamplerDecision decision in _decisions)
        {
            if (!_encodeQueue.Writer.TryWrite(new PendingRecord(decision.Frame, decision.Reasons, null)))
            {
                decision.Frame.Release();
                Interlocked.Increment(ref _recordsDropped);
            }
        }

        _decisions.Clear();
    }

    private async Task EncodeLoop()
    {
        JpegEncoder? encoder = null;
        try
        {
            await foreach (PendingRecord pending in _encodeQueue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (pending.Marker is not null)
                {
                    Interlocked.Increment(ref _markersEmitted);
                    _output.Writer.TryWrite(pending.Marker);
                    continue;
                }

                RawFrame frame = pending.Frame!;
                try
                {
                    // Checked again at the last moment before encoding: the gate must never be bypassed by a queue.
                    if (_gate.Decide(frame.MonotonicNanoseconds) != GateDecision.Recordable)
                    {
                        Interlocked.Increment(ref _framesPrivate);
                        continue;
                    }

                    CapturedFrame captured = Encode(frame, pending.Reasons, ref encoder);
                    Interlocked.Increment(ref _framesEmitted);
                    Interlocked.Add(ref _bytesEmitted, captured.Length);
                    _output.Writer.TryWrite(captured);
                }
                catch (JpegCodecException exception)
                {
                    Interlocked.Increment(ref _encodeFailures);
                    LogEncodeFailed(_logger, frame.SequenceNumber, exception);
                }
                finally
                {
                    frame.Release();
                }
            }
        }
        finally
        {
            encoder?.Dispose();
        }
    }

    private CapturedFrame Encode(RawFrame frame, FrameKeepReason reasons, ref JpegEncoder? encoder)
    {
        if (frame.Layout == PixelLayout.Mjpeg)
        {
            byte[] copy = ArrayPool<byte>.Shared.Rent(frame.Length);
            frame.Data.CopyTo(copy);
            return new CapturedFrame(
                frame.MonotonicNanoseconds, frame.SequenceNumber, frame.Width, frame.Height, frame.Width, frame.Height,
                CapturedFrameFormat.Mjpeg, reasons, copy, frame.Length);
        }

        encoder ??= new JpegEncoder(_options.Encoding);
        ReadOnlySpan<byte> jpeg = encoder.EncodePacked(
            frame.Data, frame.Layout, frame.Width, frame.Height, frame.Stride, out int width, out int height);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(jpeg.Length);
        jpeg.CopyTo(buffer);
        return new CapturedFrame(
            frame.MonotonicNanoseconds, frame.SequenceNumber, width, height, frame.Width, frame.Height,
            CapturedFrameFormat.Jpeg, reasons, buffer, jpeg.Length);
    }

    /// <summary>Releases the source and the frame pool.</summary>
    public void Dispose()
    {
        _source.Dispose();
        _pool.Dispose();
    }

    private readonly record struct PendingRecord(RawFrame? Frame, FrameKeepReason Reasons, CaptureMarker? Marker);

    private readonly record struct HeldItem(RawFrame? Frame, CaptureMarker? Marker);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Video capture starting from {Source}")]
    private static partial void LogStarting(ILogger logger, string source);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Video capture from {Source} stopped: {Statistics}")]
    private static partial void LogStopped(ILogger logger, string source, CaptureStatistics statistics);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Video source {Source} failed; restarting it")]
    private static partial void LogSourceFailed(ILogger logger, string source, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Capture signal: {Kind} {Width}x{Height} {Detail}")]
    private static partial void LogMarker(ILogger logger, CaptureMarkerKind kind, int width, int height, string detail);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Frame {Sequence} could not be encoded")]
    private static partial void LogEncodeFailed(ILogger logger, long sequence, Exception exception);
}
