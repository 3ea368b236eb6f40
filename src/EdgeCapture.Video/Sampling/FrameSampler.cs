using EdgeCapture.Video.Encoding;
using EdgeCapture.Video.Frames;

namespace EdgeCapture.Video.Sampling;

/// <summary>A frame the sampler decided to keep; the holder owns one reference to <see cref="Frame"/> and must release it.</summary>
/// <param name="Frame">The frame (one reference owned by the receiver).</param>
/// <param name="Reasons">Why it was kept.</param>
public readonly record struct SamplerDecision(RawFrame Frame, FrameKeepReason Reasons);

/// <summary>
/// Decides which captured frames are worth keeping. Invariant it maintains: at any instant the screen shows
/// (up to <see cref="SamplingOptions.MinimumChangedBlocks"/> of change) the most recent kept frame. So a frame is
/// kept before an action only when it differs from the last kept one, and after an action only when the action
/// visibly changed something. Not thread-safe: the capture thread drives it. Time comes from frame and action timestamps.
/// </summary>
public sealed class FrameSampler : IDisposable
{
    private readonly SamplingOptions _options;
    private readonly RecentFrame[] _ring;
    private readonly FrameThumbnail _lastKept = new();
    private readonly LumaReducer _reducer = new();
    private readonly long _changeMinimumInterval;
    private readonly long _minimumKeptInterval;
    private readonly long _idleInterval;
    private readonly long _settleDelay;
    private readonly long _settleTimeout;
    private readonly long _burstGap;
    private readonly long _recentWindow;
    private JpegThumbnailDecoder? _jpegDecoder;
    private int _newest = -1;
    private bool _hasKept;
    private bool _everKept;
    private long _lastKeptNanoseconds;
    private bool _afterPending;
    private long _pendingActionNanoseconds;
    private long _groupStartNanoseconds;
    private InputActionKind _lastActionKind;
    private long _lastActionNanoseconds = long.MinValue;
    private readonly long[] _reasonCounts = new long[8];

    /// <summary>The thresholds in force.</summary>
    public SamplingOptions Options => _options;

    /// <summary>Creates a sampler with the given thresholds.</summary>
    public FrameSampler(SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _ring = new RecentFrame[options.RecentFrameCapacity];
        for (int i = 0; i < _ring.Length; i++)
        {
            _ring[i] = new RecentFrame();
        }

        _changeMinimumInterval = MonotonicClock.ToNanoseconds(options.ChangeMinimumInterval);
        _minimumKeptInterval = MonotonicClock.ToNanoseconds(options.MinimumKeptFrameInterval);
        _idleInterval = MonotonicClock.ToNanoseconds(options.IdleKeyframeInterval);
        _settleDelay = MonotonicClock.ToNanoseconds(options.SettleDelay);
        _settleTimeout = MonotonicClock.ToNanoseconds(options.SettleTimeout);
        _burstGap = MonotonicClock.ToNanoseconds(options.BurstGap);
        _recentWindow = MonotonicClock.ToNanoseconds(options.RecentFrameWindow);
    }

    /// <summary>Frames offered.</summary>
    public long FramesSeen { get; private set; }

    /// <summary>Frames kept.</summary>
    public long FramesKept { get; private set; }

    /// <summary>MJPEG frames that did not decode (released, never kept).</summary>
    public long CorruptFrames { get; private set; }

    /// <summary>Kept frames that carried <paramref name="reason"/> (one flag).</summary>
    public long KeptWithReason(FrameKeepReason reason) => _reasonCounts[System.Numerics.BitOperations.TrailingZeroCount((int)reason) & 7];

    private int ChangeThreshold => _options.KeepCursorOnlyChanges ? 1 : _options.MinimumChangedBlocks;

