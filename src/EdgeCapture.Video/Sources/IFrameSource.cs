using EdgeCapture.Video.Frames;

namespace EdgeCapture.Video.Sources;

/// <summary>
/// Where frames come from: a V4L2 device, a simulated desktop, a file. A source runs its own capture loop
/// on the thread that calls <see cref="Run"/> (the capture stage gives it a dedicated thread) and pushes
/// each frame and signal change into the sink. It never throws out of the loop for a signal problem:
/// it reports a marker and keeps trying until cancelled.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>A short description for logs, for example <c>/dev/video0 (TC358743, UYVY)</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Captures until <paramref name="cancellationToken"/> is cancelled or the source ends (files, finite scripts).
    /// Frames are rented from <paramref name="pool"/>; when the pool is empty the source drops the frame.
    /// </summary>
    void Run(RawFramePool pool, IFrameSink sink, CancellationToken cancellationToken);
}

/// <summary>Receives what a source captured, on the source's thread.</summary>
public interface IFrameSink
{
    /// <summary>A new frame. The sink takes over the frame's reference and releases it.</summary>
    void OnFrame(RawFrame frame);

    /// <summary>The signal changed.</summary>
    void OnMarker(CaptureMarker marker);

    /// <summary>A frame was lost before reaching the sink (pool empty, device error); counted only.</summary>
    void OnFrameDropped();
}
