namespace EdgeCapture.Video;

/// <summary>Counters of a <see cref="CaptureStage"/>, read at one moment.</summary>
/// <param name="FramesCaptured">Frames the source delivered.</param>
/// <param name="FramesPrivate">Frames released unseen because their timestamp was not recordable.</param>
/// <param name="FramesKept">Frames the sampler kept.</param>
/// <param name="FramesEmitted">Encoded frames written to <see cref="CaptureStage.Records"/>.</param>
/// <param name="BytesEmitted">Encoded bytes of those frames.</param>
/// <param name="MarkersEmitted">Markers written to <see cref="CaptureStage.Records"/>.</param>
/// <param name="MarkersPrivate">Markers dropped because their timestamp was not recordable.</param>
/// <param name="FramesDroppedAtSource">Frames the source could not deliver (pool empty, device error).</param>
/// <param name="RecordsDroppedInQueues">Kept frames or markers dropped because the encoder or the consumer was behind.</param>
/// <param name="ActionsDropped">Input actions dropped because no frame came to consume them.</param>
/// <param name="CorruptFrames">MJPEG frames that did not decode.</param>
/// <param name="EncodeFailures">Frames the encoder rejected.</param>
/// <param name="SourceFailures">Unexpected source failures (the source was restarted).</param>
public sealed record CaptureStatistics(
    long FramesCaptured,
    long FramesPrivate,
    long FramesKept,
    long FramesEmitted,
    long BytesEmitted,
    long MarkersEmitted,
    long MarkersPrivate,
    long FramesDroppedAtSource,
    long RecordsDroppedInQueues,
    long ActionsDropped,
    long CorruptFrames,
    long EncodeFailures,
    long SourceFailures);