    /// <summary>
    /// An input action happened. Picks the frame before it (when it shows something new) and arms the after-action frame.
    /// Call it before offering the first frame whose timestamp is at or after the action.
    /// </summary>
    public void OnAction(InputAction action, List<SamplerDecision> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        long at = action.MonotonicNanoseconds;
        bool burstKind = action.Kind is InputActionKind.Key or InputActionKind.Scroll;
        if (burstKind && action.Kind == _lastActionKind && at - _lastActionNanoseconds <= _burstGap)
        {
            // Same burst: its before-frame is already decided; the after-frame waits for the end of the burst.
            _afterPending = true;
            _pendingActionNanoseconds = Math.Max(_pendingActionNanoseconds, at);
            _lastActionNanoseconds = at;
            return;
        }

        RecentFrame? before = LatestBefore(at);
        if (before is not null && !before.Kept)
        {
            FrameKeepReason reasons = FrameKeepReason.BeforeAction | (_afterPending ? FrameKeepReason.AfterAction : FrameKeepReason.None);
            if (!_hasKept)
            {
                Keep(before, reasons | FirstReason(), output);
            }
            else if (!before.Thumbnail.IsComparableTo(_lastKept))
            {
                Keep(before, reasons | FrameKeepReason.Resumed, output);
            }
            else if (ChangeDetector.CountChangedBlocks(before.Thumbnail, _lastKept, _options.PixelDifferenceThreshold) > 0)
            {
                Keep(before, reasons, output);
            }
        }

        _afterPending = true;
        _pendingActionNanoseconds = at;
        _groupStartNanoseconds = at;
        _lastActionKind = action.Kind;
        _lastActionNanoseconds = at;
    }

    /// <summary>
    /// Offers a frame. The sampler takes over the caller's reference (it keeps the frame in its ring of recent frames);
    /// a frame it keeps is added to <paramref name="output"/> with a reference of its own.
    /// </summary>
    public void OnFrame(RawFrame frame, List<SamplerDecision> output)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(output);
        FramesSeen++;
        RecentFrame? previous = _newest >= 0 ? _ring[_newest] : null;
        int slotIndex = (_newest + 1) % _ring.Length;
        RecentFrame slot = _ring[slotIndex];
        slot.ReleaseFrame();
        try
        {
            BuildThumbnail(frame, slot.Thumbnail);
        }
        catch (JpegCodecException)
        {
            CorruptFrames++;
            frame.Release();
            return;
        }

        slot.Frame = frame;
        slot.Kept = false;
        slot.Stamped = true;
        slot.MonotonicNanoseconds = frame.MonotonicNanoseconds;
        _newest = slotIndex;
        long now = frame.MonotonicNanoseconds;
        ReleaseBuffersOlderThan(now - _recentWindow);

        FrameKeepReason reasons = FrameKeepReason.None;
        int changedSinceKept;
        if (!_hasKept)
        {
            reasons |= FirstReason();
            changedSinceKept = int.MaxValue;
        }
        else if (!slot.Thumbnail.IsComparableTo(_lastKept))
        {
            reasons |= FrameKeepReason.Resumed;
            changedSinceKept = int.MaxValue;
        }
        else
        {
            changedSinceKept = ChangeDetector.CountChangedBlocks(slot.Thumbnail, _lastKept, _options.PixelDifferenceThreshold);
        }

        bool afterDue = false;
        bool burst = _lastActionKind is InputActionKind.Key or InputActionKind.Scroll;

        // A burst has ended once no key (or wheel step) followed within the burst gap; a click settles after the settle delay.
        long quiet = burst ? Math.Max(_settleDelay, _burstGap) : _settleDelay;
        long timeout = burst ? Math.Max(_settleTimeout, _burstGap) : _settleTimeout;
        if (_afterPending && now - _pendingActionNanoseconds >= quiet)
        {
            bool settled = previous is { Stamped: true } && previous.Thumbnail.IsComparableTo(slot.Thumbnail)
                && ChangeDetector.CountChangedBlocks(slot.Thumbnail, previous.Thumbnail, _options.PixelDifferenceThreshold) <= _options.CursorSizedChangeBlocks;
            afterDue = settled || now - _pendingActionNanoseconds >= timeout;
        }

        if (afterDue && changedSinceKept == 0 && _lastKeptNanoseconds <= _groupStartNanoseconds)
        {
            // The action changed nothing visible: the last kept frame, from before it, already shows the screen after it.
            _afterPending = false;
            afterDue = false;
        }

        if (afterDue)
        {
            reasons |= FrameKeepReason.AfterAction;
        }

        // While an action's result is pending, the after-frame will show the change: no separate change-driven keep,
        // except as progress frames during a burst that goes on longer than the settle timeout (a long paragraph).
        bool changeAllowed = !_afterPending || afterDue || now - _groupStartNanoseconds >= _settleTimeout;
        if (_hasKept && changeAllowed && changedSinceKept >= ChangeThreshold && changedSinceKept != int.MaxValue
            && now - _lastKeptNanoseconds >= _changeMinimumInterval)
        {
            reasons |= FrameKeepReason.Changed;
        }

        if (_hasKept && now - _lastKeptNanoseconds >= _idleInterval)
        {
            reasons |= FrameKeepReason.IdleKeyframe;
        }

