namespace EdgeCapture.Recording.Recorder;

/// <summary>Why an item that passed the privacy gate is still not recorded.</summary>
internal enum HorizonVerdict
{
    /// <summary>It may be recorded.</summary>
    Admitted,

    /// <summary>Stamped before the forget horizon: inside a forgotten window.</summary>
    Forgotten,

    /// <summary>Stamped before the cut horizon: its segment was already cut and sealed.</summary>
    BehindCut,

    /// <summary>Storage is full: nothing is recorded until there is room.</summary>
    StorageFull,
}

/// <summary>
/// The recorder's second stage: items stamped before the forget horizon (a forget was carried out) or the cut horizon (their
/// segment was cut at a privacy boundary and sealed) are never appended to a later segment, and nothing is taken while storage
/// is full. Each refusal is counted where the status display expects it.
/// </summary>
internal sealed class RecordingHorizons
{
    private readonly RecorderCounters _counters;

    public RecordingHorizons(RecorderCounters counters) => _counters = counters;

    /// <summary>Items before this were cut into a sealed segment.</summary>
    public long CutHorizon { get; private set; } = long.MinValue;

    /// <summary>Items before this were forgotten.</summary>
    public long ForgetHorizon { get; private set; } = long.MinValue;

    public void AdvanceCut(long boundary) => CutHorizon = Math.Max(CutHorizon, boundary);

    public void AdvanceForget(long until) => ForgetHorizon = Math.Max(ForgetHorizon, until);

    /// <summary>Decides about one item and counts a refusal (frames as dropped frames, events by cause).</summary>
    public HorizonVerdict Admit(long monotonicNanoseconds, bool isFrame, bool storageFull)
    {
        HorizonVerdict verdict =
            monotonicNanoseconds < ForgetHorizon ? HorizonVerdict.Forgotten
            : monotonicNanoseconds < CutHorizon ? HorizonVerdict.BehindCut
            : storageFull ? HorizonVerdict.StorageFull
            : HorizonVerdict.Admitted;
        if (verdict == HorizonVerdict.Admitted)
        {
            return verdict;
        }

        if (isFrame)
        {
            _counters.FramesDropped++;
        }
        else if (verdict == HorizonVerdict.Forgotten)
        {
            _counters.EventsForgotten++;
        }
        else if (verdict == HorizonVerdict.BehindCut)
        {
            _counters.EventsDroppedByRecorder++;
        }
        else
        {
            _counters.EventsLostToStorage++;
        }

        return verdict;
    }
}
