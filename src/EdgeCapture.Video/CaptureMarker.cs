namespace EdgeCapture.Video;

/// <summary>What happened to the HDMI signal.</summary>
public enum CaptureMarkerKind
{
    /// <summary>No HDMI signal (V4L2 ENOLINK, cable out, laptop screen off or asleep). Capture keeps waiting for it.</summary>
    SignalLost = 1,

    /// <summary>A signal is present but the receiver cannot lock to it (V4L2 ENOLCK, or timings out of range: ERANGE).</summary>
    NoSync = 2,

    /// <summary>The source switched to another resolution; frames from now on have the new size.</summary>
    ResolutionChanged = 3,

    /// <summary>A stable signal is back after <see cref="SignalLost"/> or <see cref="NoSync"/>; frames follow.</summary>
    SignalRestored = 4,

    /// <summary>The capture device failed or disappeared (unplugged dongle); capture retries on its own.</summary>
    DeviceError = 5,
}

/// <summary>
/// A change of the capture signal, recorded between frames so a consumer knows why frames stopped or changed size.
/// Markers pass the same privacy gate as frames: none is emitted with a timestamp inside a private interval.
/// </summary>
public sealed class CaptureMarker : CaptureRecord
{
    /// <summary>Creates a marker.</summary>
    /// <param name="monotonicNanoseconds">When the capture side noticed it, CLOCK_MONOTONIC ns.</param>
    /// <param name="kind">What happened.</param>
    /// <param name="width">Source width after the event (0 when there is no signal).</param>
    /// <param name="height">Source height after the event (0 when there is no signal).</param>
    /// <param name="detail">A short human-readable detail (errno name, timings); never null.</param>
    public CaptureMarker(long monotonicNanoseconds, CaptureMarkerKind kind, int width, int height, string detail)
        : base(monotonicNanoseconds)
    {
        ArgumentNullException.ThrowIfNull(detail);
        Kind = kind;
        Width = width;
        Height = height;
        Detail = detail;
    }

    /// <summary>What happened.</summary>
    public CaptureMarkerKind Kind { get; }

    /// <summary>Source width after the event, 0 when there is no signal.</summary>
    public int Width { get; }

    /// <summary>Source height after the event, 0 when there is no signal.</summary>
    public int Height { get; }

    /// <summary>Short human-readable detail, for example <c>ENOLINK</c> or <c>1920x1080p60</c>.</summary>
    public string Detail { get; }

    /// <inheritdoc/>
    public override string ToString() => $"Marker {Kind} @{MonotonicNanoseconds} ns {Width}x{Height} {Detail}";
}