        bool exemptFromCap = (reasons & (FrameKeepReason.First | FrameKeepReason.Resumed)) != 0;
        if (reasons != FrameKeepReason.None && !exemptFromCap && now - _lastKeptNanoseconds < _minimumKeptInterval)
        {
            // Rate cap: a pending after-action frame stays pending and is taken by a later frame.
            return;
        }

        if (reasons != FrameKeepReason.None)
        {
            if ((reasons & FrameKeepReason.AfterAction) != 0)
            {
                _afterPending = false;
            }

            Keep(slot, reasons, output);
        }
    }

    /// <summary>
    /// Forgets the recent frames and the last kept frame: the next frame is kept as <see cref="FrameKeepReason.Resumed"/>.
    /// Called when the signal was lost or changed and when a private interval starts, so nothing from before the gap
    /// is compared with, or picked as before-frame for, anything after it.
    /// </summary>
    public void Reset()
    {
        foreach (RecentFrame recent in _ring)
        {
            recent.ReleaseFrame();
        }

        _newest = -1;
        _hasKept = false;
        _afterPending = false;
        _lastKept.Clear();
    }

    private FrameKeepReason FirstReason() => _everKept ? FrameKeepReason.Resumed : FrameKeepReason.First;

    private RecentFrame? LatestBefore(long at)
    {
        if (_newest < 0)
        {
            return null;
        }

        for (int step = 0; step < _ring.Length; step++)
        {
            RecentFrame candidate = _ring[((_newest - step) % _ring.Length + _ring.Length) % _ring.Length];
            if (candidate.Frame is null)
            {
                // Not filled yet, or older than the recent window (its buffer went back): nothing older is held either.
                return null;
            }

            if (candidate.MonotonicNanoseconds < at)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Gives back the buffers of recent frames older than <paramref name="oldest"/>; their thumbnails stay for the settle check.</summary>
    private void ReleaseBuffersOlderThan(long oldest)
    {
        foreach (RecentFrame recent in _ring)
        {
            if (recent.Frame is not null && recent.MonotonicNanoseconds < oldest)
            {
                recent.Frame.Release();
                recent.Frame = null;
            }
        }
    }

    private void Keep(RecentFrame recent, FrameKeepReason reasons, List<SamplerDecision> output)
    {
        RawFrame frame = recent.Frame!;
        recent.Kept = true;
        long at = frame.MonotonicNanoseconds;
        if (!_hasKept || at >= _lastKeptNanoseconds)
        {
            // A before-frame picked late (older than the last kept) must not move the reference backwards.
            _lastKept.CopyFrom(recent.Thumbnail);
            _lastKeptNanoseconds = at;
        }

        _hasKept = true;
        _everKept = true;
        FramesKept++;
        for (int bit = 0; bit < _reasonCounts.Length; bit++)
        {
            if (((int)reasons & (1 << bit)) != 0)
            {
                _reasonCounts[bit]++;
            }
        }

        frame.AddReference();
        output.Add(new SamplerDecision(frame, reasons));
    }

    private void BuildThumbnail(RawFrame frame, FrameThumbnail target)
    {
        switch (frame.Layout)
        {
            case PixelLayout.Uyvy:
                _reducer.Reduce(frame.Data, frame.Width, frame.Height, frame.Stride, lumaInHighByte: true, target);
                break;
            case PixelLayout.Yuyv:
                _reducer.Reduce(frame.Data, frame.Width, frame.Height, frame.Stride, lumaInHighByte: false, target);
                break;
            case PixelLayout.Mjpeg:
                _jpegDecoder ??= new JpegThumbnailDecoder();
                _jpegDecoder.DecodeThumbnail(frame.Data, target);
                break;
            default:
                throw new ArgumentException($"Unknown pixel layout {frame.Layout}.", nameof(frame));
        }
    }

    /// <summary>Releases the recent frames and the JPEG decoder.</summary>
    public void Dispose()
    {
        Reset();
        _jpegDecoder?.Dispose();
        _jpegDecoder = null;
    }

    private sealed class RecentFrame
    {
        public RawFrame? Frame { get; set; }

        public bool Kept { get; set; }

        /// <summary>The slot holds a frame's thumbnail and time (its buffer may already be back in the pool).</summary>
        public bool Stamped { get; set; }

        public long MonotonicNanoseconds { get; set; }

        public FrameThumbnail Thumbnail { get; } = new();

        public void ReleaseFrame()
        {
            Frame?.Release();
            Frame = null;
            Kept = false;
            Stamped = false;
        }
    }
}
