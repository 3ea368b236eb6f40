namespace EdgeCapture.Video.Sampling;

/// <summary>The kinds of input action the sampler aligns frames to. Mouse motion is not an action: the change detector sees it.</summary>
public enum InputActionKind
{
    /// <summary>A mouse button press (click, double click, start of a drag).</summary>
    Click = 1,

    /// <summary>A key press; consecutive presses within <see cref="SamplingOptions.BurstGap"/> form one burst.</summary>
    Key = 2,

    /// <summary>A wheel step; consecutive steps within <see cref="SamplingOptions.BurstGap"/> form one burst.</summary>
    Scroll = 3,
}

/// <summary>An input action at a monotonic timestamp (the timestamp of the evdev event, CLOCK_MONOTONIC ns).</summary>
/// <param name="MonotonicNanoseconds">When the action happened.</param>
/// <param name="Kind">What it was.</param>
public readonly record struct InputAction(long MonotonicNanoseconds, InputActionKind Kind);
