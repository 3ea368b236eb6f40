using EdgeCapture.Storage;
using EdgeCapture.Video.Sources;

namespace EdgeCapture.Appliance.Hosting;

/// <summary>
/// Test seam: wrappers around the kernel- and disk-facing parts, so that a test can make them fail the way the board's
/// would (an outbox whose disk returns EIO, a capture device that goes away, an upload queue that throws) and check that
/// the appliance reports the fault, restarts the part and keeps relaying. Empty in production.
/// </summary>
internal sealed record ApplianceFaultInjection
{
    /// <summary>No faults.</summary>
    public static ApplianceFaultInjection None { get; } = new();

    /// <summary>Wraps the outbox as the recorder's sink writes to it.</summary>
    public Func<IRecordingOutbox, IRecordingOutbox>? RecordingOutbox { get; init; }

    /// <summary>Wraps the outbox as the uploader reads it.</summary>
    public Func<IUploadBacklog, IUploadBacklog>? UploadBacklog { get; init; }

    /// <summary>Wraps the configured frame source.</summary>
    public Func<IFrameSource, IFrameSource>? FrameSource { get; init; }

    /// <summary>Called by the recorder part before each of its runs (the first and every restart); a throw is a recorder fault.</summary>
    public Action<int>? RecorderRun { get; init; }
}
