namespace EdgeCapture.Video;

/// <summary>Why the sampler kept a frame. Several reasons can hold at once.</summary>
[Flags]
public enum FrameKeepReason
{
    /// <summary>Not kept (never seen on an emitted frame).</summary>
    None = 0,

    /// <summary>The first recordable frame of the capture.</summary>
    First = 1 << 0,

    /// <summary>The last frame before an input action (click, key burst, scroll) that showed something new since the last kept frame.</summary>
    BeforeAction = 1 << 1,

    /// <summary>The first settled frame after an input action (or key/scroll burst).</summary>
    AfterAction = 1 << 2,

    /// <summary>Enough of the screen changed since the last kept frame.</summary>
    Changed = 1 << 3,

    /// <summary>Nothing was kept for the idle keyframe interval: a fresh full frame.</summary>
    IdleKeyframe = 1 << 4,

    /// <summary>The first frame after capture resumed: signal restored, source resolution changed, or a private interval ended.</summary>
    Resumed = 1 << 5,
}
